/**
 * The real logs scripts for the journal, run on this machine through local shells (no SSH):
 * journalctl here exists without systemd as PID 1, a VM may lack journalctl, and a stand-in
 * journalctl shows the arguments and its own status surviving the pipe. Then the file script
 * under busybox's shell and tools, as on Alpine.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NO_JOURNAL_ERROR } from "./logs.js";
import { BASE_TOOLS, busybox, linux, localLogs, numbered } from "./logs-local-harness.js";

const { root, file, toolbox, baseTools, read, cleanup } = localLogs();
afterAll(cleanup);

describe.skipIf(!linux)("logs script and the journal", () => {
  // The test machines run without systemd as PID 1, journalctl installed or not: either way
  // a unit's journal cannot be read, and the error must say so.
  it("maps this machine's journal (no systemd, journalctl present or not) to the clear error", () => {
    expect(existsSync("/run/systemd/system"), "this test expects a machine without systemd running").toBe(false);
    for (const fields of [{ unit: "nginx" }, { unit: "nginx", grep: "x", since: "-1h" }]) {
      const out = read(fields);
      expect(out.result.error).toBe(NO_JOURNAL_ERROR);
      expect(out.report.lines).toEqual([]);
    }
  });

  it("maps a VM without journalctl to the same error", () => {
    const bin = toolbox("no-journalctl", baseTools());
    const out = read({ unit: "nginx" }, { path: bin });
    expect(out.result.error).toBe(NO_JOURNAL_ERROR);
    expect(out.report.return_code).toBe(127);
  });

  describe("with a stand-in journalctl", () => {
    const args = join(root, "journalctl-args");
    const fake = (name: string, body: string) => {
      const bin = toolbox(name, baseTools());
      // Records its argv, one per line, to show each value arrived as one argument.
      writeFileSync(join(bin, "journalctl"), `#!/bin/sh\nprintf '%s\\n' "$@" > ${args}\n${body}\n`, { mode: 0o755 });
      return bin;
    };
    const entries = numbered(20).map((l) => `2026-01-05T10:00:00+0000 web1 app[7]: ${l}`);
    const lines = fake("journal-lines", `printf '%s\\n' ${entries.map((e) => `'${e}'`).join(" ")}`);

    it("passes each value as one argument and returns the last lines", () => {
      const out = read({ unit: "app.service", since: "2 hours ago", lines: 2 }, { path: lines });
      expect(readFileSync(args, "utf8").split("\n")).toEqual([
        "--no-pager",
        "-o",
        "short-iso",
        "-u",
        "app.service",
        "--since",
        "2 hours ago",
        "-n",
        "2",
        "",
      ]);
      expect(out.report.lines).toEqual(entries.slice(-2));
      expect(out.result.error).toBeNull();
    });

    it("greps the whole unit, then keeps the last matches", () => {
      const out = read({ unit: "app", grep: "line 1", lines: 3 }, { path: lines });
      expect(readFileSync(args, "utf8").split("\n")).not.toContain("-n");
      expect(out.report.lines).toEqual(entries.slice(16, 19));
    });

    it("keeps journalctl's failure although grep and tail come after it in the pipe", () => {
      const failing = fake("journal-fails", "echo 'Failed to parse timestamp: 99 hours' >&2; exit 1");
      for (const grep of [undefined, "x"]) {
        const out = read({ unit: "app", since: "99 hours", ...(grep ? { grep } : {}) }, { path: failing });
        expect(out.report.return_code).toBe(1);
        expect(out.result.error).toBe("journalctl failed (exit 1): Failed to parse timestamp: 99 hours");
      }
    });

    it("drops the no-entries notice of an empty unit", () => {
      const empty = fake("journal-empty", "echo '-- No entries --'");
      const out = read({ unit: "quiet" }, { path: empty });
      expect(out.report.lines).toEqual([]);
      expect(out.result.error).toBeNull();
    });
  });
});

// busybox is required (`apt-get install busybox-static`, as .ci/run does): without it this fails.
describe.skipIf(!linux)("logs script under busybox (Alpine's shell and tools)", () => {
  it("has busybox to run under", () => expect(busybox, "busybox is not installed").toBeTruthy());
  const box = busybox ?? "";
  const bin = toolbox("busybox", { ...Object.fromEntries(BASE_TOOLS.map((t) => [t, box])), sh: box });
  const shell = [box, "sh"];
  const log = file("bb.log", `${[...numbered(5), "a.*b", "[x]"].join("\n")}\n`);

  it("reads the last lines and greps fixed strings", () => {
    expect(read({ path: log, lines: 2 }, { shell, path: bin }).report.lines).toEqual(["a.*b", "[x]"]);
    expect(read({ path: log, grep: ".*" }, { shell, path: bin }).report.lines).toEqual(["a.*b"]);
    expect(read({ path: log, grep: "[" }, { shell, path: bin }).report.lines).toEqual(["[x]"]);
    expect(read({ path: log, grep: "absent" }, { shell, path: bin }).result.error).toBeNull();
  });

  it("maps the file errors and a missing journalctl", () => {
    expect(read({ path: join(root, "nope") }, { shell, path: bin }).result.error).toBe(
      `no such file: ${join(root, "nope")}`,
    );
    expect(read({ path: root, grep: "x" }, { shell, path: bin }).result.error).toBe(`is a directory: ${root}`);
    expect(read({ unit: "nginx" }, { shell, path: bin }).result.error).toBe(NO_JOURNAL_ERROR);
  });
});
