/**
 * @module The hub's heartbeat watchdog: while calls wait on an agent, a socket silent for
 * three heartbeats is treated as gone, so its jobs start their reconnect grace instead of
 * waiting out their whole timeout. It runs only while jobs are pending.
 */
import { HEARTBEAT_MS } from "@telecommande/shared";

export class HeartbeatWatchdog {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly sockets: () => WebSocket[],
    /** When a socket last showed life; 0 if never. */
    private readonly seenAt: (ws: WebSocket) => number,
    private readonly onSilent: (ws: WebSocket) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const ws of this.sockets()) {
        const seen = this.seenAt(ws);
        if (seen && now - seen > 3 * HEARTBEAT_MS) this.onSilent(ws);
      }
    }, 1_000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
