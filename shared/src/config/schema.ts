/**
 * @module The fleet config: the original's YAML (vms, groups, users) accepted as-is,
 * plus key_path, host_key, api_key_sha256 and agents.
 */
import { z } from "zod";

const name = z.string().trim().min(1, "must not be empty");

/** A port may be written as 22 or "22" in YAML. */
const port = z.coerce.number().int().min(1).max(65535);

export const VmSchema = z.strictObject({
  name,
  host: name,
  port: port.default(22),
  user: name,
  /** Inline private key (PEM / OpenSSH), as in the original. Only the agent ever reads it. */
  key: z.string().min(1).optional(),
  /** Path to a private key file on the agent's machine. */
  key_path: z.string().min(1).optional(),
  /** Passphrase for an encrypted key. */
  passphrase: z.string().optional(),
  /** Pinned host key: an OpenSSH fingerprint `SHA256:...` or a public key line `ssh-ed25519 AAAA...`. */
  host_key: z.string().min(1).optional(),
  /** Agent that serves this VM; defaults to "default". */
  agent: name.optional(),
});

export const GroupSchema = z.strictObject({
  name,
  vms: z.array(name),
});

const sha256Hex = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (a SHA-256 digest)")
  .transform((s) => s.toLowerCase());

export const UserSchema = z.strictObject({
  name,
  api_key: z.string().min(1).optional(),
  api_key_sha256: sha256Hex.optional(),
  groups: z.array(name).default([]),
});

export const AgentSchema = z.strictObject({
  name,
  token_sha256: sha256Hex,
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
