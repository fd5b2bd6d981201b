/**
 * Command strings end to end: they run literally, evaluated once by the remote bash, and a
 * command too long for the remote kernel is refused with a clear error before it runs.
 */
import { chownSync, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MAX_COMMAND_CHARS, type RunCommand } from "@telecommande/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { expectToolError, runCommand, runOk } from "./harness/expect-tool.js";
import { sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

describe.skipIf(!sshdAvailable())("command strings", () => {
  const stackEnv = useStack();
  const env = { admin: undefined as unknown as typeof stackEnv.admin, scratch: "" };
  beforeAll(() => {
    env.admin = stackEnv.admin;
    env.scratch = stackEnv.stack.sshd.runDir;
  });

  describe("command strings run literally, evaluated once by the remote bash", () => {
    const cases: [string, string, string][] = [
      ["mixed quotes", `printf '%s\\n' "it's" 'say "hi"' 'a'"b"`, `it's\nsay "hi"\nab\n`],
      ["no early expansion", `x='$(echo INJECTED)'; y='\`echo TICK\`'; echo "$x $y"`, "$(echo INJECTED) `echo TICK`\n"],
      ["remote expansion", 'echo "$(echo sub)" `echo tick` "$HOME"', "sub tick /var/lib/tlc-e2e\n"],
      ["newlines", "echo one\necho two\n\necho three", "one\ntwo\nthree\n"],
      ["backslashes", `printf '%s\\n' 'a\\\\b' "c\\\\d"`, "a\\\\b\nc\\d\n"],
      ["non-ASCII", "echo 'héllo wörld — 日本語 🚀 ñ'; printf 'é' | wc -c", "héllo wörld — 日本語 🚀 ñ\n2\n"],
    ];
    it.each(cases)("%s", async (_label, command, stdout) => {
      const run = await runOk(env.admin, VM.alpha, command);
      expect(run.stdout).toBe(stdout);
      expect(run.command).toBe(command);
    });

    it("bash receives the exact bytes of the command", async () => {
      const marker = path.join(env.scratch, "evaluated-too-early");
      const command = `printf %s "$BASH_EXECUTION_STRING" # '"\`$(touch ${marker})\` ; | & > é 🚀 \\ '\\''`;
      const run = await runOk(env.admin, VM.alpha, command);
      expect(run.stdout).toBe(command);
      expect(existsSync(marker)).toBe(false);
    });

    it("a quoted heredoc of every special character comes back byte for byte", async () => {
      const payload = `'"$(id)\`id\`$HOME \${x} ;|&><*?!#~{}[]\\ \\\\ \t é 日本 🚀 '\\''`;
      const run = await runOk(env.admin, VM.alpha, `cat <<'EOF'\n${payload}\nEOF`);
      expect(run.stdout).toBe(`${payload}\n`);
    });

    it("`; rm -rf` runs exactly what it says and nothing more", async () => {
      const { uid: u, gid } = statSync(env.scratch);
      for (const d of ["victim", "keep"]) {
        mkdirSync(path.join(env.scratch, d), { recursive: true });
        writeFileSync(path.join(env.scratch, d, "f"), "x");
        chownSync(path.join(env.scratch, d), u, gid);
        chownSync(path.join(env.scratch, d, "f"), u, gid);
      }
      const run = await runOk(env.admin, VM.alpha, `echo before; rm -rf '${env.scratch}/victim'; echo after`);
      expect(run.stdout).toBe("before\nafter\n");
      expect(existsSync(path.join(env.scratch, "victim"))).toBe(false);
      expect(existsSync(path.join(env.scratch, "keep", "f"))).toBe(true);
    });

    it("an unbalanced quote is a bash syntax error, not repaired", async () => {
      const result = await runCommand(env.admin, VM.alpha, 'echo "unterminated');
      expect(result.isError).toBe(true);
      const run = result.structuredContent as RunCommand;
      expect(run.return_code).toBe(2);
      expect(run.stderr).toMatch(/unexpected EOF/);
    });
  });

  describe("commands too long for the remote shell", () => {
    it("are refused at the edge past the tool's limit, and by the agent once quoted past 128 KiB", async () => {
      const marker = path.join(env.scratch, "long-ran");
      const tooLong = `touch ${marker}; #${"x".repeat(MAX_COMMAND_CHARS)}`;
      const refused = await runCommand(env.admin, VM.alpha, tooLong).catch((error: Error) => error);
      const text = refused instanceof Error ? refused.message : expectToolError(refused);
      expect(text).toMatch(/at most 65536 characters/);
      // Within the edge's limit, but every quote grows fourfold twice once wrapped for the VM.
      const quoted = await runCommand(env.admin, VM.alpha, `touch ${marker}; #${"'".repeat(30_000)}`);
      expect(expectToolError(quoted)).toMatch(
        /too long for the remote shell: \d+ bytes once quoted, and Linux takes at most 131071/,
      );
      expect(existsSync(marker)).toBe(false);
      // Just under both limits runs.
      const run = await runOk(env.admin, VM.alpha, `echo ok #${"y".repeat(60_000)}`);
      expect((run as RunCommand).stdout).toBe("ok\n");
    });
  });
});
