/**
 * @module Progress for a tool call whose client sent a `progressToken`: MCP
 * `notifications/progress` on the call's own SSE response, at most 4 a second (the last
 * one of a fan-out always goes out), progress strictly increasing as the spec requires.
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

export type CallExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ProgressUpdate {
  /** Defaults to one more than the last sent. */
  progress?: number;
  total?: number;
  message?: string;
  /** Sent even within the throttle (the final count of a fan-out). */
  force?: boolean;
}

export interface Progress {
  report(update: ProgressUpdate): void;
}

const MIN_INTERVAL_MS = 250;

/** A reporter when the client asked for progress; undefined otherwise. */
export function progressFor(extra: CallExtra | undefined): Progress | undefined {
  const token = extra?._meta?.progressToken;
  if (token === undefined || !extra) return undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastProgress = 0;
  return {
    report({ progress, total, message, force }) {
      const now = Date.now();
      const value = progress ?? lastProgress + 1;
      if (value <= lastProgress || (!force && now - lastAt < MIN_INTERVAL_MS)) return;
      lastAt = now;
      lastProgress = value;
      extra
        .sendNotification({
          method: "notifications/progress",
          params: {
            progressToken: token,
            progress: value,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message }),
          },
        })
        .catch(() => undefined);
    },
  };
}
