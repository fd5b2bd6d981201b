/**
 * @module Turns YAML text into a checked Config, or one ConfigError that lists every
 * problem with its YAML path. Never echoes values, so no secret leaks into an error.
 */
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type Config, ConfigSchema, DEFAULT_AGENT } from "./schema.js";

export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source = "config") {
    const n = issues.length;
    super(
      `Invalid ${source} (${n} problem${n === 1 ? "" : "s"}):\n${issues
        .map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message}`)
        .join("\n")}`,
    );
    this.name = "ConfigError";
    this.issues = issues;
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

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
    return `required (${issue.expected})`;
  }
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return issue.message;
}

/** Cross-references zod cannot express per field: names unique, references resolvable. */
function crossCheck(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const unique = (list: { name: string }[], where: string) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      if (seen.has(item.name)) issues.push({ path: `${where}[${i}].name`, message: `duplicate name "${item.name}"` });
      seen.add(item.name);
    });
    return seen;
  };
  const vmNames = unique(config.vms, "vms");
  const groupNames = unique(config.groups ?? [], "groups");
  unique(config.users ?? [], "users");
  const agentNames = config.agents ? unique(config.agents, "agents") : new Set([DEFAULT_AGENT]);

  config.vms.forEach((vm, i) => {
    if (vm.key && vm.key_path) {
      issues.push({ path: `vms[${i}]`, message: "give either key or key_path, not both" });
    }
    if (vm.agent && !agentNames.has(vm.agent)) {
      issues.push({ path: `vms[${i}].agent`, message: `unknown agent "${vm.agent}"` });
    }
  });
  (config.groups ?? []).forEach((g, i) => {
    g.vms.forEach((vm, j) => {
      if (!vmNames.has(vm)) issues.push({ path: `groups[${i}].vms[${j}]`, message: `unknown VM "${vm}"` });
    });
  });
  (config.users ?? []).forEach((u, i) => {
    if (!u.api_key === !u.api_key_sha256) {
      issues.push({ path: `users[${i}]`, message: "give exactly one of api_key or api_key_sha256" });
    }
    u.groups.forEach((g, j) => {
      if (!groupNames.has(g)) issues.push({ path: `users[${i}].groups[${j}]`, message: `unknown group "${g}"` });
    });
  });
  return issues;
}

/** Parses and checks a config already read from YAML/JSON. Throws ConfigError. */
export function parseConfigObject(raw: unknown, source = "config"): Config {
  if (raw === null || raw === undefined) {
    throw new ConfigError([{ path: "", message: "the config is empty; it needs at least a `vms:` list" }], source);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issueMessage(issue) })),
      source,
    );
  }
  const issues = crossCheck(parsed.data);
  if (issues.length) throw new ConfigError(issues, source);
  return parsed.data;
}

/** Parses YAML text (JSON is YAML too) into a checked Config. Throws ConfigError. */
export function parseConfig(text: string, source = "config"): Config {
  // prettyErrors would quote the offending line, which may hold a key: positions only.
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return { path: `line ${at.line}, column ${at.col}`, message: `YAML syntax error: ${e.message.split("\n")[0]}` };
      }),
      source,
    );
  }
  return parseConfigObject(doc.toJS(), source);
}

/** True when the config turns permissions on (it has a `users` key). */
export function permissionsEnabled(config: Config): boolean {
  return config.users !== undefined;
}

/** The agent that serves a VM. */
export function agentOf(vm: { agent?: string | undefined }): string {
  return vm.agent ?? DEFAULT_AGENT;
}
