/**
 * @module How a caller's groups govern one VM. A VM is governed by the groups through which
 * THIS caller reaches it (their groups that list it; every such group when permissions are
 * off). Combined so that a rule is never lost by reaching a VM twice:
 * - read_only when every governing group is read_only (a read-write group grants writes);
 * - every deny rule of every governing group applies, and deny wins over any allow;
 * - when any governing group has an allow list, a command must match an allow rule of one of them;
 * - confirmation when any governing group has `confirm: destructive`;
 * - sudo is the VM's own setting (`sudo: false`), whoever calls.
 */
import { matchesPattern } from "@telecommande/shared";
import type { Caller } from "../auth/caller.js";
import type { EdgeConfig, EdgeVm } from "../config/edge-config.js";
import type { GroupPolicy } from "./fleet-policy.js";
import { invokesSudo } from "./sudo.js";

/** What one call asks of one VM. */
export interface VmUse {
  vm: EdgeVm;
  /** The tool may change the VM (it is not read-only), for read_only. */
  writes: boolean;
  /** The shell command it runs there, for allow, deny and sudo. */
  command?: string;
  /** It runs a package manager as a user other than root, hence through sudo. */
  needsSudo?: boolean;
}

interface Governing {
  names: string[];
  policies: GroupPolicy[];
}

function governing(config: EdgeConfig, caller: Caller, vm: EdgeVm): Governing {
  const names = [...config.groups]
    .filter(([name, members]) => caller.groups.has(name) && members.includes(vm.name))
    .map(([name]) => name);
  const policies = names.flatMap((name) => config.policy.groups.get(name) ?? []);
  return { names, policies };
}

const quoted = (names: readonly string[]) =>
  `${names.length === 1 ? "group" : "groups"} ${names.map((n) => `"${n}"`).join(", ")}`;

/** Why policy refuses this use of the VM, naming the rule; null when it may go ahead. */
export function refusal(config: EdgeConfig, caller: Caller, use: VmUse): string | null {
  const { names, policies } = governing(config, caller, use.vm);
  if (use.writes && names.length && policies.length === names.length && policies.every((p) => p.readOnly)) {
    return `${quoted(names)} ${names.length === 1 ? "is" : "are"} read_only (read-only tools only)`;
  }
  const { command } = use;
  if (command !== undefined) {
    for (const group of policies) {
      const rule = group.deny.find((p) => matchesPattern(p, command));
      if (rule) return `command matches deny rule ${JSON.stringify(rule.source)} of group "${group.name}"`;
    }
    // Before allow: the VM's own sudo: false says more than "no allow rule matches".
    if (config.policy.noSudo.has(use.vm.name) && invokesSudo(command)) {
      return `command invokes sudo and VM ${use.vm.name} has sudo: false`;
    }
    const allowing = policies.filter((p) => p.allow);
    if (allowing.length && !allowing.some((g) => g.allow?.some((p) => matchesPattern(p, command)))) {
      return `command matches no allow rule of ${quoted(allowing.map((g) => g.name))}`;
    }
  }
  if (use.needsSudo && config.policy.noSudo.has(use.vm.name)) {
    return `installing as user "${use.vm.user}" needs sudo and VM ${use.vm.name} has sudo: false`;
  }
  return null;
}

/** The first governing group that asks to confirm destructive tools on this VM, if any. */
export function confirmingGroup(config: EdgeConfig, caller: Caller, vm: EdgeVm): string | null {
  return governing(config, caller, vm).policies.find((p) => p.confirmDestructive)?.name ?? null;
}
