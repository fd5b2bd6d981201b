import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, eventually, execResult, type Harness, isAlive, result } from "./testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "./testing/ssh-server.js";

let server: TestSshServer;
let h: Harness;
beforeAll(async () => {
  server = await startTestSshServer();
});
afterAll(() => server.close());
afterEach(() => h?.close());

describe("exec jobs on a real SSH server", () => {
  it("returns stdout, stderr and the exit code under bash -lc", async () => {
    h = createHarness([server.vm()]);
    const r = execResult(await h.run({ vm: "vm1", command: 'echo out; echo err >&2; echo "$0"; exit 3' }).done);
    expect(r).toMatchObject({
      kind: "exec",
      stdout: "out\nbash\n",
      stderr: "err\n",
      return_code: 3,
      signal: null,
      stdout_truncated: false,
      stderr_truncated: false,
    });
    expect(r.duration_ms).toBeGreaterThan(0);
    expect(server.execs.at(-1)).toMatch(/^if command -v bash/);
  });

  it("keeps hostile command text intact", async () => {
    h = createHarness([server.vm()]);
    const command = `printf '%s\\n' "it's" '$(id)' '\`x\`'; echo ';'`;
    expect(execResult(await h.run({ vm: "vm1", command }).done).stdout).toBe("it's\n$(id)\n`x`\n;\n");
  });

  it("reports a signal death as return_code -1 plus the signal", async () => {
    h = createHarness([server.vm()]);
    const r = execResult(await h.run({ vm: "vm1", command: "kill -TERM $$" }).done);
    expect(r.return_code).toBe(-1);
    expect(r.signal).toBe("SIGTERM");
  });

  it("truncates 2.5 MB of output at 1 MiB, streams it in chunks, logs the job", async () => {
    h = createHarness([server.vm()]);
    const { id, done } = h.run({ vm: "vm1", command: "head -c 2500000 /dev/zero | tr '\\0' a; echo tail >&2" });
    const r = execResult(await done);
    const chunks = h.progress(id).filter((p) => p.stream === "stdout");
    expect(chunks.length).toBe(4);
    expect(chunks.every((c) => c.data.length === 256 * 1024)).toBe(true);
    const stdout = chunks.map((c) => c.data).join("") + r.stdout;
    expect(stdout).toBe(`${"a".repeat(1_048_576)}\n[output truncated: 2500000 bytes, first 1048576 shown]`);
    expect(r.stdout_truncated).toBe(true);
    expect(r.stderr).toBe("tail\n");
    expect(h.progress(id).some((p) => p.stream === "stderr")).toBe(false);
    expect(h.finals(id)).toHaveLength(1);
    // Numbered so the edge can reassemble them whatever order they arrive in.
    expect(h.progress(id).map((p) => p.seq)).toEqual([0, 1, 2, 3]);
    expect(h.finals(id)[0]).toMatchObject({ type: "result", chunks: 4 });
    const end = h.logs.find((l) => l.event === "job_end" && l.job_id === id);
    expect(end).toMatchObject({ vm: "vm1", status: "ok", return_code: 0 });
    expect(typeof end?.duration_ms).toBe("number");
  });

  it("kills the remote process on timeout and answers with the output so far, status `timeout`", async () => {
    h = createHarness([server.vm()]);
    const pidFile = join(h.dataDir, "pid");
    const command = `echo started; echo warn >&2; echo $$ > ${pidFile}; exec sleep 30`;
    const { id, done } = h.run({ vm: "vm1", command, timeout_ms: 400 });
    const final = await done;
    expect(final).toEqual({
      type: "result",
      id,
      chunks: 0,
      result: {
        kind: "exec",
        status: "timeout",
        stdout: "started\n",
        stderr: "warn\n",
        return_code: -1,
        signal: "SIGTERM",
        error: "command timed out after 400 ms and was killed",
        duration_ms: expect.any(Number),
        stdout_truncated: false,
        stderr_truncated: false,
      },
    });
    expect(execResult(final).duration_ms).toBeGreaterThanOrEqual(400);
    const pid = Number(readFileSync(pidFile, "utf8"));
    await eventually(() => !isAlive(pid));
    expect(server.signals).toContain("TERM");
  });

  it("stops a timed-out command with SIGTERM first, and SIGKILL when it ignores that", async () => {
    h = createHarness([server.vm()]);
    const before = server.signals.length;
    const command = "trap '' TERM; echo stubborn; sleep 30";
    const final = await h.run({ vm: "vm1", command, timeout_ms: 300 }).done;
    expect(execResult(final)).toMatchObject({ status: "timeout", stdout: "stubborn\n", signal: "SIGKILL" });
    expect(execResult(final).duration_ms).toBeGreaterThanOrEqual(2_300);
    expect(server.signals.slice(before)).toEqual(["TERM", "KILL"]);
  });

  it("cancels a running job: kills it and answers `cancelled` once", async () => {
    h = createHarness([server.vm()]);
    const pidFile = join(h.dataDir, "pid");
    const { id, done } = h.run({ vm: "vm1", command: `echo $$ > ${pidFile}; exec sleep 30` });
    await eventually(() => {
      try {
        return readFileSync(pidFile, "utf8").trim().length > 0;
      } catch {
        return false;
      }
    });
    h.runner.cancel(id);
    expect(await done).toEqual({
      type: "error",
      id,
      code: "cancelled",
      message: `job ${id} was cancelled; the remote process was killed`,
    });
    await eventually(() => !isAlive(Number(readFileSync(pidFile, "utf8"))));
    h.runner.cancel(id);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.finals(id)).toHaveLength(1);
  });

  it("answers unknown_vm without touching SSH", async () => {
    h = createHarness([server.vm()]);
    expect(await h.run({ vm: "ghost", command: "true" }).done).toMatchObject({
      type: "error",
      code: "unknown_vm",
      message: 'unknown VM "ghost": agent "test" does not serve it',
    });
    expect(h.pool.connectionsOpened).toBe(0);
  });

  it("refuses a second job with an id that is still running", async () => {
    h = createHarness([server.vm()]);
    const first = h.run({ id: "same", vm: "vm1", command: "sleep 0.2; echo first" });
    h.runner.handle({
      type: "job",
      id: "same",
      caller: "t",
      vm: "vm1",
      kind: "exec",
      command: "echo 2",
      timeout_ms: 1000,
    });
    expect(h.sent[0]).toEqual({ type: "error", code: "bad_message", message: 'job id "same" is already running' });
    expect(execResult(await first.done).stdout).toBe("first\n");
  });
});

describe("probe and distro jobs", () => {
  it("probes a listening port with a latency, and a closed one with a reason", async () => {
    h = createHarness([server.vm(), server.vm({ name: "down", port: 1 })]);
    const up = result(await h.run({ vm: "vm1", kind: "probe" }).done);
    expect(up).toMatchObject({ kind: "probe", reachable: true, reason: null });
    if (up.kind !== "probe") throw new Error("not a probe");
    expect(up.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Math.round((up.latency_ms ?? 0) * 10) / 10).toBe(up.latency_ms);
    expect(result(await h.run({ vm: "down", kind: "probe" }).done)).toEqual({
      kind: "probe",
      reachable: false,
      latency_ms: null,
      reason: "connection refused (ECONNREFUSED)",
    });
  });

  it("reads distro information over SSH", async () => {
    h = createHarness([server.vm()]);
    const r = result(await h.run({ vm: "vm1", kind: "distro" }).done);
    if (r.kind !== "distro") throw new Error("not distro");
    expect(r.status).toBe("ok");
    expect(r.platform.kernel).toBe("Linux");
    expect(r.user.uid).toBe(process.getuid?.());
    expect(r.distro.id).toBeTruthy();
  });
});
