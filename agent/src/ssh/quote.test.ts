import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JobError } from "../errors.js";
import { MAX_REMOTE_COMMAND_BYTES, shellQuote, wrapCommand, wrapScript } from "./quote.js";

/** `${NAME...}` shell syntax, spelled so the linter does not take it for a forgotten template literal. */
const param = (inner: string) => `$\{${inner}}`;

const HOSTILE = [
  "",
  "plain",
  "it's",
  "'",
  "''",
  "'\\''",
  'double "quotes"',
  "$(touch /tmp/pwned-by-quote-test)",
  "`id`",
  `$HOME ${param("PATH")} $$ $1`,
  "a; rm -rf /nonexistent; b",
  "line1\nline2\n",
  "tab\there",
  "back\\slash\\",
  "* ? [a-z] ~ & | < > ( ) { } ! #",
  "é ü 漢字 🙂",
];

describe("shellQuote", () => {
  it("escapes single quotes the POSIX way", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("")).toBe("''");
  });

  it.each(["sh", "bash"])("round-trips every hostile string through %s unchanged", (shell) => {
    const script = HOSTILE.map((word) => `printf '%s\\0' ${shellQuote(word)}`).join("\n");
    const out = execFileSync(shell, ["-c", script], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(out.split("\0").slice(0, -1)).toEqual(HOSTILE);
  });
});

describe("wrapCommand", () => {
  const home = mkdtempSync(join(tmpdir(), "tc-quote-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH, HOME: home };

  it("runs the command under bash -lc, with stdin at /dev/null so readers do not hang", async () => {
    const child = spawn(
      "sh",
      ["-c", wrapCommand(`echo "bash ${param("BASH_VERSION%%.*")}"; cat; echo "it's $((1+2))"`)],
      {
        env,
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    // stdin stays open on our side: only the remote /dev/null lets `cat` end.
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    child.stdin.destroy();
    expect(code).toBe(0);
    expect(out).toMatch(/^bash \d+\nit's 3\n$/);
  });

  it("refuses, with a clear error, a command the remote kernel would refuse as too long", () => {
    expect(Buffer.byteLength(wrapCommand("x".repeat(60_000)))).toBeLessThanOrEqual(MAX_REMOTE_COMMAND_BYTES);
    // Each quote becomes four characters, twice over: 20k quotes are 160k once wrapped.
    const quotes = "'".repeat(20_000);
    expect(() => wrapCommand(quotes)).toThrow(JobError);
    try {
      wrapCommand(quotes);
    } catch (err) {
      expect((err as JobError).code).toBe("invalid_input");
      expect((err as JobError).message).toMatch(
        /^the command is too long for the remote shell: 160\d{3} bytes once quoted, and Linux takes at most 131071 in one argument/,
      );
    }
  });

  it("hands hostile commands to the shell verbatim", () => {
    const command = "printf '%s|' \"a b\" 'c'\\''d' `echo e` $(echo f); echo";
    const out = execFileSync("sh", ["-c", wrapCommand(command)], { encoding: "utf8", env });
    expect(out).toBe("a b|c'd|e|f|\n");
  });

  it("falls back to sh -lc when bash is absent", () => {
    const bin = mkdtempSync(join(tmpdir(), "tc-nobash-"));
    try {
      // A PATH with sh but no bash, like a minimal Alpine image.
      symlinkSync("/bin/sh", join(bin, "sh"));
      const out = execFileSync("/bin/sh", ["-c", wrapCommand(`echo "bash=${param("BASH_VERSION:-none")} ok"`)], {
        encoding: "utf8",
        env: { PATH: bin, HOME: home },
      });
      expect(out).toBe("bash=none ok\n");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("wrapScript runs a fixed script under plain sh", () => {
    const out = execFileSync("sh", ["-c", wrapScript("x='q'\necho \"$x\" done")], { encoding: "utf8", env });
    expect(out).toBe("q done\n");
  });
});
