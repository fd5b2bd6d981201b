/**
 * @module Streams one remote file into a new one, possibly on another VM, never holding it
 * whole: SFTP reads on the source session feed SFTP writes on the target's, with stream
 * backpressure between them. The target appears atomically: the bytes go to a temporary
 * file beside it, which is flushed, given its mode and renamed over the target; on any
 * failure (the job's abort included) the temporary file is removed.
 */
import { pipeline } from "node:stream/promises";
import { NO_SUCH_FILE, type SftpSession, sftpCode } from "../ssh/sftp.js";
import { SftpReader, SftpWriter } from "../ssh/sftp-stream.js";
import { fileError, toFileError } from "./errors.js";
import { folderOf, TEMP_MODE, tempPathFor } from "./paths.js";

export interface TransferSpec {
  source: SftpSession;
  from: string;
  /** Bytes to copy: the source's size when it was stat'ed. */
  size: number;
  target: SftpSession;
  to: string;
  /** Replace an existing `to` (atomic rename); false: fail if it exists by then. */
  replace: boolean;
  mode: number;
  signal: AbortSignal;
  /** How each side is named in messages: a path, or `vm:path`. */
  fromLabel: string;
  toLabel: string;
}

/** The error for a failed create of a file in `path`'s folder: name the folder when it is missing. */
export function createError(err: unknown, path: string, label: string, session: SftpSession, signal: AbortSignal) {
  if (sftpCode(err) === NO_SUCH_FILE) {
    return fileError(label, `no such file or directory (does the folder ${folderOf(path) || "."} exist?)`);
  }
  return toFileError(err, label, "write", session, signal);
}

/** Copies `from` to `to` as the spec says; returns the bytes written. */
export async function transfer(spec: TransferSpec): Promise<number> {
  const { source, target, signal } = spec;
  let input: Buffer;
  try {
    input = await source.open(spec.from, "r");
  } catch (err) {
    throw toFileError(err, spec.fromLabel, "read", source, signal);
  }
  const temp = tempPathFor(spec.to);
  let output: Buffer | undefined;
  let step: "create" | "copy" | "finish" | "rename" = "create";
  let readFailed = false;
  try {
    output = await target.open(temp, "wx", TEMP_MODE);
    step = "copy";
    const reader = new SftpReader(source.sftp, input, 0, spec.size);
    const writer = new SftpWriter(target.sftp, output);
    reader.once("error", () => {
      readFailed = true;
    });
    await pipeline(reader, writer, { signal });
    step = "finish";
    await target.fsync(output);
    await target.fchmod(output, spec.mode);
    await target.close(output);
    output = undefined;
    step = "rename";
    await target.rename(temp, spec.to, spec.replace);
    return writer.written;
  } catch (err) {
    if (output) await target.quietClose(output);
    // Aborted while creating: the server may have made the file after we stopped waiting.
    if (step !== "create" || signal.aborted) await target.quietUnlink(temp);
    if (step === "create") throw createError(err, spec.to, spec.toLabel, target, signal);
    if (step === "copy" && readFailed) throw toFileError(err, spec.fromLabel, "read", source, signal);
    if (
      step === "rename" &&
      !spec.replace &&
      !signal.aborted &&
      (await target.lstatIfAny(spec.to).catch(() => undefined))
    ) {
      throw fileError(spec.toLabel, "already exists (pass overwrite: true to replace it)");
    }
    throw toFileError(err, spec.toLabel, step === "rename" ? "other" : "write", target, signal);
  } finally {
    await source.quietClose(input);
  }
}
