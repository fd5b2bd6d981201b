/**
 * @module The fleet config: the original's YAML (vms, groups, users) accepted as-is,
 * plus key_path, host_key, api_key_sha256, agents, and policy (group read_only, allow, deny,
 * confirm; VM sudo) — see README "Policy".
 */
import { z } from "zod";
import { parsePattern } from "./policy-pattern.js";

/**
 * A value as an error message may show it. Strings are quoted only where the caller says
 * the field is not secret (a port, say); otherwise only the kind of value is named.
 */
export function describeValue(value: unknown, showText = false): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return showText ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : "a string";
  if (typeof value === "number" || typeof value === "boolean") return showText ? String(value) : `a ${typeof value}`;
  return `a ${typeof value}`;
}

const name = z.string().trim().min(1, "must not be empty");
const text = z.string().min(1, "must not be empty");

/**
 * A port, written 22 or "22" in YAML. Hand-rolled rather than z.coerce.number(): coercion
 * turns "" into 0 and "22a" into NaN, and the message should show what was written.
 */
const port = z.unknown().transform((input, ctx) => {
  const n =
    typeof input === "number"
      ? input
      : typeof input === "string" && /^\s*\d+\s*$/.test(input)
        ? Number(input)
        : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
  ctx.issues.push({
    code: "custom",
    message: `must be a port number 1–65535, got ${describeValue(input, true)}`,
    input,
  });
  return z.NEVER;
});

export const VmSchema = z.strictObject({
  name,
  host: name,
  port: port.default(22),
  user: name,
  /** Inline private key (PEM / OpenSSH), as in the original. Only the agent ever reads it. */
  key: text.optional(),
  /** Path to a private key file on the agent's machine. */
  key_path: text.optional(),
  /** Passphrase for an encrypted key. */
  passphrase: z.string().optional(),
  /** Pinned host key: an OpenSSH fingerprint `SHA256:...` or a public key line `ssh-ed25519 AAAA...`. */
  host_key: text.optional(),
  /** Agent that serves this VM; defaults to "default". */
  agent: name.optional(),
  /** Policy: `false` refuses commands that invoke sudo and installs that need it. Default true. */
  sudo: z.boolean().optional(),
});

/** One `allow`/`deny` entry: a glob, or a regex written `/.../` (see policy-pattern.ts). */
const commandPattern = z.string().superRefine((text, ctx) => {
  const parsed = parsePattern(text);
  if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.error });
});

export const GroupSchema = z.strictObject({
  name,
  vms: z.array(name),
  /** Policy: the group's VMs get only read-only tools through this group. */
  read_only: z.boolean().optional(),
  /** Policy: commands must match one of these (an empty list would refuse everything: use read_only). */
  allow: z.array(commandPattern).min(1, "list at least one pattern, or leave allow out").optional(),
  /** Policy: commands matching any of these are refused, whatever allows them. */
  deny: z.array(commandPattern).optional(),
  /** Policy: destructive tools need the human's confirmation (a second call with a token). */
  confirm: z
    .enum(["destructive"], { error: 'must be "destructive" (the only kind of confirmation there is)' })
    .optional(),
});

const sha256Hex = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (a SHA-256 digest)")
  .transform((s) => s.toLowerCase());

export const UserSchema = z.strictObject({
  name,
  api_key: text.optional(),
  api_key_sha256: sha256Hex.optional(),
  groups: z.array(name).default([]),
  /** May see the fleet status page (`/status`, `/status.json`) and issue one-time login codes. */
  admin: z.boolean().optional(),
});

export const AgentSchema = z.strictObject({
  name,
  /**
   * The SHA-256 of the agent's token, or a list of them while tokens rotate: the agent may
   * connect with any; dropping a digest revokes its token at the agent's next connect.
   */
  token_sha256: z.union([sha256Hex, z.array(sha256Hex).min(1).max(10)]),
});

export const ConfigSchema = z.strictObject({
  vms: z.array(VmSchema),
  groups: z.array(GroupSchema).optional(),
  users: z.array(UserSchema).optional(),
  agents: z.array(AgentSchema).optional(),
});

export type Vm = z.infer<typeof VmSchema>;
export type Group = z.infer<typeof GroupSchema>;
export type User = z.infer<typeof UserSchema>;
export type AgentEntry = z.infer<typeof AgentSchema>;
export type Config = z.infer<typeof ConfigSchema>;

/** The agent name used when a VM names none and the config lists no agents. */
export const DEFAULT_AGENT = "default";

/** Command patterns are part of the config language: whoever reads a config may match them. */
export * from "./policy-pattern.js";
