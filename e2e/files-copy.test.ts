/**
 * Remote files end to end over SFTP: hostile paths that stay data, copies between VMs
 * (modes, refusals, a cross-agent pair refused at the edge), the one denial for every file
 * tool, the history of file operations, and a 200 MB copy through an agent capped at a
 * 48 MB heap, then cancelled.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type CopyFile, type ReadFile, type SearchLogs, TOOL_NAMES, type WriteFile } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import { expectDenied, expectOk, expectToolError } from "./harness/expect-tool.js";
import { FAR_VM, failureText, rss, sha256, sha256File, useFilesStack } from "./harness/files-env.js";
import { AGENT_NAME, type Agent, callTool, sshdAvailable, startAgent, textOf, VM } from "./harness/index.js";

describe.skipIf(!sshdAvailable())("remote files over SFTP: copies, permissions, history", () => {
  const env = useFilesStack();
  const { put, read, write, copy, leftovers } = env;
  let lowMemAgent: Agent | undefined;
  afterAll(async () => {
    await lowMemAgent?.stop();
  });

  describe("hostile paths stay data", () => {
    const names = ["a; touch pwned-1", "$(touch pwned-2)", "`touch pwned-3`", "x' || touch pwned-4 '", "-rf *"];

    it("writes and reads files with shell metacharacters by their literal names, running nothing", async () => {
      for (const name of names) {
        const file = path.join(env.scratch, "hostile", name);
        mkdirSync(path.dirname(file), { recursive: true });
        chownSync(path.dirname(file), env.uid, env.gid);
        expectOk<WriteFile>(await write({ vm_name: VM.alpha, path: file, content: `literal ${name}\n` }));
        expect(readFileSync(file, "utf8")).toBe(`literal ${name}\n`);
        expect(expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file })).content).toBe(`literal ${name}\n`);
      }
      const missing = expectToolError(await read({ vm_name: VM.alpha, path: `${env.scratch}/$(touch pwned-5)` }));
      expect(missing).toContain("no such file or directory");
      expect(
        expectToolError(
          await write({ vm_name: VM.alpha, path: `${env.scratch}/; rm -rf ${env.scratch}/`, content: "x" }),
        ),
      ).toContain("names a folder");
      const found = readdirSync(env.stack.sshd.home, { recursive: true, encoding: "utf8" }).filter((f) =>
        f.includes("pwned"),
      );
      // Only the literal names themselves: no command ran to create a bare `pwned-N`.
      expect(found.every((f) => names.some((n) => f.endsWith(n)))).toBe(true);
      expect(existsSync(env.scratch)).toBe(true);
      expect(leftovers()).toEqual([]);
    });

    it("refuses `..`, newlines and over-long paths before anything runs", async () => {
      const sentinel = put("sentinel.txt", "keep\n");
      const bad = [
        `${env.scratch}/../${path.basename(env.scratch)}/sentinel.txt`,
        `${env.scratch}/x\nsentinel.txt`,
        `${env.scratch}/${"a".repeat(5000)}`,
        "",
      ];
      for (const p of bad) {
        const text = await failureText(write({ vm_name: VM.alpha, path: p, content: "overwritten" }));
        expect(text, JSON.stringify(p.slice(0, 80))).toMatch(/path|\.\.|NUL|line|too_big|String must|Too big|at most/i);
      }
      // A name above NAME_MAX reaches the server and fails cleanly.
      const longName = `${env.scratch}/${"n".repeat(300)}`;
      expect(expectToolError(await write({ vm_name: VM.alpha, path: longName, content: "x" }))).toMatch(/failed: /);
      expect(readFileSync(sentinel, "utf8")).toBe("keep\n");
      expect(leftovers()).toEqual([]);
    });
  });

  describe("ssh_copy_file", () => {
    it("copies a file between two VMs, keeping its mode, and refuses an existing target", async () => {
      const data = randomBytes(300_000);
      const from = put("copy-src.bin", data, 0o640);
      const to = path.join(env.scratch, "copy-dst.bin");
      const got = expectOk<CopyFile>(await copy({ from_vm: VM.alpha, from_path: from, to_vm: VM.gamma, to_path: to }));
      expect(got).toMatchObject({
        from_vm: VM.alpha,
        from_path: from,
        to_vm: VM.gamma,
        to_path: to,
        bytes: data.length,
      });
      expect(got.duration_ms).toBeGreaterThanOrEqual(0);
      expect(readFileSync(to).equals(data)).toBe(true);
      expect(statSync(to).mode & 0o7777).toBe(0o640);

      writeFileSync(from, "changed\n");
      const refused = expectToolError(await copy({ from_vm: VM.alpha, from_path: from, to_vm: VM.gamma, to_path: to }));
      expect(refused).toContain("already exists");
      expect(refused).toContain("overwrite");
      expect(sha256(readFileSync(to))).toBe(sha256(data));

      const again = expectOk<CopyFile>(
        await copy({ from_vm: VM.alpha, from_path: from, to_vm: VM.gamma, to_path: to, overwrite: true }),
      );
      expect(again.bytes).toBe(8);
      expect(readFileSync(to, "utf8")).toBe("changed\n");
      expect(leftovers()).toEqual([]);
    });

    it("fails clearly: missing source, a directory, a missing target folder", async () => {
      const to = path.join(env.scratch, "never.bin");
      expect(
        expectToolError(
          await copy({ from_vm: VM.alpha, from_path: `${env.scratch}/absent`, to_vm: VM.beta, to_path: to }),
        ),
      ).toContain(`alpha:${env.scratch}/absent: no such file or directory`);
      expect(
        expectToolError(await copy({ from_vm: VM.alpha, from_path: env.scratch, to_vm: VM.beta, to_path: to })),
      ).toContain("is a directory");
      const src = put("copy-src2.txt", "x\n");
      expect(
        expectToolError(
          await copy({ from_vm: VM.alpha, from_path: src, to_vm: VM.beta, to_path: `${env.scratch}/gone/x.txt` }),
        ),
      ).toContain("no such file or directory");
      expect(existsSync(to)).toBe(false);
      expect(leftovers()).toEqual([]);
    });

    it("refuses VMs of two different agents at the edge", async () => {
      const text = expectToolError(
        await copy({ from_vm: VM.alpha, from_path: "/etc/hostname", to_vm: FAR_VM, to_path: "/tmp/x" }),
      );
      expect(text).toContain("different agents");
    });
  });

  describe("authorization", () => {
    it("denies a VM the caller may not use, in every file tool, with the one message", async () => {
      // env.alice is in dev: alpha and gamma, not beta.
      const file = put("secret.txt", "secret\n");
      expectDenied(await read({ vm_name: VM.beta, path: file }, env.alice));
      expectDenied(await read({ vm_name: "no-such-vm", path: file }, env.alice));
      expectDenied(await write({ vm_name: VM.beta, path: `${env.scratch}/env.alice.txt`, content: "x" }, env.alice));
      expectDenied(await copy({ from_vm: VM.alpha, from_path: file, to_vm: VM.beta, to_path: `${file}.2` }, env.alice));
      expectDenied(await copy({ from_vm: VM.beta, from_path: file, to_vm: VM.alpha, to_path: `${file}.3` }, env.alice));
      expect(existsSync(`${env.scratch}/env.alice.txt`)).toBe(false);
      expect(existsSync(`${file}.2`)).toBe(false);
      expect(existsSync(`${file}.3`)).toBe(false);
      // Her own VMs work.
      expect(expectOk<ReadFile>(await read({ vm_name: VM.alpha, path: file }, env.alice)).content).toBe("secret\n");
    });
  });

  describe("history", () => {
    it("records each file operation once, with a readable command", async () => {
      const file = put("history.txt", "h\n");
      expectOk<ReadFile>(await read({ vm_name: VM.gamma, path: file }));
      expectToolError(await read({ vm_name: VM.gamma, path: `${file}.missing` }));
      const found = expectOk<SearchLogs>(
        await callTool(env.admin, TOOL_NAMES.searchLogs, { query: "sftp read", collection: "commands", limit: 50 }),
      );
      const ok = found.results.filter((r) => r.command === `sftp read ${file}`);
      expect(ok).toHaveLength(1);
      expect(ok[0]).toMatchObject({ return_code: 0 });
      const failed = found.results.find((r) => r.command === `sftp read ${file}.missing`);
      expect(failed).toMatchObject({ return_code: 1 });
      expect(failed?.stderr).toContain("no such file or directory");
      const conf = path.join(env.scratch, "history.conf");
      expectOk<WriteFile>(await write({ vm_name: VM.gamma, path: conf, content: "key=välue\n" }));
      const writes = expectOk<SearchLogs>(
        await callTool(env.admin, TOOL_NAMES.searchLogs, { query: "sftp write", collection: "commands", limit: 50 }),
      );
      expect(writes.results.some((r) => r.command === `sftp write ${conf} (11 bytes)`)).toBe(true);
      expect(JSON.stringify(writes)).not.toContain("välue");
    });
  });

  describe("a 200 MB copy through an agent with a 48 MB heap", () => {
    it("streams it between two VMs with equal checksums", { timeout: 600_000 }, async () => {
      const from = path.join(env.scratch, "big-200m.bin");
      const to = path.join(env.scratch, "big-200m-copy.bin");
      execFileSync("sh", ["-c", `head -c ${200 * 1024 * 1024} /dev/urandom > '${from}'`]);
      chownSync(from, env.uid, env.gid);
      await env.stack.agent.stop();
      lowMemAgent = await startAgent({
        dir: path.join(env.stack.dir, "agent-lowmem"),
        configPath: env.stack.configPath,
        edgeUrl: env.stack.edge.url,
        token: env.stack.agentToken,
        name: AGENT_NAME,
        env: { NODE_OPTIONS: "--max-old-space-size=48" },
      });
      const pid = lowMemAgent.pid as number;
      const rssBefore = rss(pid, "VmRSS");
      const started = performance.now();
      const result = await copy(
        { from_vm: VM.alpha, from_path: from, to_vm: VM.beta, to_path: to },
        env.admin,
        540_000,
      );
      const seconds = (performance.now() - started) / 1000;
      const got = expectOk<CopyFile>(result);
      const peak = rss(pid, "VmHWM");
      expect(got.bytes).toBe(200 * 1024 * 1024);
      expect(await sha256File(to)).toBe(await sha256File(from));
      expect(lowMemAgent.running).toBe(true);
      const mib = 200 / seconds;
      console.log(
        `e2e files: 200 MiB copy alpha -> beta in ${seconds.toFixed(1)} s (${mib.toFixed(1)} MiB/s end to end, agent says ${got.duration_ms} ms); agent peak RSS ${(peak / 1048576).toFixed(0)} MiB (${(rssBefore / 1048576).toFixed(0)} MiB just before)`,
      );
      // Streamed: the agent never holds the file, nor any large part of it.
      expect(peak - rssBefore).toBeLessThan(100 * 1024 * 1024);
      expect(textOf(result)).toContain('"bytes":209715200');
      rmSync(to, { force: true });
      expect(leftovers()).toEqual([]);
    });

    it("stops a copy the client cancels, and removes its temporary file", { timeout: 120_000 }, async () => {
      const agent = lowMemAgent as Agent;
      const from = path.join(env.scratch, "big-200m.bin");
      const to = path.join(env.scratch, "big-200m-cancelled.bin");
      const mark = agent.mark();
      const controller = new AbortController();
      const call = env.admin.callTool(
        { name: TOOL_NAMES.copyFile, arguments: { from_vm: VM.alpha, from_path: from, to_vm: VM.gamma, to_path: to } },
        undefined,
        { signal: controller.signal, timeout: 60_000 },
      );
      await agent.waitForEvent("job_start", 10_000, mark);
      // Let some bytes flow first: the temporary file exists and grows.
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      await expect(call).rejects.toThrow();
      const end = await agent.waitForEvent("job_end", 15_000, mark);
      expect(end).toMatchObject({ kind: "file_copy", status: "cancelled" });
      // The clean-up runs right after the abort; give sftp-server a moment to act on it.
      for (let i = 0; i < 50 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(leftovers()).toEqual([]);
      expect(existsSync(to)).toBe(false);
      rmSync(from, { force: true });
    });
  });
});
