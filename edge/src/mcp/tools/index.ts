/** @module Every tool's edge handler, keyed by the tool table's names. */
import type { ToolHandlers } from "../tool-handler.js";
import { distroInfo } from "./distro-info.js";
import { copyFile, readFile, writeFile } from "./files.js";
import { getStatistics, searchLogs, suggestCommands } from "./history.js";
import { isVmUp } from "./is-vm-up.js";
import { jobCancel, jobStatus } from "./job-status.js";
import { listVms } from "./list-vms.js";
import { fleetHealth, installPackages, readLogs } from "./ops.js";
import { runCommand } from "./run-command.js";
import { runParallel } from "./run-parallel.js";

export const TOOL_HANDLERS: ToolHandlers = {
  ssh_list_vms: listVms,
  ssh_is_vm_up: isVmUp,
  ssh_vm_distro_info: distroInfo,
  ssh_run_command: runCommand,
  ssh_run_parallel: runParallel,
  ssh_job_status: jobStatus,
  ssh_job_cancel: jobCancel,
  ssh_search_logs: searchLogs,
  ssh_get_statistics: getStatistics,
  ssh_suggest_commands: suggestCommands,
  ssh_install_packages: installPackages,
  ssh_fleet_health: fleetHealth,
  ssh_read_logs: readLogs,
  ssh_read_file: readFile,
  ssh_write_file: writeFile,
  ssh_copy_file: copyFile,
};
