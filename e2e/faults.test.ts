/**
 * Faults of the targets, end to end with real processes: an sshd restarted under the
 * agent's warm connection pool, a VM that accepts TCP but never speaks SSH, and a VM whose
 * host key (trusted on first use) changes. The agent's own faults are in
 * faults-agent.test.ts; the agent and edge restarts in resilience.test.ts.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectToolError, runCommand, runOk } from "./harness/expect-tool.js";
import {
  type SilentHost,
  type Sshd,
  type Stack,
  sshdAvailable,
  startSilentHost,
  startSshd,
  startStack,
  stopAllStacks,
  VM,
  waitFor,
} from "./harness/index.js";

/** The agent's SSH ready timeout when not configured (`readyTimeoutMs ?? 10_000`, agent/src/ssh/connect.ts). */
const READY_TIMEOUT_MS = 10_000;
/** A VM on its own sshd, with no `host_key`: trusted on first use into `<data-dir>/known_hosts`. */
const TOFU = "tofu";
/** A VM that accepts TCP connections and never sends the SSH banner. */
const SILENT = "silent";

interface AuditLine {
  job_id: string;
  caller: string;
  kind: string;
  vms: string[];
  decision: string;
  reason: string | null;
  command: string | null;
  status: string;
  return_code: number | null;
  duration_ms: number;
}

/** Settles a call without an unhandled rejection while the test does other things; notes when. */
function settle(call: Promise<CallToolResult>) {
  return call.then(
    (result) => ({ result, error: undefined, at: Date.now() }),
    (error: Error) => ({ result: undefined, error, at: Date.now() }),
  );
}

describe.skipIf(!sshdAvailable())("faults of the targets", () => {
  let dir: string;
  let tofuSshd: Sshd;
  let silent: SilentHost;
  let stack: Stack;
  let admin: Client;
  const dataDir = () => path.join(stack.dir, "agent", "agent-data");
  const auditLines = (): AuditLine[] => {
    const file = path.join(dataDir(), "audit.jsonl");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditLine);
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "tlc-faults-"));
    chmodSync(dir, 0o711);
    tofuSshd = await startSshd(path.join(dir, "tofu-sshd"), ["127.0.0.1"]);
    silent = await startSilentHost("127.0.0.1");
    const base = { host: "127.0.0.1", user: tofuSshd.user, key: tofuSshd.clientKey };
    const vms = [
      { name: TOFU, ...base, port: tofuSshd.port },
      { name: SILENT, ...base, port: silent.port },
    ];
    stack = await startStack({ permissions: true, extra: { vms, groups: [{ name: "faults", vms: [TOFU, SILENT] }] } });
    admin = await stack.connect(stack.keys.admin);
  }, 120_000);
  afterAll(async () => {
    await stopAllStacks();
    await silent?.stop();
    await tofuSshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an sshd restarted under a warm pool: the next call succeeds transparently on a new connection", async () => {
    expect((await runOk(admin, VM.alpha, "echo warm")).stdout).toBe("warm\n");
    const mark = stack.agent.mark();
    await stack.sshd.restart();

    const run = await runOk(admin, VM.alpha, "echo after-sshd-restart");
    expect(run.stdout).toBe("after-sshd-restart\n");
    const alpha = () => stack.agent.events.slice(mark).filter((e) => e.vm === VM.alpha);
    // The pooled connection died with its session (so the fault was real) ...
    await waitFor(
      "the old connection to be seen closed",
      () => alpha().some((e) => e.event === "ssh_disconnected"),
      5_000,
      25,
    );
    // ... and the call went out on a new one, whether the agent saw the old one close first
    // or found it dead on use (the pool's stale-connection retry).
    expect(alpha().map((e) => e.event)).toContain("ssh_connected");
    const events = alpha().map((e) => e.event);
    const how = events.includes("ssh_stale_connection") ? "stale retry" : "closed, then redialed";
    console.info(`faults: after the sshd restart: ${how} (${events.join(", ")})`);
    expect(stack.agent.events.slice(mark).filter((e) => e.level === "error")).toEqual([]);
  });

  it("a VM that accepts TCP but never speaks SSH fails within the ready timeout, and delays no other call", async () => {
    const startedAt = Date.now();
    const pending = settle(runCommand(admin, SILENT, "echo never", undefined, 60_000));
    await waitFor("the agent to reach the silent VM", () => silent.accepted() > 0, 10_000, 25);

    const others: number[] = [];
    for (const vm of [VM.alpha, VM.beta, VM.gamma, TOFU]) {
      const t = Date.now();
      expect((await runOk(admin, vm, `echo meanwhile-${vm}`)).stdout).toBe(`meanwhile-${vm}\n`);
      others.push(Date.now() - t);
    }
    const othersDoneAt = Date.now();

    const { result, error, at } = await pending;
    const elapsed = at - startedAt;
    expect(error, `the call threw instead of returning a tool error: ${error?.message}`).toBeUndefined();
    expect(expectToolError(result as CallToolResult)).toMatch(
      new RegExp(
        `cannot connect to ${SILENT} \\(127\\.0\\.0\\.1:${silent.port}\\): SSH handshake timed out after 10 s`,
      ),
    );
    console.info(`faults: silent VM failed after ${elapsed} ms; other calls meanwhile took ${others.join(", ")} ms`);
    expect(elapsed).toBeGreaterThanOrEqual(READY_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(READY_TIMEOUT_MS + 3_000);
    // The others ran while the silent VM's handshake was still waiting, each at its usual pace.
    expect(othersDoneAt).toBeLessThan(at);
    expect(Math.max(...others)).toBeLessThan(2_000);
    // One connection, given up after the timeout: a handshake timeout is not retried.
    expect(silent.accepted()).toBe(1);
  }, 30_000);

  it("a host key that changes is refused: nothing runs, known_hosts keeps the old key, the audit says why", async () => {
    const first = await runOk(admin, TOFU, "echo first-use");
    expect(first.stdout).toBe("first-use\n");
    const knownHosts = path.join(dataDir(), "known_hosts");
    const trustedKey = tofuSshd.hostPublicKey.split(" ")[1] as string;
    expect(readFileSync(knownHosts, "utf8")).toContain(trustedKey);
    const oldFingerprint = tofuSshd.hostKeyFingerprint;

    await tofuSshd.restart({ newHostKey: true });
    expect(tofuSshd.hostKeyFingerprint).not.toBe(oldFingerprint);
    const marker = path.join(tofuSshd.runDir, "ran-despite-new-host-key");
    const command = `touch '${marker}'; echo ran`;
    const mark = stack.agent.mark();
    const text = expectToolError(await runCommand(admin, TOFU, command));

    expect(text).toContain(`host key for ${TOFU} (127.0.0.1:${tofuSshd.port})`);
    expect(text).toContain(`expected ${oldFingerprint}, got ${tofuSshd.hostKeyFingerprint}`);
    expect(text).toContain("refusing to connect");
    expect(existsSync(marker), "the command ran on a host whose key changed").toBe(false);
    const logged = await stack.agent.waitForEvent("host_key_mismatch", 5_000, mark);
    expect(logged).toMatchObject({ vm: TOFU, expected: oldFingerprint, got: tofuSshd.hostKeyFingerprint });
    // Trust on first use means first: the new key was not recorded.
    const known = readFileSync(knownHosts, "utf8");
    expect(known).toContain(trustedKey);
    expect(known).not.toContain(tofuSshd.hostPublicKey.split(" ")[1]);

    // The audit line is appended after the answer went out: wait for it on disk.
    const line = await waitFor(
      "the audit line of the refused job",
      () => auditLines().find((l) => l.command === command),
      5_000,
      25,
    );
    expect(line).toMatchObject({
      kind: "exec",
      vms: [TOFU],
      decision: "allow",
      status: "host_key_mismatch",
      return_code: null,
    });
    expect(line.job_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stack.agent.events.slice(mark).find((e) => e.event === "audit")).toMatchObject({ job_id: line.job_id });
  });
});
