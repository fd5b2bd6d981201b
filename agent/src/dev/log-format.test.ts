import { describe, expect, it } from "vitest";
import { formatLogLine, isConnectedLine } from "./log-format.js";

describe("agent log lines in the terminal", () => {
  it("shows level, event and a few fields, without timestamp or agent name", () => {
    const line = JSON.stringify({
      ts: "2026-01-01T00:00:00.000Z",
      level: "info",
      event: "job_done",
      agent: "default",
      job_id: "j1",
      vm: "demo",
      duration_ms: 12,
      message: "done and dusted",
    });
    expect(formatLogLine(line)).toBe('info  job_done message="done and dusted" job_id=j1 vm=demo duration_ms=12');
  });

  it("caps the number of fields and the length of values", () => {
    const fields = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, i]));
    const out = formatLogLine(JSON.stringify({ level: "warn", event: "e", ...fields, long: "x".repeat(500) }));
    expect(out).toBe("warn  e f0=0 f1=1 f2=2 f3=3 f4=4 f5=5 …");
    expect(formatLogLine(JSON.stringify({ level: "error", event: "e", error: "y".repeat(500) })).length).toBeLessThan(
      140,
    );
  });

  it("prints arrays and objects as compact JSON, and quotes only ambiguous strings", () => {
    const line = JSON.stringify({ level: "info", event: "starting", vms: ["a", "b"], edge: { port: 1 }, reason: "" });
    expect(formatLogLine(line)).toBe('info  starting reason="" vms=["a","b"] edge={"port":1}');
  });

  it("sees through wrangler's colours and warning prefix around a JSON line", () => {
    const warning =
      '\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1m{"level":"warn","event":"permissions_off"}\x1b[0m';
    expect(formatLogLine(warning)).toBe("warn  permissions_off");
  });

  it("passes anything that is not a JSON object through", () => {
    expect(formatLogLine("plain text")).toBe("plain text");
    expect(formatLogLine("{not json")).toBe("{not json");
    expect(formatLogLine("[1,2]")).toBe("[1,2]");
  });

  it("recognises the connected event only", () => {
    expect(isConnectedLine('{"level":"info","event":"connected","agent":"default"}')).toBe(true);
    expect(isConnectedLine('{"level":"info","event":"connecting"}')).toBe(false);
    expect(isConnectedLine("connected")).toBe(false);
  });
});
