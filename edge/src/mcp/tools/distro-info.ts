/** @module ssh_vm_distro_info: read-only diagnostics (distro, kernel, init, package manager, network, user). */
import { distroInfoTool } from "@telecommande/shared";
import { failedOnVm, structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";
import type { ToolHandler } from "../tool-handler.js";

const DISTRO_TIMEOUT_MS = 30_000;

export const distroInfo: ToolHandler<typeof distroInfoTool> = async ({ vm_name }, deps) => {
  const run = await runOnVm(deps, vm_name, { kind: "distro", timeout_ms: DISTRO_TIMEOUT_MS });
  if (!run.ok) return failedOnVm(distroInfoTool.name, run);
  const { kind: _kind, ...info } = run.result;
  return structured({ vm: run.vm.name, host: run.vm.host, port: run.vm.port, ...info });
};
