/**
 * The pre-checks (agent/src/history/required-literals.ts and literal-scan.ts) change no
 * answer: tagging and masking as they were, every regex run on every text, give exactly
 * what the analyzer and maskSecrets give now, over the search-quality generator's history
 * (and the same history with its outputs grown as the history bench grows them), the
 * operation samples and the masking cases, each also upper-cased and with its letters'
 * cases mixed.
 */
import { describe, expect, it } from "vitest";
import type { OperationText } from "../../agent/src/history/analyzer.js";
import { applyPattern, maskSecrets, SECRET_PATTERNS } from "../../agent/src/history/mask.js";
import { HISTORY_OUTPUT_CHARS } from "../../agent/src/history/record.js";
import {
  conceptTag,
  type PatternSpec,
  vocabularyAnalyzer,
  vocabularyData,
} from "../../agent/src/history/vocabulary.js";
import { NEGATIVE, ORDINARY_TEXT, POSITIVE, secretMixes } from "../../agent/src/testing/mask-cases.js";
import { DMESG_OOM, dfH, FAILED_NGINX_UNIT } from "../../agent/src/testing/operation-samples.js";
import { caseVariants } from "../../agent/src/testing/shipped-regexes.js";
import { generate } from "../search-quality/generate.js";
import { historyData } from "./data.js";

interface Streams {
  command: string;
  output: string;
}

/** The analyzer's matching before the pre-check: each pattern's regex on its streams. */
function plainMatcher(spec: PatternSpec): (s: Streams) => boolean {
  if (typeof spec === "string") {
    const re = new RegExp(spec, "im");
    return (s) => re.test(s.command) || re.test(s.output);
  }
  if ("all" in spec) {
    const parts = spec.all.map(plainMatcher);
    return (s) => parts.every((m) => m(s));
  }
  const re = new RegExp("command" in spec ? spec.command : spec.output, "im");
  return "command" in spec ? (s) => re.test(s.command) : (s) => re.test(s.output);
}

const PLAIN_CONCEPTS = vocabularyData.concepts.map((c) => {
  const matchers = c.text.map(plainMatcher);
  return { tag: conceptTag(c.id), matches: (s: Streams) => matchers.some((m) => m(s)) };
});

function plainTags(text: OperationText): string[] {
  const streams = {
    command: text.command.slice(0, HISTORY_OUTPUT_CHARS),
    output: `${text.stdout.slice(0, HISTORY_OUTPUT_CHARS)}\n${text.stderr.slice(0, HISTORY_OUTPUT_CHARS)}`,
  };
  return PLAIN_CONCEPTS.filter((c) => c.matches(streams)).map((c) => c.tag);
}

/** maskSecrets before the pre-check: every pattern on every pass. */
function plainMask(text: string): string {
  let out = text;
  for (let pass = 0; pass < 4; pass++) {
    let next = out;
    for (const pattern of SECRET_PATTERNS) next = applyPattern(pattern, next);
    if (next === out) break;
    out = next;
  }
  return out;
}

function operationVariants(ops: OperationText[]): OperationText[] {
  return ops.flatMap((op, i) => {
    const [command, stdout, stderr] = [op.command, op.stdout, op.stderr].map((t) => caseVariants(t, i + 1));
    return [0, 1, 2].map((v) => ({
      command: command?.[v] ?? "",
      stdout: stdout?.[v] ?? "",
      stderr: stderr?.[v] ?? "",
    }));
  });
}

const GENERATED = generate().records;
const GROWN = historyData(3000, 20260131, 20).records;
const SAMPLES: OperationText[] = [
  { command: "dmesg -T | tail -50", stdout: DMESG_OOM, stderr: "" },
  ...[12, 94, 95, 99, 100].flatMap((pct) => [
    { command: "df -h", stdout: dfH(pct), stderr: "" },
    { command: "df -i /var/lib/postgresql", stdout: dfH(pct), stderr: "" },
  ]),
  { command: "systemctl status nginx", stdout: FAILED_NGINX_UNIT, stderr: "" },
  { command: "journalctl -u nginx -n 20", stdout: "", stderr: FAILED_NGINX_UNIT },
];

describe("tagging with the pre-check", () => {
  it("tags the generator's ~3,000 operations exactly as every regex run on them does", () => {
    expect(GENERATED.length).toBeGreaterThanOrEqual(2900);
    let tagged = 0;
    for (const op of operationVariants(GENERATED)) {
      const tags = plainTags(op);
      if (tags.length) tagged++;
      expect(vocabularyAnalyzer.tags(op), op.command).toEqual(tags);
    }
    // Not a vacuous comparison: most operations carry tags.
    expect(tagged).toBeGreaterThan(GENERATED.length);
  }, 120_000);

  it("tags the same history with 1–5 KB outputs exactly the same", () => {
    for (const op of GROWN) expect(vocabularyAnalyzer.tags(op), op.command).toEqual(plainTags(op));
  }, 120_000);

  it("tags the operation samples exactly the same", () => {
    for (const op of operationVariants(SAMPLES)) {
      expect(vocabularyAnalyzer.tags(op), op.command).toEqual(plainTags(op));
    }
    expect(vocabularyAnalyzer.tags(SAMPLES[0] as OperationText)).toContain("zzoom");
  });
});

describe("masking with the pre-check", () => {
  const cases = [
    ...POSITIVE.flatMap(([, input, masked]) => [input, masked]),
    ...NEGATIVE.map(([, input]) => input),
    ...secretMixes(2000),
    ORDINARY_TEXT,
  ];

  it("masks the masking cases and random mixes of them exactly the same", () => {
    let changed = 0;
    for (const [i, text] of cases.entries()) {
      for (const t of caseVariants(text, i + 1)) {
        const plain = plainMask(t);
        if (plain !== t) changed++;
        expect(maskSecrets(t), t).toBe(plain);
      }
    }
    expect(changed).toBeGreaterThan(cases.length / 2);
  });

  it("masks the generator's operations exactly the same", () => {
    for (const op of [...GENERATED, ...GROWN]) {
      for (const t of [op.command, op.stdout, op.stderr]) expect(maskSecrets(t)).toBe(plainMask(t));
    }
  }, 120_000);
});
