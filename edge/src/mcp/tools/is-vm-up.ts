/** @module ssh_is_vm_up: TCP probe of the VM's SSH port, made by the agent inside the network. */
import { isVmUpTool } from "@telecommande/shared";
import { failedOnVm, structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";
import type { ToolHandler } from "../tool-handler.js";

const PROBE_TIMEOUT_MS = 5_000;

export const isVmUp: ToolHandler<typeof isVmUpTool> = async ({ vm_name }, deps) => {
  const run = await runOnVm(deps, vm_name, { kind: "probe", timeout_ms: PROBE_TIMEOUT_MS });
  if (!run.ok) return failedOnVm(isVmUpTool.name, run);
  const { vm, result } = run;
  return structured({
    vm: vm.name,
    host: vm.host,
    port: vm.port,
    reachable: result.reachable,
    latency_ms: result.latency_ms,
    reason: result.reason,
  });
};
