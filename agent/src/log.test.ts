import { describe, expect, it } from "vitest";
import { createLogger, maskSecrets, parseLogLevel } from "./log.js";

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----";

function capture(level?: "debug" | "info") {
  const lines: string[] = [];
  const log = createLogger({ agent: "dc1", level, sink: (l) => lines.push(l), now: () => new Date(0) });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("createLogger", () => {
  it("writes one JSON object per line with ts, level, event, agent and fields", () => {
    const { log, lines, records } = capture();
    log.info("job_end", { job_id: "j1", vm: "vm1", duration_ms: 12.5, return_code: 0, skipped: undefined });
    expect(lines).toHaveLength(1);
    expect(records()[0]).toEqual({
      ts: "1970-01-01T00:00:00.000Z",
      level: "info",
      event: "job_end",
      agent: "dc1",
      job_id: "j1",
      vm: "vm1",
      duration_ms: 12.5,
      return_code: 0,
    });
  });

  it("filters by level", () => {
    const { log, records } = capture("info");
    log.debug("noise");
    log.warn("careful");
    expect(records().map((r) => r.event)).toEqual(["careful"]);
  });

  it("renders errors as message plus code", () => {
    const { log, records } = capture();
    const err = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    log.warn("connect_failed", { error: err });
    expect(records()[0]?.error).toBe("connect ECONNREFUSED (ECONNREFUSED)");
  });

  it("never prints a registered secret, a bearer token or a private key", () => {
    const { log, lines } = capture();
    log.addSecret('tok-3f9a"quoted\\');
    log.error("oops", {
      message: 'header was Authorization: Bearer abc.def-123 and token tok-3f9a"quoted\\ leaked',
      key: KEY,
    });
    const line = lines.join("\n");
    expect(line).not.toContain("tok-3f9a");
    expect(line).not.toContain("abc.def-123");
    expect(line).not.toContain("b3BlbnNzaC1rZXktdjEAAAA");
    expect(line).toContain("[private key redacted]");
    expect(JSON.parse(line).message).toContain("Bearer [redacted]");
  });
});

describe("maskSecrets", () => {
  it("ignores secrets too short to mask safely", () => {
    expect(maskSecrets("a b c", ["a"])).toBe("a b c");
  });

  it("masks an unterminated key block to the end", () => {
    expect(maskSecrets("x -----BEGIN RSA PRIVATE KEY-----\nMIIE")).toBe("x [private key redacted]");
  });
});

describe("parseLogLevel", () => {
  it("falls back to info", () => {
    expect(parseLogLevel("debug")).toBe("debug");
    expect(parseLogLevel("loud")).toBe("info");
    expect(parseLogLevel(undefined)).toBe("info");
  });
});
