import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, BACKOFF_TABLE_MS, Backoff, backoffDelay } from "./backoff.js";

describe("backoffDelay", () => {
  it("follows the table without jitter, then stays at the cap", () => {
    const exact = (attempt: number) => backoffDelay(attempt, { jitter: 0 });
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(exact)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it("jitters by at most ±20% and never exceeds the cap", () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = Math.min(BACKOFF_TABLE_MS[attempt] ?? BACKOFF_CAP_MS, BACKOFF_CAP_MS);
      for (const r of [0, 0.25, 0.5, 0.75, 0.999999]) {
        const delay = backoffDelay(attempt, { random: () => r });
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.min(BACKOFF_CAP_MS, Math.ceil(base * 1.2)));
      }
    }
    expect(backoffDelay(0, { random: () => 0 })).toBe(200);
    expect(backoffDelay(0, { random: () => 1 })).toBe(300);
    expect(backoffDelay(9, { random: () => 1 })).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(9, { random: () => 0 })).toBe(4000);
  });

  it("spreads delays instead of retrying in lockstep", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it("tolerates odd attempt numbers", () => {
    expect(backoffDelay(-3, { jitter: 0 })).toBe(250);
    expect(backoffDelay(2.7, { jitter: 0 })).toBe(1000);
  });
});

describe("Backoff", () => {
  it("steps up on each failure and starts over after reset", () => {
    const b = new Backoff({ jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([250, 500, 1000]);
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(250);
  });

  it("accepts a custom table, capped", () => {
    const b = new Backoff({ table: [5, 10, 20_000], capMs: 50, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([5, 10, 50, 50]);
  });
});
