/**
 * @module The VMs a fleet tool runs on: the named VMs, then each named group's VMs, once
 * each, in that order. Naming anything the caller may not use refuses the whole call.
 */
import { permittedVm } from "../auth/caller.js";
import type { EdgeVm } from "../config/edge-config.js";
import type { ToolDeps } from "./deps.js";

/** The VMs in order, or null when any name or group is not the caller's to use (unknown alike). */
export function resolveTargets(deps: ToolDeps, vmNames: readonly string[], groups: readonly string[]): EdgeVm[] | null {
  const targets = new Map<string, EdgeVm>();
  for (const name of vmNames) {
    const vm = permittedVm(deps.caller, name);
    if (!vm) return null;
    targets.set(vm.name, vm);
  }
  for (const group of groups) {
    const members = deps.config.groups.get(group);
    if (!members || !deps.caller.groups.has(group)) return null;
    for (const name of members) {
      const vm = permittedVm(deps.caller, name);
      // A group of the caller's holds only the caller's VMs; anything else is a config the edge must not trust.
      if (!vm) return null;
      if (!targets.has(vm.name)) targets.set(vm.name, vm);
    }
  }
  return [...targets.values()];
}

/** The VMs of each agent, keeping the call's order within each. */
export function byAgent(vms: readonly EdgeVm[]): Map<string, EdgeVm[]> {
  const groups = new Map<string, EdgeVm[]>();
  for (const vm of vms) {
    const list = groups.get(vm.agent) ?? [];
    list.push(vm);
    groups.set(vm.agent, list);
  }
  return groups;
}
