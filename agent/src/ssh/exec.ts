/**
 * @module Runs one command on an open SSH channel to its end: captures both streams,
 * reports the exit status or signal, and on abort (timeout, cancel, edge gone) kills the
 * remote process and closes the channel.
 */
import { ERROR_CODES, type ExecResult, type ExecStatus } from "@telecommande/shared";
import type { ClientChannel } from "ssh2";
import { JobError } from "../errors.js";
import { OutputCapture } from "./output.js";

export type StreamName = "stdout" | "stderr";

/**
 * How the remote command ended, as far as the channel has told. Recorded by a listener
 * attached in the exec callback itself: ssh2 emits `exit` once, and when the exit status
 * arrives in the same read as the channel confirmation it is emitted before any awaiting
 * code runs again, so a listener attached later would miss it.
 */
export interface ExitRecord {
  seen: boolean;
  code: number | null;
  signal: string | null;
}

/** Starts recording `channel`'s exit. Call it synchronously in the exec callback. */
export function watchExit(channel: ClientChannel): ExitRecord {
  const record: ExitRecord = { seen: false, code: null, signal: null };
  channel.once("exit", (code: number | null, signal?: string) => {
    record.seen = true;
    record.code = typeof code === "number" ? code : null;
    record.signal = signal ?? null;
  });
  return record;
}

export interface OpenedChannel {
  channel: ClientChannel;
  exit: ExitRecord;
  /** True once the SSH connection under the channel has gone away. */
  connectionLost: () => boolean;
  /** For messages: `vm1 (10.0.0.5:22)`. */
  label: string;
}

export interface CollectOptions {
  signal: AbortSignal;
  /** performance.now() when the job started, for duration_ms. */
  startedAt: number;
  /** Streams output above one chunk while it arrives; without it, everything comes back in the result. */
  onProgress?: (stream: StreamName, data: string) => void;
  /** Sees every piece of output as it arrives (a live display). */
  onData?: (stream: StreamName, chunk: Buffer) => void;
  limitBytes?: number;
  chunkChars?: number;
  /** Between SIGTERM and SIGKILL when the command is stopped (default STOP_GRACE_MS). */
  stopGraceMs?: number;
}

export const NO_EXIT_STATUS = "the command ended without reporting an exit status (its SSH channel closed first)";

/** How long a command has to end after SIGTERM before it gets SIGKILL. */
export const STOP_GRACE_MS = 2_000;

function request(channel: ClientChannel, signal: "TERM" | "KILL"): void {
  try {
    channel.signal(signal);
  } catch {
    // The channel may already be closing.
  }
}

/**
 * Stops the remote command: SIGTERM to its process group (sshd signals the session's
 * whole group), then SIGKILL and close if the channel is still open after `graceMs`.
 * Never throws.
 */
export function stopChannel(channel: ClientChannel, graceMs = STOP_GRACE_MS): void {
  request(channel, "TERM");
  const timer = setTimeout(() => killChannel(channel), graceMs);
  channel.once("close", () => clearTimeout(timer));
}

/** SIGKILL to the remote process group and close the channel at once. Never throws. */
export function killChannel(channel: ClientChannel): void {
  request(channel, "KILL");
  try {
    channel.close();
  } catch {
    // Already closed.
  }
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** An ExecResult of a command that ended by itself, with `fields` over empty output and exit 0. */
export function makeExecResult(fields: Partial<ExecResult> = {}): ExecResult {
  return {
    kind: "exec",
    status: "executed",
    stdout: "",
    stderr: "",
    return_code: 0,
    signal: null,
    error: null,
    duration_ms: 0,
    stdout_truncated: false,
    stderr_truncated: false,
    ...fields,
  };
}

/**
 * Waits for the command on `opened.channel` to finish and builds its ExecResult. A timeout
 * (the signal aborting with a `timeout` JobError) kills the command and resolves with the
 * output so far and `status: "timeout"`; any other abort kills it and rejects.
 */
export function collectExec(opened: OpenedChannel, options: CollectOptions): Promise<ExecResult> {
  const { channel, exit } = opened;
  const capture = (stream: StreamName) =>
    new OutputCapture({
      limitBytes: options.limitBytes,
      chunkChars: options.chunkChars,
      onChunk: options.onProgress ? (data) => options.onProgress?.(stream, data) : undefined,
    });
  const out = capture("stdout");
  const err = capture("stderr");
  const result = (status: ExecStatus, error: string | null): ExecResult => ({
    kind: "exec",
    status,
    stdout: out.finish(),
    stderr: err.finish(),
    return_code: status === "executed" && exit.code !== null ? exit.code : -1,
    signal: exit.signal,
    error,
    duration_ms: roundMs(performance.now() - options.startedAt),
    stdout_truncated: out.truncated,
    stderr_truncated: err.truncated,
  });

  return new Promise<ExecResult>((resolve, reject) => {
    let done = false;
    let timedOut: JobError | undefined;
    const onAbort = () => {
      if (done || timedOut) return;
      const grace = options.stopGraceMs ?? STOP_GRACE_MS;
      stopChannel(channel, grace);
      const reason: unknown = options.signal.reason;
      if (reason instanceof JobError && reason.code === ERROR_CODES.timeout) {
        // Keep collecting until the command is gone: its last words and how it ended.
        timedOut = reason;
        setTimeout(() => finishTimeout(), grace + 1_000).unref();
        return;
      }
      done = true;
      channel.removeAllListeners("data");
      channel.stderr.removeAllListeners("data");
      reject(reason);
    };
    const finishTimeout = () => {
      if (done || !timedOut) return;
      done = true;
      // Nothing said how it ended before the grace ran out: it got SIGKILL.
      if (!exit.seen) exit.signal = "SIGKILL";
      resolve(result("timeout", timedOut.message));
    };
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener("abort", onAbort, { once: true });

    channel.on("data", (chunk: Buffer) => {
      out.push(chunk);
      options.onData?.("stdout", chunk);
    });
    channel.stderr.on("data", (chunk: Buffer) => {
      err.push(chunk);
      options.onData?.("stderr", chunk);
    });
    channel.on("close", () => {
      if (timedOut) return finishTimeout();
      if (done) return;
      done = true;
      options.signal.removeEventListener("abort", onAbort);
      if (!exit.seen && opened.connectionLost()) {
        reject(
          new JobError(
            ERROR_CODES.sshConnect,
            `the SSH connection to ${opened.label} was lost while the command was running`,
          ),
        );
        return;
      }
      // A signal death has no exit code (-1, as the original) but says which signal.
      resolve(exit.seen ? result("executed", null) : result("error", NO_EXIT_STATUS));
    });
  });
}
