/**
 * @module Connect failures, logged without flooding: the first of a streak always, then at
 * most once per period, each with its attempt number. A welcome ends the streak.
 */
import type { Logger } from "./log.js";

export class FailureLog {
  private failures = 0;
  private lastLogged = 0;

  constructor(
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  /** One more failed attempt; `auth_failed` is an error (a human must fix it), the rest warnings. */
  record(event: string, fields: Record<string, unknown>): void {
    this.failures++;
    const now = Date.now();
    if (this.failures === 1 || now - this.lastLogged >= this.everyMs) {
      this.lastLogged = now;
      const level = event === "auth_failed" ? "error" : "warn";
      this.log[level](event, { ...fields, attempt: this.failures });
    }
  }

  reset(): void {
    this.failures = 0;
  }
}
