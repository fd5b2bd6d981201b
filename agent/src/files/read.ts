/**
 * @module `file_read`: one slice of a remote file over SFTP. Stat first (a folder or a
 * FIFO is refused, the size is reported), then read up to `max_bytes` from `offset`,
 * looping over short reads, and hand the slice back as text or base64.
 */
import type { JobOf, ResultOf } from "@telecommande/shared";
import type { Stats } from "ssh2";
import type { JobContext } from "../job-context.js";
import { type SftpSession, withSftp } from "../ssh/sftp.js";
import { fileError, toFileError } from "./errors.js";
import { type Done, jobVm, recorded } from "./record.js";
import { decodeSlice } from "./utf8.js";

/** Why a stat'ed path cannot be read as a file, or undefined when it can. */
export function unreadable(stats: Stats): string | undefined {
  if (stats.isDirectory()) return "is a directory";
  if (stats.isFIFO() || stats.isSocket()) return "is not a regular file (a FIFO or a socket)";
  return undefined;
}

export async function readFileJob(job: JobOf<"file_read">, ctx: JobContext): Promise<ResultOf<"file_read">> {
  const vm = jobVm(ctx);
  return await recorded(ctx, vm, `sftp read ${job.path}`, () =>
    withSftp(ctx.pool, vm, ctx.signal, (session) => readSlice(session, job, ctx.signal)),
  );
}

async function readSlice(
  session: SftpSession,
  job: JobOf<"file_read">,
  signal: AbortSignal,
): Promise<Done<ResultOf<"file_read">>> {
  const { path, offset, max_bytes } = job;
  const failed = (err: unknown, step: "read" | "other") => toFileError(err, path, step, session, signal);
  let stats: Stats;
  try {
    stats = await session.stat(path);
  } catch (err) {
    throw failed(err, "other");
  }
  const refusal = unreadable(stats);
  if (refusal) throw fileError(path, refusal);

  let handle: Buffer;
  try {
    handle = await session.open(path, "r");
  } catch (err) {
    throw failed(err, "other");
  }
  const buffer = Buffer.alloc(max_bytes);
  let filled = 0;
  let atEnd = false;
  try {
    while (filled < max_bytes) {
      const got = await session.read(handle, buffer, filled, max_bytes - filled, offset + filled);
      if (got === 0) {
        atEnd = true;
        break;
      }
      filled += got;
    }
  } catch (err) {
    throw failed(err, "read");
  } finally {
    await session.quietClose(handle);
  }
  // A regular file ends at its size; a /proc file says 0 and ends where a read finds nothing.
  const eof = atEnd || (stats.isFile() && stats.size > 0 && offset + filled >= stats.size);
  const slice = decodeSlice(buffer.subarray(0, filled), !eof);
  const result: ResultOf<"file_read"> = {
    kind: "file_read",
    path,
    size: stats.size,
    offset,
    bytes_read: slice.bytes,
    encoding: slice.encoding,
    binary: slice.binary,
    content: slice.content,
    eof: eof && slice.bytes === filled,
  };
  const summary = `read ${slice.bytes} bytes at ${offset} of ${stats.size}${slice.binary ? " (binary)" : ""}`;
  return { result, summary };
}
