import { describe, expect, it } from "vitest";
import { parseSince } from "./cli-export.js";
import { importedRecord, parseImportLine, parseTimestamp } from "./import-line.js";
import { HISTORY_OUTPUT_CHARS, truncateForHistory } from "./record.js";

describe("parseTimestamp", () => {
  it.each([
    [1_767_225_600.123456, 1_767_225_600.123456],
    ["1767225600", 1_767_225_600],
    ["1767225600.25", 1_767_225_600.25],
    ["2026-01-01T00:00:00Z", 1_767_225_600],
    ["2026-01-01T00:00:00", 1_767_225_600],
    ["2026-01-01 00:00:00.123456", 1_767_225_600.123456],
    ["2026-01-01T02:00:00+02:00", 1_767_225_600],
    ["2026-01-01T02:00:00+0200", 1_767_225_600],
    ["2025-12-31T19:00-05", 1_767_225_600],
    ["2026-01-01", 1_767_225_600],
  ])("reads %j as epoch seconds", (input, expected) => {
    expect(parseTimestamp(input)).toBeCloseTo(expected, 6);
  });

  it.each([
    ["yesterday", /epoch seconds or an ISO 8601 date/],
    ["2026-02-30T00:00:00Z", /not a valid date/],
    ["2026-01-01T25:00:00Z", /not a valid date/],
    [1_767_225_600_000, /not in epoch seconds \(milliseconds\?\)/],
    [-1, /must be epoch seconds/],
    [Number.NaN, /must be epoch seconds/],
  ])("rejects %j", (input, pattern) => {
    expect(parseTimestamp(input)).toMatch(pattern);
  });
});

describe("parseSince", () => {
  const now = 1_767_225_600;
  it("takes an age, epoch seconds or a date", () => {
    expect(parseSince("24h", now)).toBe(now - 86_400);
    expect(parseSince("7d", now)).toBe(now - 7 * 86_400);
    expect(parseSince("30m", now)).toBe(now - 1800);
    expect(parseSince("2w", now)).toBe(now - 14 * 86_400);
    expect(parseSince("1767225000", now)).toBe(1_767_225_000);
    expect(parseSince("2026-01-01T00:00:00Z", now)).toBe(now);
    expect(parseSince("soon", now)).toMatch(/^--since must be epoch seconds, an ISO 8601 date or an age/);
  });
});

describe("parseImportLine", () => {
  it("fills what the original's payload may leave out", () => {
    const parsed = parseImportLine('{"host":"h","command":"ls","timestamp":5,"stdout":null,"extra":1}');
    expect(parsed).toEqual({
      timestamp: 5,
      line: {
        host: "h",
        command: "ls",
        timestamp: 5,
        user: "",
        stdout: "",
        stderr: "",
        return_code: null,
        vm: "",
        job_id: "",
        caller: "",
        duration_ms: 0,
      },
    });
  });

  it.each([
    ["{", /^not JSON/],
    ['"a string"', /^not a JSON object$/],
    ["[1]", /^not a JSON object$/],
    ['{"command":"ls","timestamp":1}', /^host is missing$/],
    ['{"host":"h","timestamp":1}', /^command is missing$/],
    ['{"host":"h","command":"ls"}', /^timestamp is missing$/],
    ['{"host":"h","command":"ls","timestamp":1,"return_code":1.5}', /^return_code: /],
    ['{"host":"h","command":"ls","timestamp":"later"}', /^timestamp must be/],
  ])("says why %s is not a record", (line, pattern) => {
    const parsed = parseImportLine(line);
    expect("problem" in parsed && parsed.problem).toMatch(pattern);
  });

  it("never quotes the line in its problem: it may hold a secret", () => {
    const parsed = parseImportLine('{"host":"h","command":"mysql -pS3cret-value" oops}');
    expect("problem" in parsed && parsed.problem).toBe("not JSON (error at character 46)");
  });
});

describe("importedRecord", () => {
  const parse = (line: object) => {
    const parsed = parseImportLine(JSON.stringify(line));
    if ("problem" in parsed) throw new Error(parsed.problem);
    return parsed;
  };

  it("keeps host, user, job_id and timestamp as given, masks secrets and cuts outputs", () => {
    const { line, timestamp } = parse({
      host: "10.0.0.7",
      user: "admin",
      job_id: "j-1",
      command: "mysql -u root -pHunter2 -e 'select 1'",
      stdout: "x".repeat(HISTORY_OUTPUT_CHARS + 10),
      stderr: "token=ghp_abcdefghijklmnopqrstuvwxyz0123456789",
      return_code: 0,
      timestamp: 1_767_225_600.5,
    });
    const record = importedRecord(line, timestamp, "web1");
    expect(record).toMatchObject({
      id: "j-1:web1",
      job_id: "j-1",
      vm: "web1",
      host: "10.0.0.7",
      user: "admin",
      command: "mysql -u root -p*** -e 'select 1'",
      timestamp: 1_767_225_600.5,
    });
    expect(record.stdout).toBe(truncateForHistory("x".repeat(HISTORY_OUTPUT_CHARS + 10)));
    expect(record.stderr).not.toContain("abcdefghijklmnopqrstuvwxyz0123456789");
  });

  it("gives a line without job_id an id from its content, and the same record again the same id", () => {
    const a = parse({ host: "h", command: "ls", timestamp: 1 });
    const b = parse({ timestamp: 1, command: "ls", host: "h" });
    const other = parse({ host: "h", command: "ls", timestamp: 2 });
    const id = importedRecord(a.line, a.timestamp, "web1").id;
    expect(id).toMatch(/^import:[0-9a-f]{64}$/);
    expect(importedRecord(b.line, b.timestamp, "web1").id).toBe(id);
    expect(importedRecord(other.line, other.timestamp, "web1").id).not.toBe(id);
    expect(importedRecord(a.line, a.timestamp, "web2").id).not.toBe(id);
  });
});

describe("truncateForHistory", () => {
  it("leaves a text it already cut as it is", () => {
    const once = truncateForHistory("y".repeat(50), 20);
    expect(once).toBe(`${"y".repeat(20)}\n[truncated: 50 characters, first 20 kept]`);
    expect(truncateForHistory(once, 20)).toBe(once);
    // A marker for another length is text like any other.
    expect(truncateForHistory(once, 10)).toBe(
      `${"y".repeat(10)}\n[truncated: ${once.length} characters, first 10 kept]`,
    );
  });
});
