import { describe, expect, it } from "vitest";
import { SHIPPED, TEXTS } from "../testing/shipped-regexes.js";
import { LiteralSet, mayMatch } from "./literal-scan.js";

describe("LiteralSet", () => {
  const set = new LiteralSet();
  const needs = SHIPPED.map((re) => set.need(re));

  it("finds exactly the literals a text holds", () => {
    const wrong: string[] = [];
    for (const text of TEXTS) {
      const lowered = text.toLowerCase();
      const seen = set.scan(lowered);
      set.literals.forEach((literal, id) => {
        if ((seen[id] === 1) !== lowered.includes(literal)) wrong.push(`${JSON.stringify(literal)} in ${text}`);
      });
    }
    expect(set.literals.length).toBeGreaterThan(300);
    expect(wrong).toEqual([]);
  });

  it("lets a regex through wherever it matches", () => {
    const missed: string[] = [];
    for (const text of TEXTS) {
      const seen = set.scan(text.toLowerCase());
      SHIPPED.forEach((re, i) => {
        if (re.test(text) && !mayMatch(needs[i] ?? [], seen)) missed.push(`${re} on ${text}`);
      });
    }
    expect(missed).toEqual([]);
  });

  it("finds literals at a text's two ends, and scans empty and one-character texts", () => {
    const small = new LiteralSet();
    const [ab, abc, x] = [/ab/, /abc/, /x/].map((re) => small.need(re));
    expect(mayMatch(ab ?? [], small.scan("ab"))).toBe(true);
    expect(mayMatch(abc ?? [], small.scan("abc"))).toBe(true);
    expect(mayMatch(abc ?? [], small.scan("zzabc"))).toBe(true);
    expect(mayMatch(abc ?? [], small.scan("abzc"))).toBe(false);
    expect(mayMatch(x ?? [], small.scan("x"))).toBe(true);
    expect([...small.scan("")].every((s) => s === 0)).toBe(true);
    expect(mayMatch([], small.scan(""))).toBe(true);
  });
});
