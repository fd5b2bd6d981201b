/**
 * ssh_fleet_health and ssh_read_logs end to end through the MCP path against real sshd:
 * the health fields match what this machine says of itself, logs come back exact, and
 * hostile parameters change nothing on the target.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type FleetHealth, type ReadLogs, TOOL_NAMES } from "@telecommande/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { expectDenied, expectOk, expectTextMirrorsStructured, expectToolError } from "./harness/expect-tool.js";
import { callTool, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const PSEUDO = /^(tmpfs|devtmpfs|overlay|proc|sysfs|cgroup2?|devpts|mqueue|squashfs)$/;

describe.skipIf(!sshdAvailable())("ssh_fleet_health and ssh_read_logs", () => {
  const env = useStack();

  it("reports this machine's real health fields for each VM and the dead VM as unreachable", async () => {
    const result = await callTool(env.admin, TOOL_NAMES.fleetHealth, { vm_names: [VM.alpha, VM.beta, VM.down] });
    expect(result.isError).toBe(true);
    expectTextMirrorsStructured(result);
    const answer = result.structuredContent as FleetHealth;
    expect(answer.summary).toMatchObject({ total: 3, ok: 2, failed: 0, unreachable: 1 });
    for (const entry of answer.results.slice(0, 2)) {
      expect(entry.status, entry.error ?? "").toBe("ok");
      expect(entry.hostname).toBe(os.hostname());
      expect(entry.cpus).toBe(os.cpus().length);
      expect(entry.memory?.total_bytes).toBeGreaterThan(os.totalmem() * 0.98);
      expect(entry.memory?.total_bytes).toBeLessThan(os.totalmem() * 1.02);
      expect(entry.uptime_s).toBeGreaterThan(0);
      expect(entry.load?.one).toBeGreaterThanOrEqual(0);
      expect(entry.disks.length).toBeGreaterThan(0);
      for (const disk of entry.disks) expect(disk.fstype).not.toMatch(PSEUDO);
      expect(entry.systemd).toBe(existsSync("/run/systemd/system"));
    }
    expect(answer.results[2]).toMatchObject({ vm: VM.down, status: "unreachable", disks: [], findings: [] });
    expect(answer.results[2]?.error).toMatch(/refused|connect/i);

    // A group works as in ssh_run_parallel: alice's "dev" is alpha and gamma, beta is not hers.
    const alice = await env.stack.connect(env.stack.keys.alice);
    const dev = expectOk<FleetHealth>(await callTool(alice, TOOL_NAMES.fleetHealth, { groups: ["dev"] }));
    expect(dev.results.map((r) => [r.vm, r.status])).toEqual([
      [VM.alpha, "ok"],
      [VM.gamma, "ok"],
    ]);
    expectDenied(await callTool(alice, TOOL_NAMES.fleetHealth, { vm_names: [VM.beta] }));
  });

  describe("ssh_read_logs", () => {
    let log: string;
    let marker: string;
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i + 1} ${i % 7 === 0 ? "a.*b [x" : "plain"}`);
    const readLogs = (args: Record<string, unknown>) => callTool(env.admin, TOOL_NAMES.readLogs, args);

    beforeAll(() => {
      log = path.join(env.stack.sshd.runDir, "app.log");
      marker = path.join(env.stack.sshd.runDir, "logs-marker");
      // Written by root, world-readable: the SSH user reads it as any log.
      writeFileSync(log, `${lines.join("\n")}\n`, { mode: 0o644 });
    });

    it("returns a file's last lines exactly, per VM", async () => {
      const answer = expectOk<ReadLogs>(await readLogs({ vm_names: [VM.alpha, VM.gamma], path: log, lines: 50 }));
      expect(answer).toMatchObject({ source: "file", target: log });
      for (const entry of answer.results) {
        expect(entry.status).toBe("ok");
        expect(entry.lines).toEqual(lines.slice(-50));
        expect(entry.truncated).toBe(false);
      }
    });

    it("keeps only lines holding grep as plain text, never as a pattern or as shell", async () => {
      const answer = expectOk<ReadLogs>(
        await readLogs({ vm_names: [VM.alpha], path: log, grep: "a.*b [x", lines: 1000 }),
      );
      expect(answer.results[0]?.lines).toEqual(lines.filter((l) => l.includes("a.*b [x")));
      for (const grep of [`$(touch ${marker})`, `'; touch ${marker}; '`, `\`touch ${marker}\``]) {
        const quiet = expectOk<ReadLogs>(await readLogs({ vm_names: [VM.alpha], path: log, grep }));
        expect(quiet.results[0]?.lines).toEqual([]);
      }
      const hostilePath = await readLogs({ vm_names: [VM.alpha], path: `${log}; touch ${marker}` });
      expect(hostilePath.isError).toBe(true);
      expect((hostilePath.structuredContent as ReadLogs).results[0]?.error).toMatch(/no such file/i);
      expect(existsSync(marker)).toBe(false);
      rmSync(marker, { force: true });
    });

    it("gives clear errors: a missing file, a directory, no journal here, and refused parameters", async () => {
      const missing = (await readLogs({ vm_names: [VM.alpha], path: "/var/log/telecommande-none.log" }))
        .structuredContent as ReadLogs;
      expect(missing.results[0]).toMatchObject({ status: "failed", lines: [] });
      expect(missing.results[0]?.error).toMatch(/no such file/i);
      const dir = (await readLogs({ vm_names: [VM.alpha], path: "/var/log" })).structuredContent as ReadLogs;
      expect(dir.results[0]?.error).toMatch(/directory/i);
      if (!existsSync("/run/systemd/system")) {
        const journal = (await readLogs({ vm_names: [VM.alpha], unit: "ssh" })).structuredContent as ReadLogs;
        expect(journal.results[0]?.status).toBe("failed");
        expect(journal.results[0]?.error).toMatch(/journal/i);
      }
      expect(expectToolError(await readLogs({ vm_names: [VM.alpha], unit: "ssh", path: log }))).toMatch(/exactly one/);
      expect(expectToolError(await readLogs({ vm_names: [VM.alpha], path: log, since: "-1h" }))).toMatch(/since/);
      for (const bad of [
        { unit: "nginx; rm -rf /" },
        { path: "../etc/shadow" },
        { path: "/var/log/../../etc/shadow" },
        { unit: "ssh", since: "$(reboot)" },
      ]) {
        const refused = await readLogs({ vm_names: [VM.alpha], ...bad }).catch((err: Error) => err);
        const text = refused instanceof Error ? refused.message : expectToolError(refused);
        expect(text).toMatch(/unit|path|since|Invalid/i);
      }
    });
  });
});
