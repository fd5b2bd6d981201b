/** @module Remote file tools over SFTP on the pooled SSH connection: read, write, copy between VMs. */
import { z } from "zod";
import {
  DEFAULT_READ_BYTES,
  FileCopyResultSchema,
  FileModeSchema,
  FileReadResultSchema,
  FileWriteResultSchema,
  MAX_READ_BYTES,
  MAX_WRITE_BYTES,
  RemotePathSchema,
} from "../ops/index.js";
import { defineTool, type ToolOutput } from "./define.js";
import { confirmationToken } from "./schemas.js";

const path = RemotePathSchema.describe("Path on the VM: absolute, or relative to the SSH user's home");
const vmName = z.string().min(1).describe("Name of the VM, as listed by ssh_list_vms");

export const ReadFileInput = {
  vm_name: vmName,
  path,
  max_bytes: z
    .number()
    .int()
    .min(1)
    .max(MAX_READ_BYTES)
    .optional()
    .describe(`Bytes to read at most (default ${DEFAULT_READ_BYTES}, at most ${MAX_READ_BYTES})`),
  offset: z.number().int().min(0).optional().describe("Byte to start at (default 0), to page through a large file"),
};

export const ReadFileOutput = { vm: z.string(), ...FileReadResultSchema.omit({ kind: true }).shape };

export const readFileTool = defineTool({
  name: "ssh_read_file",
  title: "Read file",
  description: `Read a file on a VM over SFTP: text comes back as UTF-8, a binary file as base64 with \`binary: true\`. Reads at most ${DEFAULT_READ_BYTES} bytes by default (\`max_bytes\`, up to ${MAX_READ_BYTES}); \`size\` and \`eof\` say whether there is more, \`offset\` pages on.`,
  input: ReadFileInput,
  output: ReadFileOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  job: "file_read",
});

export const WriteFileInput = {
  vm_name: vmName,
  path,
  content: z.string().describe("The whole new content of the file"),
  encoding: z.enum(["utf8", "base64"]).optional().describe("How `content` is written: utf8 (default) or base64"),
  mode: FileModeSchema.optional().describe("Permissions in octal, as 0644 (default: the old file's, else 0644)"),
  backup: z.boolean().optional().describe("Keep the old file as `path.bak` (default false)"),
  follow_symlinks: z.boolean().optional().describe("Write through a symbolic link at `path` (default false: refused)"),
  confirmation_token: confirmationToken,
};

export const WriteFileOutput = { vm: z.string(), ...FileWriteResultSchema.omit({ kind: true }).shape };

export const writeFileTool = defineTool({
  name: "ssh_write_file",
  title: "Write file",
  description: `Write a whole file on a VM over SFTP, atomically: a temporary file in the same folder, then a rename, so readers never see half a file. Optional \`.bak\` of the old file (\`backup\`), permissions (\`mode\`). Refuses to write through a symbolic link unless \`follow_symlinks\`. At most ${MAX_WRITE_BYTES} bytes.`,
  input: WriteFileInput,
  output: WriteFileOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  job: "file_write",
});

export const CopyFileInput = {
  from_vm: vmName,
  from_path: path,
  to_vm: vmName,
  to_path: path,
  overwrite: z.boolean().optional().describe("Replace an existing file at to_path (default false: refused)"),
  confirmation_token: confirmationToken,
};

export const CopyFileOutput = FileCopyResultSchema.omit({ kind: true }).shape;

export const copyFileTool = defineTool({
  name: "ssh_copy_file",
  title: "Copy file between VMs",
  description:
    "Copy one file from a VM to another (or to another path on the same VM) over SFTP, streamed through the agent without loading the file whole; the target is written atomically (temporary file, then rename). Refuses to replace an existing file unless `overwrite`.",
  input: CopyFileInput,
  output: CopyFileOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  job: "file_copy",
});

export type ReadFile = ToolOutput<typeof readFileTool>;
export type WriteFile = ToolOutput<typeof writeFileTool>;
export type CopyFile = ToolOutput<typeof copyFileTool>;
