/**
 * @module One SFTP session of a job, as promises. Every request gives up at once when the
 * job's signal aborts (the SFTP channel is then closed by `withSftp`); the few requests a
 * failure path still needs (removing a temporary file, closing a handle) are `quiet`: they
 * ignore the abort but are bounded by QUIET_MS and never throw.
 */
import type { SFTPWrapper, Stats } from "ssh2";
import type { ServedVm } from "../config.js";
import type { SshPool } from "./pool.js";

/** How long a clean-up request (unlink a temporary file, close a handle) may take. */
export const QUIET_MS = 3_000;

/** SFTP open flags as ssh2 spells them: `r`, `wx` (create, fail if it exists), … */
export type OpenFlags = "r" | "wx";

type Callback<T> = (err: Error | undefined | null, value: T) => void;

export class SftpSession {
  constructor(
    readonly sftp: SFTPWrapper,
    /** For messages: `vm1 (10.0.0.5:22)`. */
    readonly label: string,
    private readonly signal: AbortSignal,
    readonly connectionLost: () => boolean,
  ) {}

  /** The server speaks this OpenSSH extension (`posix-rename@openssh.com`, `fsync@openssh.com`). */
  has(extension: string): boolean {
    const table = (this.sftp as unknown as { _extensions?: Record<string, string> })._extensions;
    return table?.[extension] === "1";
  }

  stat(path: string): Promise<Stats> {
    return this.call((cb) => this.sftp.stat(path, cb));
  }

  lstat(path: string): Promise<Stats> {
    return this.call((cb) => this.sftp.lstat(path, cb));
  }

  /** Like lstat, but a missing path is `undefined` rather than an error. */
  async lstatIfAny(path: string): Promise<Stats | undefined> {
    try {
      return await this.lstat(path);
    } catch (err) {
      if (sftpCode(err) === NO_SUCH_FILE) return undefined;
      throw err;
    }
  }

  realpath(path: string): Promise<string> {
    return this.call((cb) => this.sftp.realpath(path, cb));
  }

  open(path: string, flags: OpenFlags, mode?: number): Promise<Buffer> {
    return this.call((cb) =>
      mode === undefined ? this.sftp.open(path, flags, cb) : this.sftp.open(path, flags, { mode }, cb),
    );
  }

  fstat(handle: Buffer): Promise<Stats> {
    return this.call((cb) => this.sftp.fstat(handle, cb));
  }

  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; 0 at the end of the file. */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.call<number>((cb) =>
      this.sftp.read(handle, buffer, offset, length, position, (err, bytesRead) => cb(err, bytesRead)),
    );
  }

  write(handle: Buffer, data: Buffer, position: number): Promise<void> {
    return this.call<void>((cb) => this.sftp.write(handle, data, 0, data.length, position, (err) => cb(err)));
  }

  fchmod(handle: Buffer, mode: number): Promise<void> {
    return this.call<void>((cb) => this.sftp.fchmod(handle, mode, (err) => cb(err)));
  }

  /** Changes owner; returns false if the server said no (only root may give a file away). */
  async fchown(handle: Buffer, uid: number, gid: number): Promise<boolean> {
    try {
      await this.call<void>((cb) => this.sftp.fchown(handle, uid, gid, (err) => cb(err)));
      return true;
    } catch (err) {
      if (this.signal.aborted) throw err;
      return false;
    }
  }

  /** Flushes the file to disk where the server offers `fsync@openssh.com`; false where it does not. */
  async fsync(handle: Buffer): Promise<boolean> {
    if (!this.has("fsync@openssh.com")) return false;
    await this.call<void>((cb) => this.sftp.ext_openssh_fsync(handle, (err) => cb(err)));
    return true;
  }

  close(handle: Buffer): Promise<void> {
    return this.call<void>((cb) => this.sftp.close(handle, (err) => cb(err)));
  }

  /**
   * Renames `from` over `to`, replacing it atomically (`posix-rename@openssh.com`). Plain
   * SFTP v3 rename is used where the extension is missing, and when `replace` is false:
   * OpenSSH's plain rename refuses an existing target, so it never clobbers one.
   */
  rename(from: string, to: string, replace: boolean): Promise<void> {
    if (replace && this.has("posix-rename@openssh.com")) {
      return this.call<void>((cb) => this.sftp.ext_openssh_rename(from, to, (err) => cb(err)));
    }
    return this.call<void>((cb) => this.sftp.rename(from, to, (err) => cb(err)));
  }

  unlink(path: string): Promise<void> {
    return this.call<void>((cb) => this.sftp.unlink(path, (err) => cb(err)));
  }

  /** Removes a file on a failure path: ignores the abort, bounded by QUIET_MS, never throws. */
  quietUnlink(path: string): Promise<void> {
    return this.quiet((cb) => this.sftp.unlink(path, (err) => cb(err)));
  }

  /** Closes a handle on a failure path: ignores the abort, bounded by QUIET_MS, never throws. */
  quietClose(handle: Buffer): Promise<void> {
    return this.quiet((cb) => this.sftp.close(handle, (err) => cb(err)));
  }

  /** Ends the session: its channel closes and its pool slot frees. */
  end(): void {
    try {
      this.sftp.end();
    } catch {
      // Already closed.
    }
  }

  /** One request, rejected at once with the abort reason when the job's signal fires. */
  private call<T>(start: (cb: Callback<T>) => void): Promise<T> {
    const { signal } = this;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        start((err, value) => {
          signal.removeEventListener("abort", onAbort);
          if (err) reject(err);
          else resolve(value);
        });
      } catch (err) {
        // ssh2 throws synchronously on a closed channel or a missing extension.
        signal.removeEventListener("abort", onAbort);
        reject(err);
      }
    });
  }

  private quiet(start: (cb: (err?: Error | null) => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, QUIET_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        start(done);
      } catch {
        done();
      }
    });
  }
}

/** SFTP v3 status codes (draft-ietf-secsh-filexfer-02) as ssh2 sets them on `err.code`. */
export const NO_SUCH_FILE = 2;
export const PERMISSION_DENIED = 3;
export const FAILURE = 4;
export const BAD_MESSAGE = 5;
export const OP_UNSUPPORTED = 8;

/** The SFTP status code of a failed request, if it was one. */
export function sftpCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Runs `work` on an SFTP session of `vm` taken from the pool, and always ends the session
 * (its pool slot frees). If the job aborts and `work` does not finish within QUIET_MS (its
 * clean-up included), the channel is closed under it.
 */
export async function withSftp<T>(
  pool: SshPool,
  vm: ServedVm,
  signal: AbortSignal,
  work: (session: SftpSession) => Promise<T>,
): Promise<T> {
  const opened = await pool.sftp(vm, signal);
  const session = new SftpSession(opened.sftp, opened.label, signal, opened.connectionLost);
  // A fatal protocol error is emitted as `error`; without a listener it would end the agent.
  opened.sftp.on("error", () => session.end());
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => session.end(), QUIET_MS);
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await work(session);
  } finally {
    signal.removeEventListener("abort", onAbort);
    clearTimeout(timer);
    session.end();
  }
}
