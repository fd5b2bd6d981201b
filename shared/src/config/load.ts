/**
 * @module Turns YAML text into a checked Config, or one ConfigError that lists every
 * problem with its YAML path. Never echoes values, so no secret leaks into an error.
 */
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import { type ConfigIssue, crossCheck, type EntryView, lenientConfig } from "./cross-check.js";
import { type Config, ConfigSchema, DEFAULT_AGENT, describeValue, type Vm } from "./schema.js";

export type { ConfigIssue, EntryView } from "./cross-check.js";

/** Document order of the top-level keys, for listing problems as a reader meets them. */
const TOP_ORDER = ["", "vms", "groups", "users", "agents"];

/** `vms[2].port` → [1, 2]: which list and which entry, so problems sort by entry (stably within one). */
function entryRank(path: string): [number, number] {
  const m = /^([A-Za-z_]*)(?:\[(\d+)\])?/.exec(path);
  const top = TOP_ORDER.indexOf(m?.[1] ?? "");
  return [top === -1 ? TOP_ORDER.length : top, m?.[2] === undefined ? -1 : Number(m[2])];
}

export class ConfigError extends Error {
  /** Every problem, in document order: by list, then by entry; within an entry, as found. */
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source = "config") {
    const sorted = issues
      .map((issue, i) => ({ issue, i, rank: entryRank(issue.path) }))
      .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.i - b.i)
      .map(({ issue }) => issue);
    const n = sorted.length;
    super(
      `Invalid ${source} (${n} problem${n === 1 ? "" : "s"}):\n${sorted
        .map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message}`)
        .join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = sorted;
  }
}

/** `["vms", 0, "host"]` → `vms[0].host` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

const KINDS: Record<string, string> = { string: "a string", number: "a number", array: "a list", object: "a mapping" };

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = raw;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * An unknown key is named only when it looks like a setting and has a value: an unquoted value
 * can turn into a key (`{api_key: a,b}`, `{api_key:b}`, `&a,b`), and that value may be a secret.
 */
const SHOWN_KEY = /^[a-z][a-z0-9_]{0,19}$/;

/** zod's issue in the config's words. Only the kind of a wrong value is named: it may be a secret. */
function issueMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === "invalid_type") {
    const want = KINDS[issue.expected] ?? issue.expected;
    const value = valueAt(raw, issue.path);
    if (value === undefined) return `required (${want})`;
    // YAML reads 0123 or 1e3 as numbers: quoting keeps what was written.
    const quote = issue.expected === "string" && (typeof value === "number" || typeof value === "boolean");
    return `must be ${want}, got ${describeValue(value)}${quote ? " (put it in quotes)" : ""}`;
  }
  if (issue.code === "unrecognized_keys") {
    const entry = valueAt(raw, issue.path) as Record<string, unknown> | undefined;
    const names = issue.keys.filter((k) => SHOWN_KEY.test(k) && entry?.[k] != null).map((k) => `"${k}"`);
    const hidden = issue.keys.length - names.length;
    const plural = issue.keys.length > 1 ? "s" : "";
    if (!hidden) return `unknown key${plural} ${names.join(", ")}`;
    const why = "not shown: a value written without quotes may have become a key, so quote values";
    return names.length
      ? `unknown keys ${names.join(", ")} and ${hidden} more (${why})`
      : `unknown key${plural} (${why})`;
  }
  return issue.message;
}

/** What a config holds, whatever is wrong with it. Never throws. */
export interface ConfigInspection {
  /** The checked config; set exactly when there are no issues. */
  config: Config | undefined;
  issues: ConfigIssue[];
  /** Each `vms` entry that is a mapping, as far as it could be read: the agent checks keys alongside other problems. */
  vms: EntryView<Vm>[];
}

/**
 * Structural (zod) and cross-reference problems of a config already read from YAML/JSON,
 * in one pass: the cross checks run over every entry that could be read.
 */
export function inspectConfigObject(raw: unknown): ConfigInspection {
  const broken = (message: string) => ({ config: undefined, issues: [{ path: "", message }], vms: [] });
  if (raw === null || raw === undefined) return broken("the config is empty; it needs at least a `vms:` list");
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return broken(`the config must be a mapping with a \`vms:\` list, got ${describeValue(raw)}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  const lenient = lenientConfig(raw as Record<string, unknown>);
  const issues = [
    ...(parsed.error?.issues ?? []).map((issue) => ({
      path: formatPath(issue.path),
      message: issueMessage(issue, raw),
    })),
    ...crossCheck(lenient),
  ];
  return { config: issues.length ? undefined : parsed.data, issues, vms: lenient.vms ?? [] };
}

/**
 * yaml's message without the source text some of its messages quote (a scalar, a tag, a block
 * scalar header, an escape, a directive): that text may be a key.
 */
function yamlMessage(error: YAMLError): string {
  if (error.code === "TAG_RESOLVE_FAILED") return "unresolved tag";
  if (error.code === "BAD_DQ_ESCAPE") return "invalid escape sequence in a double-quoted string";
  if (error.code === "BAD_DIRECTIVE") return "invalid directive";
  // `Unexpected scalar token in YAML stream: "<the scalar>"`, `… extra characters: <the header>`
  return (error.message.split("\n")[0] ?? "").replace(/(?<=[\w)]): [\s\S]*$/, "");
}

/** Reads YAML text (JSON is YAML too) and inspects it. Never throws. */
export function inspectConfig(text: string): ConfigInspection {
  // prettyErrors would quote the offending line, which may hold a key: positions only.
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length) {
    const issues = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return { path: `line ${at.line}, column ${at.col}`, message: `YAML syntax error: ${yamlMessage(e)}` };
    });
    return { config: undefined, issues, vms: [] };
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    // yaml throws on aliases only when it builds the value; its message would name the alias.
    const message = /resource exhaustion/.test(String(error))
      ? "YAML aliases expand too much (an alias bomb?)"
      : "YAML alias without an anchor before it";
    return { config: undefined, issues: [{ path: "", message }], vms: [] };
  }
  return inspectConfigObject(raw);
}

function checked(inspection: ConfigInspection, source: string): Config {
  if (!inspection.config) throw new ConfigError(inspection.issues, source);
  return inspection.config;
}

/** Parses and checks a config already read from YAML/JSON. Throws ConfigError listing every problem. */
export function parseConfigObject(raw: unknown, source = "config"): Config {
  return checked(inspectConfigObject(raw), source);
}

/** Parses YAML text (JSON is YAML too) into a checked Config. Throws ConfigError listing every problem. */
export function parseConfig(text: string, source = "config"): Config {
  return checked(inspectConfig(text), source);
}

/** True when the config turns permissions on (it has a `users` key). */
export function permissionsEnabled(config: Config): boolean {
  return config.users !== undefined;
}

/** The agent that serves a VM. */
export function agentOf(vm: { agent?: string | undefined }): string {
  return vm.agent ?? DEFAULT_AGENT;
}
