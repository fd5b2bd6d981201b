/**
 * @module `file_write`: a whole file written atomically over SFTP. The target is lstat'ed
 * (a symbolic link is refused unless `follow_symlinks`, then the real file is written; a
 * folder or a special file is refused), the bytes go to `.name.tc-<random>.tmp` in the same
 * folder, which is flushed (fsync@openssh.com), given its owner and mode and renamed over
 * the target (posix-rename@openssh.com): readers see the old file or the new one, never
 * half of one. A backup is a copy of the old file made beside it (itself through a
 * temporary file) before the rename, so the old file stays in place until then.
 */
import { ERROR_CODES, type JobOf, MAX_WRITE_BYTES, type ResultOf } from "@telecommande/shared";
import type { Stats } from "ssh2";
import { JobError } from "../errors.js";
import type { JobContext } from "../job-context.js";
import { NO_SUCH_FILE, type SftpSession, sftpCode, withSftp } from "../ssh/sftp.js";
import { fileError, toFileError } from "./errors.js";
import { backupPathFor, DEFAULT_MODE, formatMode, namesFolder, parseMode, TEMP_MODE, tempPathFor } from "./paths.js";
import { type Done, jobVm, recorded } from "./record.js";
import { createError, transfer } from "./transfer.js";

export async function writeFileJob(job: JobOf<"file_write">, ctx: JobContext): Promise<ResultOf<"file_write">> {
  const vm = jobVm(ctx);
  const content = Buffer.from(job.content_base64, "base64");
  return await recorded(ctx, vm, `sftp write ${job.path} (${content.length} bytes)`, async () => {
    if (content.length > MAX_WRITE_BYTES) {
      throw new JobError(
        ERROR_CODES.invalidInput,
        `content too large: ${content.length} bytes, at most ${MAX_WRITE_BYTES} per write`,
      );
    }
    return await withSftp(ctx.pool, vm, ctx.signal, (session) => writeWhole(session, job, content, ctx.signal));
  });
}

/** Where the bytes go: the path itself, or the file a symbolic link at it points to. */
async function resolveTarget(
  session: SftpSession,
  job: JobOf<"file_write">,
  signal: AbortSignal,
): Promise<{ target: string; old: Stats | undefined }> {
  const { path } = job;
  const failed = (err: unknown) => toFileError(err, path, "other", session, signal);
  let old: Stats | undefined;
  try {
    old = await session.lstatIfAny(path);
  } catch (err) {
    throw failed(err);
  }
  if (!old?.isSymbolicLink()) return { target: path, old };
  if (!job.follow_symlinks) {
    throw fileError(path, "is a symbolic link; refused (pass follow_symlinks: true to write the file it points to)");
  }
  try {
    // OpenSSH resolves every link; a missing last component comes back as the path to create.
    const target = await session.realpath(path);
    return { target, old: await session.lstatIfAny(target) };
  } catch (err) {
    if (sftpCode(err) === NO_SUCH_FILE) throw fileError(path, "is a symbolic link to a missing folder");
    throw failed(err);
  }
}

async function writeWhole(
  session: SftpSession,
  job: JobOf<"file_write">,
  content: Buffer,
  signal: AbortSignal,
): Promise<Done<ResultOf<"file_write">>> {
  const { path } = job;
  if (namesFolder(path)) throw fileError(path, "names a folder; give the path of a file");
  const { target, old } = await resolveTarget(session, job, signal);
  if (old?.isDirectory()) throw fileError(path, "is a directory");
  if (old && !old.isFile()) throw fileError(path, "is not a regular file");
  const mode = job.mode !== undefined ? parseMode(job.mode) : old ? old.mode & 0o7777 : DEFAULT_MODE;

  const temp = tempPathFor(target);
  let handle: Buffer | undefined;
  let made = false;
  let step: "write" | "other" = "other";
  try {
    try {
      handle = await session.open(temp, "wx", TEMP_MODE);
    } catch (err) {
      throw createError(err, target, path, session, signal);
    }
    made = true;
    step = "write";
    if (content.length > 0) await session.write(handle, content, 0);
    await session.fsync(handle);
    step = "other";
    if (old) {
      // Keep the old file's owner where we may (root writing a user's file); chown clears set-id bits, so first.
      const mine = await session.fstat(handle);
      if (mine.uid !== old.uid || mine.gid !== old.gid) await session.fchown(handle, old.uid, old.gid);
    }
    await session.fchmod(handle, mode);
    step = "write";
    await session.close(handle);
    handle = undefined;
    step = "other";
    let backup_path: string | null = null;
    if (job.backup && old) {
      backup_path = backupPathFor(target);
      const bak = backup_path;
      await transfer({
        source: session,
        from: target,
        size: old.size,
        target: session,
        to: bak,
        replace: true,
        mode: old.mode & 0o7777,
        signal,
        fromLabel: path,
        toLabel: bak,
      });
    }
    await session.rename(temp, target, true);
    made = false;
    const result: ResultOf<"file_write"> = {
      kind: "file_write",
      path,
      bytes_written: content.length,
      created: old === undefined,
      backup_path,
      mode: formatMode(mode),
    };
    const summary = `wrote ${content.length} bytes${old ? "" : " (new file)"}, mode ${formatMode(mode)}${backup_path ? `, backup ${backup_path}` : ""}`;
    return { result, summary };
  } catch (err) {
    if (handle) await session.quietClose(handle);
    if (made || signal.aborted) await session.quietUnlink(temp);
    throw toFileError(err, path, step, session, signal);
  }
}
