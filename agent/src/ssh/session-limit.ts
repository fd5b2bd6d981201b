/**
 * @module How many sessions one VM's sshd takes on one connection (its MaxSessions),
 * learned from its refusals. sshd answers channel opens in order, so the caller can say
 * exactly how many of its own sessions were live ahead of each answer.
 */

export type Refusal = "refuses-all" | "learned" | "retry";

/** Refusals at one count before it counts as the limit: one may be sshd's reaping lag. */
const STRIKES = 3;

export class SessionLimit {
  /** Sessions the pool opens at once on one connection. */
  limit: number;
  /** Most sessions the server has granted at once on one connection: its limit is at least this. */
  private peak = 0;
  private strikes = 0;

  constructor(max: number) {
    this.limit = max;
  }

  /** The server granted a session with `live` of ours on the connection, this one included. */
  granted(live: number): void {
    if (live <= this.peak) return;
    this.peak = live;
    this.strikes = 0;
  }

  /**
   * The server refused a session with `ahead` of ours live on the connection. Below what it
   * has granted before: sshd frees a session only after reading our close, so one we saw
   * close may still count there; retry. At or above it, three times: that is its limit.
   */
  refused(ahead: number): Refusal {
    if (ahead === 0 && this.peak === 0) return "refuses-all";
    if (ahead > 0 && ahead >= this.peak && ahead < this.limit && ++this.strikes >= STRIKES) {
      this.limit = ahead;
      return "learned";
    }
    return "retry";
  }
}
