/** @module ssh_list_vms: the VM names the caller may access. */
import type { listVmsTool } from "@telecommande/shared";
import { structured } from "../result.js";
import type { ToolHandler } from "../tool-handler.js";

export const listVms: ToolHandler<typeof listVmsTool> = async (_args, deps) =>
  structured({ vms: deps.caller.vms.map((vm) => vm.name) });
