/**
 * The real logs scripts for a file, run on this machine through local shells (no SSH) against
 * temporary files: last lines, fixed-string grep, hostile values that must stay text, and the
 * file errors, permission ones included (as `nobody`, since the tests run as root).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_LINE_CHARS } from "./logs.js";
import { asRoot, linux, localLogs, numbered, setpriv } from "./logs-local-harness.js";

const { root, file, toolbox, baseTools, read, cleanup } = localLogs();
afterAll(cleanup);

describe.skipIf(!linux)("logs script on a real file", () => {
  const log = file("app.log", `${numbered(10).join("\n")}\n`);

  it("returns the last N lines in time order", () => {
    const out = read({ path: log, lines: 3 });
    expect(out.report).toMatchObject({ lines: ["line 8", "line 9", "line 10"], truncated: false, return_code: 0 });
    expect(out.result.error).toBeNull();
  });

  it("returns the whole of a shorter file, and nothing for an empty one", () => {
    expect(read({ path: log, lines: 50 }).report.lines).toEqual(numbered(10));
    const empty = read({ path: file("empty.log", "") });
    expect(empty.report.lines).toEqual([]);
    expect(empty.result.error).toBeNull();
  });

  it("keeps a last line without a newline", () => {
    expect(read({ path: file("no-eol.log", "a\nb"), lines: 5 }).report.lines).toEqual(["a", "b"]);
  });

  describe("grep is a fixed string", () => {
    const meta = file(
      "meta.log",
      ["a.*b literal", "axxb regex bait", "[error] literal bracket", "error no bracket", "x\\y backslash", "end"].join(
        "\n",
      ),
    );

    it.each([
      [".*", ["a.*b literal"]],
      ["[", ["[error] literal bracket"]],
      ["[error]", ["[error] literal bracket"]],
      ["\\y", ["x\\y backslash"]],
      ["-v", []],
    ])("%j matches only itself", (grep, lines) => {
      const out = read({ path: meta, grep });
      expect(out.report.lines).toEqual(lines);
      expect(out.result.error).toBeNull();
      expect(out.report.return_code).toBe(0);
    });

    it("finding nothing is an answer, not an error", () => {
      const out = read({ path: meta, grep: "absent" });
      expect(out.report).toMatchObject({ lines: [], return_code: 0 });
      expect(out.result.error).toBeNull();
    });

    it("keeps the last N matches", () => {
      const many = file("many.log", `${numbered(30).join("\n")}\n`);
      expect(read({ path: many, grep: "line 2", lines: 3 }).report.lines).toEqual(["line 27", "line 28", "line 29"]);
    });

    it("treats a log with a NUL byte as text", () => {
      const nul = file("nul.log", "before\nboot\0garbage hit\nafter hit\n");
      expect(read({ path: nul, grep: "hit" }).report.lines).toEqual(["boot\0garbage hit", "after hit"]);
    });
  });

  describe("hostile values stay text", () => {
    const marker = join(root, "MARKER");
    const hostile = [
      `'; touch ${marker}; '`,
      `$(touch ${marker})`,
      `\`touch ${marker}\``,
      `"; touch ${marker}; "`,
      `\\'; touch ${marker}; #`,
      `& touch ${marker} &`,
      `| touch ${marker}`,
    ];
    const bait = file("bait.log", `${["plain line", ...hostile.map((h) => `got ${h} here`)].join("\n")}\n`);

    it.each(hostile)("grep %j runs nothing and matches itself", (grep) => {
      const out = read({ path: bait, grep });
      expect(existsSync(marker)).toBe(false);
      expect(out.report.lines).toEqual([`got ${grep} here`]);
      expect(out.result.error).toBeNull();
    });

    it.each(hostile)("journal grep %j runs nothing", (grep) => {
      // A stand-in journalctl that prints the bait, so the journal pipeline is exercised too.
      const bin = toolbox(`fake-${hostile.indexOf(grep)}`, baseTools());
      writeFileSync(join(bin, "journalctl"), `#!/bin/sh\ncat ${bait}\n`, { mode: 0o755 });
      const out = read({ unit: "app", grep }, { path: bin });
      expect(existsSync(marker)).toBe(false);
      expect(out.report.lines).toEqual([`got ${grep} here`]);
      expect(out.result.error).toBeNull();
    });

    // A file name holds no `/`: these touch MARKER in the script's folder, which is `root`.
    const names = [
      "it's.log",
      "$(touch MARKER).log",
      "`touch MARKER`.log",
      "a'; touch MARKER; 'b.log",
      "sp ace * ? [x].log",
      "-n 1.log",
    ];
    it.each(names)("path %j is read as plain text", (name) => {
      const path = file(name, "first\nsecond\n");
      const out = read({ path, lines: 1 });
      expect(existsSync(marker)).toBe(false);
      expect(out.report).toMatchObject({ target: path, lines: ["second"] });
      expect(out.result.error).toBeNull();
      const missing = read({ path: `${path}.gone`, grep: "x" });
      expect(existsSync(marker)).toBe(false);
      expect(missing.result.error).toBe(`no such file: ${path}.gone`);
    });
  });

  describe("errors name the path", () => {
    it("a missing file", () => {
      const path = join(root, "nope.log");
      for (const grep of [undefined, "x"]) {
        const out = read({ path, ...(grep ? { grep } : {}) });
        expect(out.result.error).toBe(`no such file: ${path}`);
        expect(out.report).toMatchObject({ lines: [], return_code: 66 });
      }
    });

    it("a directory", () => {
      for (const grep of [undefined, "x"]) {
        expect(read({ path: root, ...(grep ? { grep } : {}) }).result.error).toBe(`is a directory: ${root}`);
      }
    });

    it("a FIFO is refused without blocking", () => {
      const fifo = join(root, "pipe");
      execFileSync("mkfifo", [fifo]);
      expect(read({ path: fifo }).result.error).toMatch(new RegExp(`^not a regular file: ${fifo} `));
      expect(read({ path: "/dev/zero" }).result.error).toMatch(/^not a regular file: \/dev\/zero /);
    });

    it("a dangling symlink is a missing file", () => {
      const link = join(root, "dangling.log");
      symlinkSync(join(root, "nowhere"), link);
      expect(read({ path: link }).result.error).toBe(`no such file: ${link}`);
    });

    describe.skipIf(!setpriv || !asRoot)("as nobody (setpriv)", () => {
      const secret = file("secret.log", "root only\n", 0o600);
      const locked = join(root, "locked");
      mkdirSync(locked, { mode: 0o700 });
      const inside = join(locked, "a.log");
      writeFileSync(inside, "hidden\n");

      it("a file it cannot read", () => {
        for (const grep of [undefined, "root"]) {
          const out = read({ path: secret, ...(grep ? { grep } : {}) }, { nobody: true });
          expect(out.result.error).toBe(`permission denied: ${secret}`);
          expect(out.report).toMatchObject({ lines: [], return_code: 77 });
        }
      });

      it("a file under a directory it cannot search is denied, not missing", () => {
        expect(read({ path: inside }, { nobody: true }).result.error).toBe(`permission denied: ${inside}`);
        expect(read({ path: join(locked, "absent.log") }, { nobody: true }).result.error).toBe(
          `permission denied: ${join(locked, "absent.log")}`,
        );
      });

      it("a readable file still reads", () => {
        expect(read({ path: log, lines: 1 }, { nobody: true }).report.lines).toEqual(["line 10"]);
      });
    });
  });

  it("caps a long line at the line size and marks the report", () => {
    const path = file("long.log", `short\n${"é".repeat(20_000)}\nlast\n`);
    const out = read({ path });
    expect(out.report.truncated).toBe(true);
    expect(out.report.lines).toEqual(["short", "é".repeat(MAX_LINE_CHARS), "last"]);
  });

  it("reads lines in order on a VM without awk", () => {
    const bin = toolbox("no-awk", baseTools(["awk"]));
    const out = read({ path: log, lines: 2 }, { path: bin });
    expect(out.report.lines).toEqual(["line 9", "line 10"]);
    expect(out.result.stderr).toContain("telecommande-logs: oldest first");
  });
});
