import { describe, expect, it } from "vitest";
import { NEGATIVE, ORDINARY_TEXT, POSITIVE, secretMixes } from "../testing/mask-cases.js";
import { applyPattern, MASK, maskSecrets, SECRET_PATTERNS } from "./mask.js";

/** One test per pattern: its positive cases, then its near misses. */
const CASES = SECRET_PATTERNS.map((pattern) => ({
  pattern,
  positive: POSITIVE.filter(([name]) => name === pattern.name),
  negative: NEGATIVE.filter(([name]) => name === pattern.name),
}));

describe("maskSecrets: each pattern", () => {
  it.each(CASES)("$pattern.name masks its secrets", ({ pattern, positive }) => {
    expect(positive.length).toBeGreaterThan(0);
    for (const [, input, masked] of positive) {
      expect(applyPattern(pattern, input), `${pattern.name} alone on ${input}`).not.toBe(input);
      expect(maskSecrets(input)).toBe(masked);
      // Idempotent: what is stored can be masked again (import, reindex) without change.
      expect(maskSecrets(masked)).toBe(masked);
    }
  });

  it.each(CASES)("$pattern.name leaves its near misses alone", ({ negative }) => {
    expect(negative.length).toBeGreaterThan(0);
    for (const [, input] of negative) expect(maskSecrets(input)).toBe(input);
  });

  it("has unique pattern names, and every case names a pattern", () => {
    const names = SECRET_PATTERNS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const [name] of [...POSITIVE, ...NEGATIVE]) expect(names).toContain(name);
  });
});

describe("maskSecrets: idempotent", () => {
  // Secrets glued to one another and to options in random orders: a mask must never make
  // a second pass find more (its `***` sits where word characters were).
  it("masks random mixes of secrets once and for all", () => {
    for (const mix of secretMixes(2000)) {
      const masked = maskSecrets(mix);
      expect(maskSecrets(masked)).toBe(masked);
    }
  });
});

describe("maskSecrets: ordinary text", () => {
  it("leaves realistic non-secret output unchanged", () => {
    const text = ORDINARY_TEXT;
    expect(maskSecrets(text)).toBe(text);
  });

  it("uses one mask string", () => {
    expect(MASK).toBe("***");
    expect(maskSecrets("")).toBe("");
  });
});

describe("maskSecrets: linear time", () => {
  const MB = 1 << 20;
  const timed = (text: string) => {
    const start = performance.now();
    maskSecrets(text);
    return performance.now() - start;
  };

  // Guards against catastrophic backtracking (seconds to hours), not a benchmark.
  it("masks a 1 MB line of 'a' and a 1 MB line of '-p' in under 200 ms", () => {
    expect(timed("a".repeat(MB))).toBeLessThan(200);
    expect(timed("-p".repeat(MB / 2))).toBeLessThan(200);
  });

  it("masks 256 KB of a pattern's start repeated, for each kind of start, in linear time", () => {
    const units = [
      "a_",
      "mysql -p",
      "curl -u ",
      "sshpass ",
      "x-Api-",
      "eyJ",
      "a://b:",
      "Bearer ",
      '"password": "\\',
      "\ntoken: x",
      "htpasswd -b ",
    ];
    units.push("-----BEGIN RSA PRIVATE KEY-----", "IDENTIFIED BY ", "echo a:", "--password ", "Authorization: ");
    for (const unit of units) {
      expect(timed(unit.repeat(Math.ceil(MB / 4 / unit.length))), unit).toBeLessThan(1000);
    }
  });
});
