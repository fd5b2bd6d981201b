/**
 * @module How long jobs outlive a dropped edge connection: they keep running while the
 * agent reconnects, and are abandoned (remote processes killed) only if the edge stays
 * away longer than the hub would wait for them anyway.
 */
import { AGENT_HOLD_MS } from "@telecommande/shared";
import { formatDuration } from "./errors.js";
import type { Logger } from "./log.js";

export interface JobHoldOptions {
  log: Logger;
  holdMs?: number;
  /** The edge did not come back in time: abort every job and forget every journal. */
  onExpire: (reason: string) => void;
}

export class JobHold {
  private timer: NodeJS.Timeout | undefined;
  private readonly holdMs: number;

  constructor(private readonly options: JobHoldOptions) {
    this.holdMs = options.holdMs ?? AGENT_HOLD_MS;
  }

  /**
   * Starts the hold unless it runs already: reconnect attempts that fail call this again,
   * and the hold counts from the first drop, so an edge that stays away cannot keep jobs
   * alive forever.
   */
  start(runningJobs: number, reason: string): void {
    if (this.timer) return;
    if (runningJobs > 0) {
      this.options.log.info("jobs_held", { running_jobs: runningJobs, hold_ms: this.holdMs, reason });
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.options.onExpire(`the edge did not come back within ${formatDuration(this.holdMs)}`);
    }, this.holdMs);
  }

  /** The edge is back (or the agent stops): nothing to abandon. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
