/**
 * @module Runs one command on an open SSH channel to its end: captures both streams,
 * reports the exit status or signal, and on abort (timeout, cancel, edge gone) kills the
 * remote process and closes the channel.
 */
import { ERROR_CODES, type ExecResult } from "@telecommande/shared";
import type { ClientChannel } from "ssh2";
import { JobError } from "../errors.js";
import { OutputCapture } from "./output.js";

export type StreamName = "stdout" | "stderr";

export interface OpenedChannel {
  channel: ClientChannel;
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
  limitBytes?: number;
  chunkChars?: number;
}

/** Kills the remote process group (sshd does killpg) and closes the channel. Never throws. */
export function killChannel(channel: ClientChannel): void {
  try {
    channel.signal("KILL");
  } catch {
    // The channel may already be closing; closing below is all that is left to do.
  }
  try {
    channel.close();
  } catch {
    // Already closed.
  }
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Waits for the command on `opened.channel` to finish and builds its ExecResult. */
export function collectExec(opened: OpenedChannel, options: CollectOptions): Promise<ExecResult> {
  const { channel } = opened;
  const capture = (stream: StreamName) =>
    new OutputCapture({
      limitBytes: options.limitBytes,
      chunkChars: options.chunkChars,
      onChunk: options.onProgress ? (data) => options.onProgress?.(stream, data) : undefined,
    });
  const out = capture("stdout");
  const err = capture("stderr");
  let code: number | null = null;
  let signalName: string | null = null;
  let sawExit = false;

  return new Promise<ExecResult>((resolve, reject) => {
    let done = false;
    const onAbort = () => {
      if (done) return;
      done = true;
      channel.removeAllListeners("data");
      channel.stderr.removeAllListeners("data");
      killChannel(channel);
      reject(options.signal.reason);
    };
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener("abort", onAbort, { once: true });

    channel.on("data", (chunk: Buffer) => out.push(chunk));
    channel.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    channel.on("exit", (exitCode: number | null, exitSignal?: string) => {
      sawExit = true;
      code = exitCode;
      signalName = exitSignal ?? null;
    });
    channel.on("close", () => {
      if (done) return;
      done = true;
      options.signal.removeEventListener("abort", onAbort);
      if (!sawExit && opened.connectionLost()) {
        reject(
          new JobError(
            ERROR_CODES.sshConnect,
            `the SSH connection to ${opened.label} was lost while the command was running`,
          ),
        );
        return;
      }
      const stdout = out.finish();
      const stderr = err.finish();
      resolve({
        kind: "exec",
        stdout,
        stderr,
        // A signal death, or a channel closed without any exit status, has no exit code: -1 as the original.
        return_code: typeof code === "number" ? code : -1,
        signal: signalName,
        duration_ms: roundMs(performance.now() - options.startedAt),
        stdout_truncated: out.truncated,
        stderr_truncated: err.truncated,
      });
    });
  });
}
