/**
 * @module `file_copy`: one file from a VM to another (or the same) VM of this agent,
 * streamed SFTP to SFTP through the agent (see transfer.ts) into a temporary file beside
 * the target, then renamed. An existing target is refused unless `overwrite`.
 */
import { ERROR_CODES, type JobOf, MAX_COPY_BYTES, type ResultOf } from "@telecommande/shared";
import type { Stats } from "ssh2";
import { JobError } from "../errors.js";
import type { JobContext } from "../job-context.js";
import { type SftpSession, withSftp } from "../ssh/sftp.js";
import { fileError, toFileError } from "./errors.js";
import { namesFolder } from "./paths.js";
import { unreadable } from "./read.js";
import { type Done, jobVm, recorded } from "./record.js";
import { transfer } from "./transfer.js";

export async function copyFileJob(job: JobOf<"file_copy">, ctx: JobContext): Promise<ResultOf<"file_copy">> {
  const from = jobVm(ctx);
  const to = ctx.served(job.to_vm);
  const fromLabel = `${job.vm}:${job.path}`;
  const toLabel = `${job.to_vm}:${job.to_path}`;
  return await recorded(ctx, from, `sftp copy ${fromLabel} -> ${toLabel}`, async () => {
    if (!to) throw new JobError(ERROR_CODES.unknownVm, ctx.unknownVm(job.to_vm));
    if (namesFolder(job.to_path)) throw fileError(toLabel, "names a folder; give the path of the file to create");
    if (to.name === from.name && job.to_path === job.path) throw fileError(toLabel, "is the source file itself");
    return await withSftp(ctx.pool, from, ctx.signal, (source) =>
      withSftp(ctx.pool, to, ctx.signal, (target) => copyBetween(source, target, job, fromLabel, toLabel, ctx.signal)),
    );
  });
}

async function copyBetween(
  source: SftpSession,
  target: SftpSession,
  job: JobOf<"file_copy">,
  fromLabel: string,
  toLabel: string,
  signal: AbortSignal,
): Promise<Done<ResultOf<"file_copy">>> {
  const started = performance.now();
  let stats: Stats;
  try {
    stats = await source.stat(job.path);
  } catch (err) {
    throw toFileError(err, fromLabel, "other", source, signal);
  }
  const refusal = unreadable(stats) ?? (stats.isFile() ? undefined : "is not a regular file");
  if (refusal) throw fileError(fromLabel, refusal);
  if (stats.size > MAX_COPY_BYTES) {
    throw fileError(fromLabel, `too large: ${stats.size} bytes, at most ${MAX_COPY_BYTES} per copy`);
  }
  let existing: Stats | undefined;
  try {
    existing = await target.lstatIfAny(job.to_path);
  } catch (err) {
    throw toFileError(err, toLabel, "other", target, signal);
  }
  if (existing?.isDirectory()) throw fileError(toLabel, "is a directory; give the path of the file to create");
  if (existing && !job.overwrite) throw fileError(toLabel, "already exists (pass overwrite: true to replace it)");

  const bytes = await transfer({
    source,
    from: job.path,
    size: stats.size,
    target,
    to: job.to_path,
    replace: job.overwrite,
    mode: stats.mode & 0o7777,
    signal,
    fromLabel,
    toLabel,
  });
  const duration_ms = Math.round(performance.now() - started);
  const result: ResultOf<"file_copy"> = {
    kind: "file_copy",
    from_vm: job.vm,
    from_path: job.path,
    to_vm: job.to_vm,
    to_path: job.to_path,
    bytes,
    duration_ms,
  };
  const rate = duration_ms > 0 ? ` (${((bytes / 1_048_576) * (1000 / duration_ms)).toFixed(1)} MiB/s)` : "";
  return { result, summary: `copied ${bytes} bytes in ${duration_ms} ms${rate}` };
}
