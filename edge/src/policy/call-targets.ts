/**
 * @module Which VMs a tool call touches and how, read from its arguments before dispatch:
 * `vm_name`, `vm_names` + `groups`, or `from_vm` + `to_vm` (a copy only reads its source).
 * Naming a VM the caller may not use is the single denial, found here first so a caller never
 * learns the policy of a VM that is not theirs.
 */
import { TOOLS } from "@telecommande/shared";
import { permittedVm } from "../auth/caller.js";
import type { ToolDeps } from "../mcp/deps.js";
import { resolveTargets } from "../mcp/targets.js";
import type { VmUse } from "./rules.js";

export type CallTargets = { denied: true } | { denied: false; uses: VmUse[] };

const NONE: CallTargets = { denied: false, uses: [] };
const DENIED: CallTargets = { denied: true };

const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

export function callTargets(toolName: string, args: Record<string, unknown>, deps: ToolDeps): CallTargets {
  const tool = TOOLS.find((t) => t.name === toolName);
  if (!tool) return NONE;
  const writes = tool.annotations.readOnlyHint !== true;
  const command = typeof args.command === "string" ? args.command : undefined;
  const use = (vm: NonNullable<ReturnType<typeof permittedVm>>, vmWrites = writes): VmUse => ({
    vm,
    writes: vmWrites,
    ...(command !== undefined ? { command } : {}),
    // The agent prefixes the package manager with `sudo -n` unless it connects as root.
    ...(tool.name === "ssh_install_packages" && vm.user !== "root" ? { needsSudo: true } : {}),
  });

  if (typeof args.vm_name === "string") {
    const vm = permittedVm(deps.caller, args.vm_name);
    return vm ? { denied: false, uses: [use(vm)] } : DENIED;
  }
  if ("vm_names" in args || "groups" in args) {
    const vmNames = names(args.vm_names);
    const groups = names(args.groups);
    // Naming nothing is the handler's own error to report.
    if (!vmNames.length && !groups.length) return NONE;
    const targets = resolveTargets(deps, vmNames, groups);
    return targets ? { denied: false, uses: targets.map((vm) => use(vm)) } : DENIED;
  }
  if (typeof args.from_vm === "string" && typeof args.to_vm === "string") {
    const from = permittedVm(deps.caller, args.from_vm);
    const to = permittedVm(deps.caller, args.to_vm);
    if (!from || !to) return DENIED;
    return { denied: false, uses: [use(from, false), use(to)] };
  }
  return NONE;
}
