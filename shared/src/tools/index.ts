/**
 * @module The tool table: every MCP tool of La Télécommande, defined once. The original's
 * four keep their names, parameters and result fields exactly.
 */
import { defineTool, type ToolInput, type ToolOutput } from "./define.js";
import { copyFileTool, readFileTool, writeFileTool } from "./files.js";
import { getStatisticsTool, searchLogsTool, suggestCommandsTool } from "./history.js";
import { jobCancelTool, jobStatusTool } from "./jobs.js";
import { fleetHealthTool, installPackagesTool, readLogsTool } from "./ops.js";
import { runParallelTool } from "./run-parallel.js";
import {
  DEFAULT_TIMEOUT_S,
  DistroInfoOutput,
  IsVmUpOutput,
  ListVmsOutput,
  RunCommandInput,
  RunCommandOutput,
  VmNameInput,
} from "./schemas.js";

export * from "./define.js";
export * from "./files.js";
export * from "./history.js";
export * from "./jobs.js";
export * from "./ops.js";
export * from "./run-parallel.js";
export * from "./schemas.js";

export const listVmsTool = defineTool({
  name: "ssh_list_vms",
  title: "List VMs",
  description:
    "List the names of the VMs you can access. Call this first, then use a name as `vm_name` in the other tools.",
  input: {},
  output: ListVmsOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  job: null,
});

export const isVmUpTool = defineTool({
  name: "ssh_is_vm_up",
  title: "Is VM up",
  description:
    "Quick reachability check: opens a TCP connection to the VM's SSH port and reports whether it answered and the latency in ms.",
  input: VmNameInput,
  output: IsVmUpOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  job: "probe",
});

export const distroInfoTool = defineTool({
  name: "ssh_vm_distro_info",
  title: "VM distro info",
  description:
    "Read-only diagnostics of a VM: Linux distribution and version, kernel, architecture, init system, package manager (apt, dnf, yum, zypper, pacman, apk), hostname and addresses, SSH user and whether it has passwordless sudo. Use it before installing packages or writing distro-specific commands.",
  input: VmNameInput,
  output: DistroInfoOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  job: "distro",
});

export const runCommandTool = defineTool({
  name: "ssh_run_command",
  title: "Run command",
  description: `Run a shell command on a VM over SSH (as \`bash -lc\`, as the VM's configured user) and return stdout, stderr and the exit code. A non-zero exit is reported as an error with the full output kept; a command that runs past its timeout is killed and comes back with its output so far and \`status\` set to \`timeout\`. Each stream is capped at 1 MiB (marked when truncated). Default timeout ${DEFAULT_TIMEOUT_S} s (\`timeout_s\`, up to 3600). With \`background: true\` it answers at once with a \`job_id\` (follow it with ssh_job_status).`,
  input: RunCommandInput,
  output: RunCommandOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  job: "exec",
});

/** Every tool, in the order clients list them. */
export const TOOLS = [
  listVmsTool,
  isVmUpTool,
  distroInfoTool,
  runCommandTool,
  runParallelTool,
  jobStatusTool,
  jobCancelTool,
  searchLogsTool,
  getStatisticsTool,
  suggestCommandsTool,
  installPackagesTool,
  fleetHealthTool,
  readLogsTool,
  readFileTool,
  writeFileTool,
  copyFileTool,
] as const;

export type Tool = (typeof TOOLS)[number];
export type ToolName = Tool["name"];
export type ToolByName<N extends ToolName> = Extract<Tool, { name: N }>;

/** Names by role, for code and tests that call one tool. */
export const TOOL_NAMES = {
  listVms: listVmsTool.name,
  isVmUp: isVmUpTool.name,
  distroInfo: distroInfoTool.name,
  runCommand: runCommandTool.name,
  runParallel: runParallelTool.name,
  jobStatus: jobStatusTool.name,
  jobCancel: jobCancelTool.name,
  searchLogs: searchLogsTool.name,
  getStatistics: getStatisticsTool.name,
  suggestCommands: suggestCommandsTool.name,
  installPackages: installPackagesTool.name,
  fleetHealth: fleetHealthTool.name,
  readLogs: readLogsTool.name,
  readFile: readFileTool.name,
  writeFile: writeFileTool.name,
  copyFile: copyFileTool.name,
} as const;

export type IsVmUp = ToolOutput<typeof isVmUpTool>;
export type DistroInfo = ToolOutput<typeof distroInfoTool>;
export type RunCommand = ToolOutput<typeof runCommandTool>;
export type RunCommandArgs = ToolInput<typeof runCommandTool>;
