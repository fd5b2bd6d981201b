/**
 * @module ssh_read_file, ssh_write_file, ssh_copy_file: remote files over SFTP, done by the
 * agent serving the VM. The edge authorizes the VM(s) like every VM tool, turns the content
 * to write into bytes (UTF-8 or base64) and refuses it above MAX_WRITE_BYTES before anything
 * is sent; a copy needs both VMs permitted and served by one agent, checked before dispatch.
 */
import { copyFileTool, DEFAULT_READ_BYTES, MAX_WRITE_BYTES, readFileTool, writeFileTool } from "@telecommande/shared";
import { permittedVm } from "../../auth/caller.js";
import { denied, failedOnVm, structured, toolError } from "../result.js";
import { runOnVm } from "../run-on-vm.js";
import type { ToolHandler } from "../tool-handler.js";

const READ_TIMEOUT_MS = 60_000;
const WRITE_TIMEOUT_MS = 120_000;
/** A copy of up to MAX_COPY_BYTES streams for a while: the longest a command may run. */
const COPY_TIMEOUT_MS = 3_600_000;

export const readFile: ToolHandler<typeof readFileTool> = async ({ vm_name, path, offset, max_bytes }, deps) => {
  const run = await runOnVm(deps, vm_name, {
    kind: "file_read",
    path,
    offset: offset ?? 0,
    max_bytes: max_bytes ?? DEFAULT_READ_BYTES,
    timeout_ms: READ_TIMEOUT_MS,
  });
  if (!run.ok) return failedOnVm(readFileTool.name, run);
  const { kind: _kind, ...slice } = run.result;
  return structured({ vm: run.vm.name, ...slice });
};

export const writeFile: ToolHandler<typeof writeFileTool> = async (args, deps) => {
  const { vm_name, path, content, encoding, mode, backup, follow_symlinks } = args;
  // Who may write there comes first: a denied caller learns nothing about their content.
  if (!permittedVm(deps.caller, vm_name)) return denied();
  const bytes = encoding === "base64" ? base64Input(content) : utf8Input(content);
  if ("error" in bytes) return toolError(`${writeFileTool.name}: ${bytes.error}`);
  const run = await runOnVm(deps, vm_name, {
    kind: "file_write",
    path,
    content_base64: bytes.base64,
    ...(mode === undefined ? {} : { mode }),
    backup: backup ?? false,
    follow_symlinks: follow_symlinks ?? false,
    timeout_ms: WRITE_TIMEOUT_MS,
  });
  if (!run.ok) return failedOnVm(writeFileTool.name, run);
  const { kind: _kind, ...written } = run.result;
  return structured({ vm: run.vm.name, ...written });
};

export const copyFile: ToolHandler<typeof copyFileTool> = async (args, deps) => {
  const { from_vm, from_path, to_vm, to_path, overwrite } = args;
  const from = permittedVm(deps.caller, from_vm);
  const to = permittedVm(deps.caller, to_vm);
  if (!from || !to) return denied();
  if (from.agent !== to.agent) {
    return toolError(
      `${copyFileTool.name}: ${from.name} and ${to.name} are served by different agents ("${from.agent}", "${to.agent}"); a copy streams through one agent, so both VMs must be served by the same one`,
    );
  }
  const run = await runOnVm(deps, from_vm, {
    kind: "file_copy",
    path: from_path,
    to_vm: to.name,
    to_path,
    overwrite: overwrite ?? false,
    timeout_ms: COPY_TIMEOUT_MS,
  });
  if (!run.ok) return failedOnVm(copyFileTool.name, run);
  const { kind: _kind, ...copied } = run.result;
  return structured({ ...copied });
};

type Bytes = { base64: string } | { error: string };

const tooLarge = (bytes: number) =>
  ({ error: `content too large: ${bytes} bytes, at most ${MAX_WRITE_BYTES} (1 MiB) per write` }) as const;

/** UTF-8 text → base64 of its bytes. */
function utf8Input(content: string): Bytes {
  // Every character is at least one byte: no need to encode a string already too long.
  if (content.length > MAX_WRITE_BYTES) return tooLarge(content.length);
  const bytes = new TextEncoder().encode(content);
  if (bytes.length > MAX_WRITE_BYTES) return tooLarge(bytes.length);
  return { base64: toBase64(bytes) };
}

/** Base64 as the caller sent it (whitespace ignored, padding optional), checked and measured. */
function base64Input(content: string): Bytes {
  const compact = content.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.replace(/=+$/, "").length % 4 === 1) {
    return { error: "content is not valid base64 (encoding: base64)" };
  }
  const digits = compact.replace(/=+$/, "");
  const decoded = Math.floor((digits.length * 3) / 4);
  if (decoded > MAX_WRITE_BYTES) return tooLarge(decoded);
  return { base64: digits.padEnd(Math.ceil(digits.length / 4) * 4, "=") };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
