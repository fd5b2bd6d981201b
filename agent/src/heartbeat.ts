/**
 * @module Edge liveness: send PING_FRAME every period, and declare the socket dead when
 * nothing at all has arrived for three periods (a half-open TCP connection never closes itself).
 */
import { HEARTBEAT_MS, PING_FRAME } from "@telecommande/shared";

export interface HeartbeatOptions {
  periodMs?: number;
  /** Silent periods tolerated before the connection is declared dead. */
  missedPeriods?: number;
  send: (frame: string) => void;
  onDead: (silentMs: number) => void;
  now?: () => number;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private lastReceived: number;
  private readonly periodMs: number;
  private readonly limitMs: number;
  private readonly now: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.periodMs = options.periodMs ?? HEARTBEAT_MS;
    this.limitMs = this.periodMs * (options.missedPeriods ?? 3);
    this.now = options.now ?? Date.now;
    this.lastReceived = this.now();
  }

  start(): void {
    this.stop();
    this.lastReceived = this.now();
    this.timer = setInterval(() => this.tick(), this.periodMs);
    // A heartbeat alone must not keep the process alive after shutdown.
    this.timer.unref();
  }

  /** Any frame counts as a sign of life, not only pongs: a busy edge may answer late. */
  received(): void {
    this.lastReceived = this.now();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const silent = this.now() - this.lastReceived;
    if (silent >= this.limitMs) {
      this.stop();
      this.options.onDead(silent);
      return;
    }
    this.options.send(PING_FRAME);
  }
}
