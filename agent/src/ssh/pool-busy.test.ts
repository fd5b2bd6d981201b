import { afterEach, describe, expect, it } from "vitest";
import { createHarness, execResult, type Harness } from "../testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "../testing/ssh-server.js";
import { NO_EXIT_STATUS } from "./exec.js";

let server: TestSshServer | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await server?.close();
  h = undefined;
  server = undefined;
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("exit statuses", () => {
  it("keeps an exit status that arrives in the same read as the channel confirmation", async () => {
    server = await startTestSshServer({ burst: { stdout: "hi\n", code: 7 } });
    h = createHarness([server.vm()]);
    const finals = await Promise.all(range(40).map(() => (h as Harness).run({ vm: "vm1", command: "ignored" }).done));
    for (const final of finals) {
      expect(execResult(final)).toMatchObject({ status: "executed", stdout: "hi\n", return_code: 7, error: null });
    }
  });
});

describe("a command whose channel closes without an exit status", () => {
  it("says so: status error, the reason, and -1 only as the original's placeholder", async () => {
    server = await startTestSshServer({ burst: { stdout: "partial\n", code: null } });
    h = createHarness([server.vm()]);
    expect(execResult(await h.run({ vm: "vm1", command: "ignored" }).done)).toMatchObject({
      status: "error",
      stdout: "partial\n",
      return_code: -1,
      signal: null,
      error: NO_EXIT_STATUS,
    });
  });
});

describe("a VM with too many jobs waiting", () => {
  it("refuses jobs beyond the waiting limit as busy at once, and runs the others", async () => {
    server = await startTestSshServer();
    h = createHarness([server.vm()], { maxChannels: 1, maxConnections: 1, maxWaitingPerVm: 3 });
    const runs = range(6).map((i) => (h as Harness).run({ vm: "vm1", command: `sleep 0.2; echo ${i}` }).done);
    const finals = await Promise.all(runs);
    const refused = finals.filter((f) => f.type === "error");
    // All six arrive before the connection is up: three wait for it, the other three are refused.
    expect(refused).toHaveLength(3);
    for (const f of refused) {
      expect(f).toMatchObject({
        code: "busy",
        message: "3 jobs already wait for an SSH session on vm1; retry in a few seconds",
      });
    }
    expect(finals.filter((f) => f.type === "result").map((f) => execResult(f).return_code)).toEqual([0, 0, 0]);
  });
});

// Dozens of real processes per test: generous time limits, so a loaded machine cannot fail them.
describe("a server at its session limit (sshd's MaxSessions)", { timeout: 30_000 }, () => {
  it("treats a refused session as busy: no connection closed, every job runs, the limit is learned", async () => {
    server = await startTestSshServer({ maxSessions: 3 });
    h = createHarness([server.vm()], { maxChannels: 8, maxConnections: 1 });
    const finals = await Promise.all(
      range(30).map((i) => (h as Harness).run({ vm: "vm1", command: `sleep 0.05; echo ${i}` }).done),
    );
    expect(finals.map((f) => execResult(f).stdout)).toEqual(range(30).map((i) => `${i}\n`));
    expect(server.refused).toBeGreaterThan(0);
    expect(h.pool.connectionsOpened).toBe(1);
    expect(h.logs.filter((l) => l.event === "ssh_disconnected" || l.event === "ssh_stale_connection")).toEqual([]);
    expect(h.logs.filter((l) => l.event === "ssh_session_limit").map((l) => l.limit)).toEqual([3]);
    // Once learned, later waves queue under it: they all run and nothing is learned again.
    const again = await Promise.all(range(12).map((i) => (h as Harness).run({ vm: "vm1", command: `echo ${i}` }).done));
    expect(again.map((f) => execResult(f).return_code)).toEqual(range(12).map(() => 0));
    expect(h.logs.filter((l) => l.event === "ssh_session_limit")).toHaveLength(1);
  });

  it("retries a refusal from a session sshd has not reaped yet, without lowering the limit", async () => {
    server = await startTestSshServer({ maxSessions: 4, reapLagMs: 15 });
    h = createHarness([server.vm()], { maxChannels: 4, maxConnections: 1 });
    // Four at once, none ending before all have started: the server has shown it takes four.
    await Promise.all(range(4).map(() => (h as Harness).run({ vm: "vm1", command: "sleep 0.2" }).done));
    expect(server.refused).toBe(0);
    const finals = await Promise.all(
      range(60).map((i) => (h as Harness).run({ vm: "vm1", command: `echo ${i}` }).done),
    );
    expect(finals.map((f) => execResult(f))).toEqual(
      range(60).map((i) => expect.objectContaining({ status: "executed", stdout: `${i}\n`, return_code: 0 })),
    );
    expect(server.refused).toBeGreaterThan(0);
    expect(h.pool.refusals).toBe(server.refused);
    expect(h.logs.filter((l) => l.event === "ssh_session_limit")).toEqual([]);
    expect(h.pool.connectionsOpened).toBe(1);
  });

  it("opens more connections to the VM when one is full, up to maxConnections", async () => {
    server = await startTestSshServer({ maxSessions: 10 });
    h = createHarness([server.vm()], { maxChannels: 2, maxConnections: 3 });
    await Promise.all(range(6).map(() => (h as Harness).run({ vm: "vm1", command: "sleep 0.3" }).done));
    expect(h.pool.connectionsOpened).toBe(3);
    expect(server.connections).toBe(3);
  });

  it("fails clearly when the server refuses every session", async () => {
    server = await startTestSshServer({ maxSessions: 0 });
    h = createHarness([server.vm()]);
    expect(await h.run({ vm: "vm1", command: "true" }).done).toMatchObject({
      type: "error",
      code: "ssh_connect",
      message: `vm1 (127.0.0.1:${server.port}) refused to open an SSH session: (SSH) Channel open failure: `,
    });
  });
});
