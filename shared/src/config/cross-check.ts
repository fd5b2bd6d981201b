/**
 * @module The checks zod cannot express per field (unique names, resolvable references,
 * one-of fields), run over a lenient reading of the config so they still report when other
 * parts are structurally broken: a list entry counts with whatever fields are valid.
 */
import type { z } from "zod";
import { AgentSchema, DEFAULT_AGENT, GroupSchema, UserSchema, VmSchema } from "./schema.js";

export interface ConfigIssue {
  path: string;
  message: string;
}

/** One list entry as far as it could be read: each field valid on its own, whatever else is wrong. */
export interface EntryView<T> {
  index: number;
  /** `vms[2]` */
  path: string;
  /** The fields that parsed (with their transforms applied); broken or absent ones are missing. */
  fields: Partial<T>;
  /** The keys the entry gives a value for, valid or not: a broken field is still a given one. */
  given: ReadonlySet<string>;
}

/** The config as far as each list could be read; `undefined` when the list is absent, `null` when it is not a list. */
export interface LenientConfig {
  vms: EntryView<z.output<typeof VmSchema>>[] | undefined | null;
  groups: EntryView<z.output<typeof GroupSchema>>[] | undefined | null;
  users: EntryView<z.output<typeof UserSchema>>[] | undefined | null;
  agents: EntryView<z.output<typeof AgentSchema>>[] | undefined | null;
  /** The raw entries, for the lists of names inside them (group VMs, user groups). */
  raw: Record<string, unknown>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function viewOf<S extends z.ZodObject>(
  schema: S,
  raw: Record<string, unknown>,
  path: string,
  index: number,
): EntryView<z.output<S>> {
  const fields: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape)) {
    if (raw[key] === undefined) continue;
    given.add(key);
    const parsed = (field as z.ZodType).safeParse(raw[key]);
    if (parsed.success && parsed.data !== undefined) fields[key] = parsed.data;
  }
  return { index, path, fields: fields as Partial<z.output<S>>, given };
}

/** Views of the entries that are mappings; any other entry is one structural problem and nothing more. */
function listOf<S extends z.ZodObject>(schema: S, raw: unknown, key: string) {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) return null;
  // A copy: a list from a JS caller may carry its own `constructor`, which map/flatMap would use.
  return Array.from(raw).flatMap((item, i) => (isMapping(item) ? [viewOf(schema, item, `${key}[${i}]`, i)] : []));
}

/** Reads each list entry on its own. `raw` must be a mapping. */
export function lenientConfig(raw: Record<string, unknown>): LenientConfig {
  return {
    vms: listOf(VmSchema, raw.vms, "vms"),
    groups: listOf(GroupSchema, raw.groups, "groups"),
    users: listOf(UserSchema, raw.users, "users"),
    agents: listOf(AgentSchema, raw.agents, "agents"),
    raw,
  };
}

/** The names in a list of names, index-aligned; broken entries (reported by zod) are undefined. */
function namesIn(raw: unknown): (string | undefined)[] {
  if (!Array.isArray(raw)) return [];
  return Array.from(raw, (v) => (typeof v === "string" && v.trim() ? v.trim() : undefined));
}

function rawEntry(raw: Record<string, unknown>, list: string, index: number): Record<string, unknown> {
  return (raw[list] as Record<string, unknown>[])[index] ?? {};
}

export function crossCheck(config: LenientConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const push = (path: string, message: string) => issues.push({ path, message });

  /** Names once each; a later entry with a taken name is the one reported. Undefined for a broken list. */
  const unique = (list: EntryView<{ name: string }>[] | undefined | null) => {
    if (!list) return list === null ? undefined : new Set<string>();
    const first = new Map<string, string>();
    for (const entry of list) {
      const name = entry.fields.name;
      if (name === undefined) continue;
      const seen = first.get(name);
      if (seen) push(`${entry.path}.name`, `duplicate name "${name}" (first at ${seen})`);
      else first.set(name, entry.path);
    }
    return new Set(first.keys());
  };
  /** The same secret on two entries makes them indistinguishable; the value is never shown. */
  const sameSecret = <T>(list: EntryView<T>[] | undefined | null, key: keyof T & string, what: string) => {
    const first = new Map<unknown, string>();
    for (const entry of list ?? []) {
      const value = entry.fields[key];
      if (value === undefined) continue;
      // A list (tokens while they rotate): each of its values is a secret of its own.
      const values = Array.isArray(value) ? value.map((v, i) => [v, `[${i}]`] as const) : [[value, ""] as const];
      for (const [secret, index] of values) {
        const seen = first.get(secret);
        if (seen) push(`${entry.path}.${key}${index}`, `same ${what} as ${seen}`);
        else first.set(secret, `${entry.path}${index ? `.${key}${index}` : ""}`);
      }
    }
  };

  // `vms` is required: when it is missing, every group reference would look unknown.
  const vmNames = config.vms === undefined ? undefined : unique(config.vms);
  const groupNames = unique(config.groups);
  unique(config.users);
  const agentNames = config.agents === undefined ? new Set([DEFAULT_AGENT]) : unique(config.agents);

  for (const vm of config.vms ?? []) {
    if (vm.given.has("key") && vm.given.has("key_path")) push(vm.path, "give either key or key_path, not both");
    const agent = vm.fields.agent;
    if (agent !== undefined && agentNames && !agentNames.has(agent)) {
      push(
        `${vm.path}.agent`,
        config.agents === undefined
          ? `unknown agent "${agent}" (no agents: list, so the only agent is "${DEFAULT_AGENT}")`
          : `unknown agent "${agent}"`,
      );
    }
  }
  for (const group of config.groups ?? []) {
    // A read_only group runs no commands: rules on it would only confuse whoever reads them.
    if (group.fields.read_only === true) {
      for (const key of ["allow", "deny"] as const) {
        if (group.given.has(key))
          push(`${group.path}.${key}`, `has no effect on a read_only group (it runs no commands)`);
      }
    }
    namesIn(rawEntry(config.raw, "groups", group.index).vms).forEach((vm, j) => {
      if (vm !== undefined && vmNames && !vmNames.has(vm)) push(`${group.path}.vms[${j}]`, `unknown VM "${vm}"`);
    });
  }
  for (const user of config.users ?? []) {
    if (user.given.has("api_key") === user.given.has("api_key_sha256")) {
      push(user.path, "give exactly one of api_key or api_key_sha256");
    }
    namesIn(rawEntry(config.raw, "users", user.index).groups).forEach((group, j) => {
      if (group !== undefined && groupNames && !groupNames.has(group)) {
        push(`${user.path}.groups[${j}]`, `unknown group "${group}"`);
      }
    });
  }
  sameSecret(config.users, "api_key", "API key");
  sameSecret(config.users, "api_key_sha256", "API key");
  sameSecret(config.agents, "token_sha256", "token");
  return issues;
}
