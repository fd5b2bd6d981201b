/**
 * @module The test fleet: five VMs on one sshd (three loopback "hosts", one wrong pinned
 * host key, one closed port), users in different groups, fresh random secrets per run.
 * Produces the full config for the agent and the edge's key-free view.
 */
import { randomBytes } from "node:crypto";
import { type Config, edgeView, type Group, sha256Hex } from "@telecommande/shared";
import type { Sshd } from "./sshd.js";

export const AGENT_NAME = "default";

/** VM names in the test config. */
export const VM = {
  /** 127.0.0.1, inline key, host key pinned by fingerprint. */
  alpha: "alpha",
  /** 127.0.0.2, key_path, host key pinned by fingerprint. */
  beta: "beta",
  /** 127.0.0.3, inline key, host key pinned by its public key line. */
  gamma: "gamma",
  /** 127.0.0.1, a deliberately wrong pinned host key. */
  badHostKey: "bad-hostkey",
  /** 127.0.0.1 on a port where nothing listens. */
  down: "down",
} as const;

export const ALL_VMS = Object.values(VM);

/** Groups and who is in them (permissions mode). */
export const GROUPS = {
  dev: [VM.alpha, VM.gamma],
  ops: [VM.beta, VM.down],
  all: ALL_VMS,
} as const;

export type UserName = "alice" | "bob" | "carol" | "admin" | "nobody";

export interface Fleet {
  /** Full config, with private keys: only the agent reads it. */
  config: Config;
  /** What the edge is given: no keys, API keys hashed, the agent's token hash. */
  edgeConfig: Config;
  /** Plain API keys per user (empty in open mode). */
  keys: Record<UserName, string>;
  agentToken: string;
}

/** More VMs for a test (a fleet of many hosts), in groups that admin may use. */
export interface ExtraVms {
  vms: Config["vms"];
  /** With policy fields (read_only, allow, deny, confirm) when a test needs them. */
  groups: Group[];
  /** Agents beside "default", for VMs that name them. */
  agents?: { name: string; token_sha256: string }[];
}

const secret = (label: string) => `${label}-${randomBytes(18).toString("base64url")}`;

/** A `SHA256:` fingerprint (43 base64 chars) that is not `real`. */
export function wrongFingerprint(real: string): string {
  for (;;) {
    const candidate = `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`;
    if (candidate !== real) return candidate;
  }
}

/**
 * Builds the fleet around a running sshd. `permissions: false` leaves out the `users`
 * key (everything open) but keeps the groups, which alone must not turn permissions on.
 */
export async function buildFleet(
  sshd: Sshd,
  closedPort: number,
  permissions: boolean,
  extra: ExtraVms = { vms: [], groups: [] },
): Promise<Fleet> {
  const [h1, h2, h3] = sshd.hosts;
  if (!h1 || !h2 || !h3) throw new Error("the test fleet needs an sshd listening on three loopback addresses");
  const base = { port: sshd.port, user: sshd.user };
  const keys: Record<UserName, string> = {
    alice: secret("alice"),
    bob: secret("bob"),
    carol: secret("carol"),
    admin: secret("admin"),
    nobody: secret("nobody"),
  };
  const agentToken = secret("agent");
  const agents = [{ name: AGENT_NAME, token_sha256: await sha256Hex(agentToken) }];
  const config: Config = {
    vms: [
      { name: VM.alpha, host: h1, ...base, key: sshd.clientKey, host_key: sshd.hostKeyFingerprint },
      { name: VM.beta, host: h2, ...base, key_path: sshd.clientKeyPath, host_key: sshd.hostKeyFingerprint },
      { name: VM.gamma, host: h3, ...base, key: sshd.clientKey, host_key: sshd.hostPublicKey },
      {
        name: VM.badHostKey,
        host: h1,
        ...base,
        key: sshd.clientKey,
        host_key: wrongFingerprint(sshd.hostKeyFingerprint),
      },
      { name: VM.down, host: h1, port: closedPort, user: sshd.user, key: sshd.clientKey },
    ],
    groups: [...Object.entries(GROUPS).map(([name, vms]) => ({ name, vms: [...vms] })), ...extra.groups],
    agents: [...agents, ...(extra.agents ?? [])],
  };
  config.vms.push(...extra.vms);
  if (permissions) {
    config.users = [
      { name: "alice", api_key: keys.alice, groups: ["dev"] },
      { name: "bob", api_key: keys.bob, groups: ["ops"] },
      // Stored hashed in the config itself, the way an operator would keep it.
      { name: "carol", api_key_sha256: await sha256Hex(keys.carol), groups: ["dev", "ops"] },
      { name: "admin", api_key: keys.admin, groups: ["all", ...extra.groups.map((g) => g.name)], admin: true },
      { name: "nobody", api_key: keys.nobody, groups: [] },
    ];
  }
  const edgeConfig = await edgeView(config);
  assertKeyFree(edgeConfig, keys, sshd.clientKey);
  return { config, edgeConfig, keys, agentToken };
}

/** The edge's config travels on a command line: prove it carries no secret. */
export function assertKeyFree(edgeConfig: Config, keys: Record<string, string>, privateKey: string): void {
  const text = JSON.stringify(edgeConfig);
  const leaks = [
    text.includes("PRIVATE KEY") && "a private key",
    text.includes(privateKey.trim().split("\n")[1] ?? "\0") && "private key material",
    edgeConfig.vms.some((vm) => vm.key || vm.key_path || vm.passphrase) && "a VM key field",
    edgeConfig.users?.some((u) => u.api_key) && "a plain api_key",
    ...Object.entries(keys).map(([user, key]) => text.includes(key) && `${user}'s plain API key`),
  ].filter(Boolean);
  if (leaks.length) throw new Error(`edge config would leak ${leaks.join(", ")}`);
}
