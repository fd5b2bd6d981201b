/**
 * @module The edge's indexed, key-free view of the fleet config: who may reach which VM,
 * which agent serves it, and the hashes that authenticate callers and agents.
 */
import { agentOf, type Config, edgeView, permissionsEnabled } from "@telecommande/shared";
import { buildFleetPolicy, type FleetPolicy } from "../policy/fleet-policy.js";

export interface EdgeVm {
  name: string;
  host: string;
  port: number;
  user: string;
  agent: string;
}

export interface EdgeUser {
  name: string;
  keyHash: string;
  vms: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  /** `admin: true`: may see the status page. */
  admin: boolean;
}

export interface EdgeAgent {
  name: string;
  tokenHash: string;
}

export interface EdgeConfig {
  permissions: boolean;
  /** VMs in config order. */
  vms: ReadonlyMap<string, EdgeVm>;
  /** Group name → its VM names, in the config's order. */
  groups: ReadonlyMap<string, readonly string[]>;
  users: EdgeUser[];
  /** Undefined when the config lists no agents: the AGENT_TOKEN secret then names "default". */
  agents: EdgeAgent[] | undefined;
  /** Group rules and sudo, checked before dispatch (see policy/). */
  policy: FleetPolicy;
}

/** Builds the edge view. Private keys are dropped here, before anything else sees the config. */
export async function buildEdgeConfig(config: Config): Promise<EdgeConfig> {
  const safe = await edgeView(config);
  const vms = new Map<string, EdgeVm>(
    safe.vms.map((vm) => [vm.name, { name: vm.name, host: vm.host, port: vm.port, user: vm.user, agent: agentOf(vm) }]),
  );
  const groups = new Map((safe.groups ?? []).map((g) => [g.name, g.vms]));
  const users = (safe.users ?? []).map((user) => ({
    name: user.name,
    keyHash: user.api_key_sha256 ?? "",
    vms: new Set(user.groups.flatMap((g) => groups.get(g) ?? [])),
    groups: new Set(user.groups),
    admin: user.admin === true,
  }));
  // One entry per token: an agent whose tokens rotate is found by any of them.
  const agents = safe.agents?.flatMap((a) =>
    (Array.isArray(a.token_sha256) ? a.token_sha256 : [a.token_sha256]).map((tokenHash) => ({
      name: a.name,
      tokenHash,
    })),
  );
  return { permissions: permissionsEnabled(safe), vms, groups, users, agents, policy: buildFleetPolicy(safe) };
}
