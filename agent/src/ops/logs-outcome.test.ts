/**
 * From what the script printed to a LogsReport: line order, the line and size caps, the
 * runner's own truncation, and the mapping of recorded journalctl / tail / grep failures.
 */

import { readFileSync } from "node:fs";
import type { ExecResult } from "@telecommande/shared";
import { LogsReportSchema } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { makeExecResult } from "../ssh/exec.js";
import {
  capLine,
  type LogsRead,
  logsOutcome,
  MAX_LINE_CHARS,
  MAX_TOTAL_BYTES,
  markersIn,
  NO_JOURNAL_ERROR,
  splitLogLines,
} from "./logs-outcome.js";

interface RecordedCase {
  name: string;
  recorded: string;
  source: "journal" | "file";
  target: string;
  stdout: string;
  stderr: string;
  return_code: number;
  error: string | null;
  lines: number;
}

const recorded: RecordedCase[] = JSON.parse(
  readFileSync(new URL("./fixtures/logs/recorded.json", import.meta.url), "utf8"),
).cases;

const exec = (fields: Partial<ExecResult>): ExecResult => makeExecResult({ duration_ms: 5, ...fields });

const journalRead: LogsRead = {
  source: "journal",
  target: "nginx",
  command: "journalctl --no-pager -o short-iso -u 'nginx' -n 100",
  reader: "journalctl",
  lines: 100,
};
const fileRead = (target: string, reader: "tail" | "grep" = "tail"): LogsRead => ({
  source: "file",
  target,
  command: `tail -n 100 -- '${target}'`,
  reader,
  lines: 100,
});

const split = (stdout: string, options: Partial<Parameters<typeof splitLogLines>[1]> = {}) =>
  splitLogLines(stdout, { newestFirst: true, stdoutTruncated: false, journal: false, maxLines: 2000, ...options });

describe("splitLogLines", () => {
  it("turns newest-first output into time order and drops the trailing empty line", () => {
    expect(split("c\nb\na\n")).toEqual({ lines: ["a", "b", "c"], truncated: false });
    expect(split("c\nb\na")).toEqual({ lines: ["a", "b", "c"], truncated: false });
    expect(split("c\nb\na\n", { newestFirst: false })).toEqual({ lines: ["c", "b", "a"], truncated: false });
  });

  it("keeps empty lines inside a log and nothing for empty output", () => {
    expect(split("c\n\na\n").lines).toEqual(["a", "", "c"]);
    expect(split("")).toEqual({ lines: [], truncated: false });
    expect(split("\n").lines).toEqual([""]);
  });

  it("drops journalctl's notices only for the journal", () => {
    const out = "-- No entries --\n";
    expect(split(out, { journal: true }).lines).toEqual([]);
    expect(split(out).lines).toEqual(["-- No entries --"]);
    const boot = "2026-01-05T10:00:01+0000 h app[1]: up\n-- Boot 0f1e2d --\n";
    expect(split(boot, { journal: true }).lines).toEqual([
      "-- Boot 0f1e2d --",
      "2026-01-05T10:00:01+0000 h app[1]: up",
    ]);
  });

  it("caps each line and marks the cut", () => {
    const long = "x".repeat(MAX_LINE_CHARS + 10);
    const out = split(`short\n${long}\n`);
    expect(out.truncated).toBe(true);
    expect(out.lines).toEqual(["x".repeat(MAX_LINE_CHARS), "short"]);
    expect(split(`${"y".repeat(MAX_LINE_CHARS)}\n`).truncated).toBe(false);
  });

  it("never leaves half a surrogate pair at a cut", () => {
    const line = `${"a".repeat(MAX_LINE_CHARS - 1)}🙂tail`;
    const cut = capLine(line);
    expect(cut).toBe("a".repeat(MAX_LINE_CHARS - 1));
    expect(() => encodeURIComponent(cut)).not.toThrow();
  });

  it("keeps the newest lines within the total size", () => {
    const line = "z".repeat(4000);
    const count = 400; // ~1.6 MB
    const newestFirst = Array.from({ length: count }, (_, i) => `${count - i}:${line}`).join("\n");
    const out = split(newestFirst);
    expect(out.truncated).toBe(true);
    const bytes = out.lines.reduce((sum, l) => sum + Buffer.byteLength(l) + 1, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_TOTAL_BYTES);
    expect(bytes).toBeGreaterThan(MAX_TOTAL_BYTES - 4100);
    expect(out.lines.at(-1)?.startsWith(`${count}:`)).toBe(true);
  });

  it("never returns more lines than asked", () => {
    expect(split("d\nc\nb\na\n", { maxLines: 2 })).toEqual({ lines: ["c", "d"], truncated: true });
  });

  it("strips the runner's truncation marker and keeps the cut line, marked", () => {
    const stdout = "newest\nmiddle\nold-cut-he\n[output truncated: 5000 bytes, first 25 shown]";
    expect(split(stdout, { stdoutTruncated: true })).toEqual({
      lines: ["old-cut-he", "middle", "newest"],
      truncated: true,
    });
  });
});

describe("markersIn", () => {
  it("reads only the script's own lines", () => {
    const stderr = "tail: something\ntelecommande-logs: no such file\ntelecommande-logs: oldest first\n";
    expect([...markersIn(stderr)]).toEqual(["no such file", "oldest first"]);
  });
});

describe("logsOutcome", () => {
  it("reports a read, in time order, valid for the shared schema", () => {
    const out = logsOutcome(
      journalRead,
      exec({ stdout: "2026-01-05T10:00:02+0000 h a[1]: b\n2026-01-05T10:00:01+0000 h a[1]: a\n" }),
    );
    expect(LogsReportSchema.parse(out.report)).toEqual(out.report);
    expect(out.report.lines).toEqual(["2026-01-05T10:00:01+0000 h a[1]: a", "2026-01-05T10:00:02+0000 h a[1]: b"]);
    expect(out.result.error).toBeNull();
  });

  it("is fine with an empty journal", () => {
    const out = logsOutcome(journalRead, exec({ stdout: "-- No entries --\n" }));
    expect(out.report.lines).toEqual([]);
    expect(out.result.error).toBeNull();
  });

  it("reads lines in plain order when the VM had no awk", () => {
    const out = logsOutcome(
      fileRead("/var/log/a"),
      exec({ stdout: "1\n2\n", stderr: "telecommande-logs: oldest first\n" }),
    );
    expect(out.report.lines).toEqual(["1", "2"]);
    expect(out.result.error).toBeNull();
  });

  it.each([
    ["no such file", "no such file: /var/log/x.log", 66],
    ["is a directory", "is a directory: /var/log/x.log", 66],
    [
      "not a regular file",
      "not a regular file: /var/log/x.log (a device, FIFO or socket: reading it could block or never end)",
      66,
    ],
    ["permission denied", "permission denied: /var/log/x.log", 77],
  ])("maps the marker %j", (marker, error, code) => {
    const out = logsOutcome(
      fileRead("/var/log/x.log"),
      exec({ stderr: `telecommande-logs: ${marker}\n`, return_code: code }),
    );
    expect(out.result.error).toBe(error);
    expect(out.report.return_code).toBe(code);
  });

  it("marks truncated when the runner cut stdout", () => {
    const out = logsOutcome(
      fileRead("/var/log/a"),
      exec({ stdout: "b\na\n[output truncated: 99 bytes, first 4 shown]", stdout_truncated: true }),
    );
    expect(out.report).toMatchObject({ lines: ["a", "b"], truncated: true });
  });

  it("keeps the runner's own error and lines for a timeout", () => {
    const result = exec({ status: "timeout", return_code: -1, stdout: "b\na\n", error: "command timed out after 30s" });
    const out = logsOutcome(journalRead, result);
    expect(out.result).toBe(result);
    expect(out.report).toMatchObject({ lines: ["a", "b"], return_code: null });
  });

  it("does not touch the result when the read worked", () => {
    const result = exec({ stdout: "a\n" });
    expect(logsOutcome(fileRead("/var/log/a"), result).result).toBe(result);
  });
});

describe("recorded reader outputs", () => {
  it.each(recorded.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const read = c.source === "journal" ? journalRead : fileRead(c.target, /^grep/.test(c.stderr) ? "grep" : "tail");
    const out = logsOutcome(
      { ...read, target: c.target },
      exec({ stdout: c.stdout, stderr: c.stderr, return_code: c.return_code }),
    );
    expect(out.result.error).toBe(c.error);
    expect(out.report.lines).toHaveLength(c.lines);
    expect(out.report.return_code).toBe(c.return_code);
  });

  it("covers the journal's absence the brief names", () => {
    const names = recorded.filter((c) => c.error === NO_JOURNAL_ERROR).map((c) => c.stderr);
    expect(names.join("")).toMatch(/No journal files were found/);
    expect(names.join("")).toMatch(/System has not been booted with systemd/);
    expect(names.join("")).toMatch(/not found/);
  });
});
