/**
 * @module The config's policy as the edge checks it: each group's rules, patterns compiled
 * once per config, and the VMs that may not use sudo. Built with the edge view, so it holds
 * no key material either.
 */
import { type CommandPattern, type Config, compilePatterns } from "@telecommande/shared";

export interface GroupPolicy {
  name: string;
  readOnly: boolean;
  /** Undefined: the group does not restrict commands. */
  allow: CommandPattern[] | undefined;
  deny: CommandPattern[];
  confirmDestructive: boolean;
}

export interface FleetPolicy {
  /** Only groups with at least one rule; a group absent here restricts nothing. */
  groups: ReadonlyMap<string, GroupPolicy>;
  /** VMs with `sudo: false`. */
  noSudo: ReadonlySet<string>;
}

export function buildFleetPolicy(config: Config): FleetPolicy {
  const groups = new Map<string, GroupPolicy>();
  for (const group of config.groups ?? []) {
    const policy: GroupPolicy = {
      name: group.name,
      readOnly: group.read_only === true,
      allow: group.allow ? compilePatterns(group.allow, "allow") : undefined,
      deny: compilePatterns(group.deny ?? [], "deny"),
      confirmDestructive: group.confirm === "destructive",
    };
    if (policy.readOnly || policy.allow || policy.deny.length || policy.confirmDestructive) {
      groups.set(group.name, policy);
    }
  }
  const noSudo = new Set(config.vms.filter((vm) => vm.sudo === false).map((vm) => vm.name));
  return { groups, noSudo };
}
