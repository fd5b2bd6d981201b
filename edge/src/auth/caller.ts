/** @module Who is calling /mcp and which VMs they may reach. */
import type { EdgeConfig, EdgeUser, EdgeVm } from "../config/edge-config.js";
import { findBySecret } from "./compare.js";
import { parseAuthorization } from "./header.js";

export interface Caller {
  /** User name, or "anonymous" when permissions are off. */
  name: string;
  /** The VMs this caller may reach, in config order. */
  vms: EdgeVm[];
  /** The groups this caller may name: their own, or every group when permissions are off. */
  groups: ReadonlySet<string>;
  /** `admin: true` in the config (always false in open mode: no one is known). */
  admin: boolean;
}

/** The caller for an Authorization header, or null when access must be denied. */
export async function resolveCaller(
  config: EdgeConfig,
  authorization: string | null | undefined,
): Promise<Caller | null> {
  if (!config.permissions) {
    return { name: "anonymous", vms: [...config.vms.values()], groups: new Set(config.groups.keys()), admin: false };
  }
  const key = parseAuthorization(authorization);
  if (!key) return null;
  const user = await findBySecret(key, config.users, (u) => u.keyHash);
  return user ? callerOf(config, user) : null;
}

/**
 * The caller for a configured user name (an OAuth grant or a status-page session names its
 * user); null when the config no longer has that user. Permissions come from the config
 * in force now, so an edit to the user's groups applies to grants already issued.
 */
export function callerForUser(config: EdgeConfig, name: string): Caller | null {
  if (!config.permissions) return null;
  const user = config.users.find((u) => u.name === name);
  return user ? callerOf(config, user) : null;
}

function callerOf(config: EdgeConfig, user: EdgeUser): Caller {
  return {
    name: user.name,
    vms: [...config.vms.values()].filter((vm) => user.vms.has(vm.name)),
    groups: user.groups,
    admin: user.admin,
  };
}

/** The VM if the caller may reach it; null for forbidden and unknown alike. */
export function permittedVm(caller: Caller, name: string): EdgeVm | null {
  return caller.vms.find((vm) => vm.name === name) ?? null;
}
