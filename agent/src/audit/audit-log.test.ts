import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "@telecommande/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Final, type Harness } from "../testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "../testing/ssh-server.js";
import { AUDIT_FILE, type AuditLine, AuditLog } from "./audit-log.js";

let server: TestSshServer;
let h: Harness | undefined;
let dir: string;
let file: string;
let audit: AuditLog;

beforeAll(async () => {
  server = await startTestSshServer();
});
afterAll(() => server.close());
afterEach(async () => {
  await h?.close();
  h = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A harness whose runner audits to `<dir>/audit.jsonl`. */
function harness(vms = [server.vm()], options: { file?: string; maxBytes?: number } = {}): Harness {
  dir = mkdtempSync(join(tmpdir(), "tc-audit-"));
  file = options.file ?? join(dir, AUDIT_FILE);
  return createHarness(vms, {
    audit: (log) => {
      audit = new AuditLog({ file, log, maxBytes: options.maxBytes, secrets: ["agent-token-xyz"] });
      return audit;
    },
  });
}

async function lines(path = file): Promise<AuditLine[]> {
  await audit.flush();
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

function handle(harness: Harness, job: Partial<Job> & { kind: Job["kind"] }): Promise<Final> {
  const id = job.id ?? `job-${Math.random().toString(36).slice(2)}`;
  harness.runner.handle({ type: "job", id, caller: "alice", timeout_ms: 10_000, ...job } as Job);
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const final = harness.finals(id)[0];
      if (final) {
        clearInterval(check);
        resolve(final);
      }
    }, 5);
  });
}

describe("the audit log of the job runner", () => {
  it("writes one line per job that ran: ok, non-zero exit, timeout; and logs it as `audit`", async () => {
    h = harness();
    await h.run({ vm: "vm1", command: "echo hi", id: "ok-1", caller: "alice" }).done;
    await h.run({ vm: "vm1", command: "exit 3", id: "fail-1", caller: "bob" }).done;
    await h.run({ vm: "vm1", command: "sleep 30", id: "slow-1", timeout_ms: 300 }).done;
    const [ok, failed, slow, ...rest] = await lines();
    expect(rest).toEqual([]);
    expect(Object.keys(ok ?? {})).toEqual([
      "ts",
      "job_id",
      "caller",
      "kind",
      "vms",
      "decision",
      "reason",
      "command",
      "status",
      "return_code",
      "duration_ms",
    ]);
    expect(ok).toMatchObject({
      job_id: "ok-1",
      caller: "alice",
      kind: "exec",
      vms: ["vm1"],
      decision: "allow",
      reason: null,
      command: "echo hi",
      status: "ok",
      return_code: 0,
    });
    expect(ok?.duration_ms).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(ok?.ts ?? ""))).toBe(false);
    expect(failed).toMatchObject({ job_id: "fail-1", caller: "bob", decision: "allow", status: "ok", return_code: 3 });
    expect(slow).toMatchObject({ job_id: "slow-1", decision: "allow", status: "timeout", command: "sleep 30" });
    const logged = h.logs.filter((l) => l.event === "audit");
    expect(logged.map((l) => l.job_id)).toEqual(["ok-1", "fail-1", "slow-1"]);
    expect(logged[1]).toMatchObject({ status: "ok", return_code: 3, decision: "allow" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("writes a denial for a job refused before it ran: unknown VM, duplicate id, too long, shutting down", async () => {
    h = harness();
    await h.run({ vm: "ghost", command: "uptime", id: "ghost-1" }).done;
    const first = h.run({ vm: "vm1", command: "sleep 0.3", id: "twice" });
    // The harness's run() keeps one waiter per id: the duplicate goes to the runner directly.
    h.runner.handle({
      type: "job",
      id: "twice",
      caller: "alice",
      kind: "exec",
      vm: "vm1",
      command: "id",
      timeout_ms: 1000,
    });
    await first.done;
    await h.run({ vm: "vm1", command: "x".repeat(200_000), id: "long-1" }).done;
    h.runner.refuseNew("the agent is shutting down; retry once it is back");
    await h.run({ vm: "vm1", command: "uptime", id: "late-1" }).done;
    const all = await lines();
    expect(all.find((l) => l.job_id === "ghost-1")).toMatchObject({
      vms: ["ghost"],
      decision: "deny",
      reason: expect.stringMatching(/unknown VM "ghost"/),
      status: "unknown_vm",
      return_code: null,
      duration_ms: 0,
    });
    const twice = all.filter((l) => l.job_id === "twice");
    expect(twice.map((l) => l.decision)).toEqual(["deny", "allow"]);
    expect(twice[0]).toMatchObject({ status: "bad_message", reason: expect.stringMatching(/already running/) });
    const long = all.find((l) => l.job_id === "long-1");
    expect(long).toMatchObject({
      decision: "deny",
      status: "invalid_input",
      reason: expect.stringMatching(/too long/),
    });
    expect(long?.command).toHaveLength(500);
    expect(all.find((l) => l.job_id === "late-1")).toMatchObject({
      decision: "deny",
      status: "agent_unavailable",
      reason: "the agent is shutting down; retry once it is back",
    });
  });

  it("writes one line per VM of a fan-out, each with its return code", async () => {
    h = harness(["a", "b"].map((name) => server.vm({ name })));
    const final = await handle(h, {
      id: "fan-1",
      kind: "fanout",
      vms: ["a", "ghost", "b", "a"],
      command: 'if [ "$0" ]; then exit 4; fi',
      max_parallel: 4,
      output_limit_bytes: 1000,
    });
    expect(final).toMatchObject({ type: "result" });
    const all = await lines();
    expect(all).toHaveLength(3);
    expect(all.every((l) => l.job_id === "fan-1" && l.kind === "fanout" && l.vms.length === 1)).toBe(true);
    const byVm = Object.fromEntries(all.map((l) => [l.vms[0], l]));
    expect(byVm.a).toMatchObject({ decision: "allow", status: "ok", return_code: 4 });
    expect(byVm.b).toMatchObject({ decision: "allow", status: "ok", return_code: 4 });
    expect(byVm.ghost).toMatchObject({ decision: "deny", status: "unknown_vm", return_code: null });
  });

  it("writes one line for the VMs of a fan-out cancelled before they answered", async () => {
    h = harness(["x", "y"].map((name) => server.vm({ name })));
    const done = handle(h, {
      id: "fan-2",
      kind: "fanout",
      vms: ["x", "y"],
      command: "sleep 30",
      max_parallel: 1,
      output_limit_bytes: 1000,
    });
    await new Promise((r) => setTimeout(r, 300));
    h.runner.cancel("fan-2");
    await done;
    await new Promise((r) => setTimeout(r, 100));
    expect(await lines()).toEqual([
      expect.objectContaining({ job_id: "fan-2", vms: ["x", "y"], decision: "allow", status: "cancelled" }),
    ]);
  });

  it("describes a file job, never its content", async () => {
    h = harness();
    const content = Buffer.from("db_password=swordfish\n").toString("base64");
    await handle(h, {
      id: "write-1",
      kind: "file_write",
      vm: "vm1",
      path: "/tmp/tc-audit-x",
      content_base64: content,
      backup: false,
      follow_symlinks: false,
    });
    const [line] = await lines();
    expect(line).toMatchObject({
      job_id: "write-1",
      kind: "file_write",
      vms: ["vm1"],
      command: "sftp write /tmp/tc-audit-x",
    });
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(content);
    expect(text).not.toContain("swordfish");
  });

  it("masks secrets in the file and in the log", async () => {
    h = harness();
    const command =
      "mysql --password=hunter2 -e 'select 1'; curl -H 'Authorization: Bearer tok_ABCDEFGH12345678' http://x; echo agent-token-xyz";
    await h.run({ vm: "vm1", command, id: "secret-1" }).done;
    await audit.flush();
    const text = readFileSync(file, "utf8");
    const logged = JSON.stringify(h.logs.filter((l) => l.event === "audit"));
    for (const secret of ["hunter2", "tok_ABCDEFGH12345678", "agent-token-xyz"]) {
      expect(text).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
    expect(text).toContain("mysql --password=");
  });

  it("only appends: a second runner and log on the same file keep the first one's lines", async () => {
    h = harness();
    await h.run({ vm: "vm1", command: "echo one", id: "first" }).done;
    await audit.flush();
    const before = readFileSync(file, "utf8");
    await h.close();
    const shared = file;
    const first = dir;
    h = harness([server.vm()], { file: shared });
    await h.run({ vm: "vm1", command: "echo two", id: "second" }).done;
    const all = await lines(shared);
    expect(readFileSync(shared, "utf8").startsWith(before)).toBe(true);
    expect(all.map((l) => l.job_id)).toEqual(["first", "second"]);
    rmSync(first, { recursive: true, force: true });
  });

  it("never fails a job when the file cannot be written: one audit_write_failed per streak", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "tc-audit-ro-")), "not-a-dir");
    writeFileSync(blocker, "");
    h = harness([server.vm()], { file: join(blocker, "data", AUDIT_FILE) });
    for (const id of ["ro-1", "ro-2", "ro-3"]) {
      const final = await h.run({ vm: "vm1", command: "echo fine", id }).done;
      expect(final).toMatchObject({ type: "result", result: { stdout: "fine\n" } });
    }
    await audit.flush();
    expect(h.logs.filter((l) => l.event === "audit_write_failed")).toHaveLength(1);
    expect(h.logs.filter((l) => l.event === "audit").map((l) => l.job_id)).toEqual(["ro-1", "ro-2", "ro-3"]);
    rmSync(join(blocker, ".."), { recursive: true, force: true });
  });

  it("rotates the file past its size to audit.jsonl.1, keeping one old file", async () => {
    h = harness([server.vm()], { maxBytes: 600 });
    for (let i = 1; i <= 8; i++) await h.run({ vm: "vm1", command: `echo ${i}`, id: `rot-${i}` }).done;
    await audit.flush();
    const current = await lines();
    const old = await lines(`${file}.1`);
    expect(statSync(file).size).toBeLessThanOrEqual(600);
    expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(600);
    expect(existsSync(`${file}.2`)).toBe(false);
    // The newest lines, in order, across the two files; the oldest ones went with an earlier rotation.
    const ids = [...old, ...current].map((l) => l.job_id);
    expect(ids.at(-1)).toBe("rot-8");
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))));
    expect(h.logs.filter((l) => l.event === "audit_rotated").length).toBeGreaterThanOrEqual(2);
  });
});
