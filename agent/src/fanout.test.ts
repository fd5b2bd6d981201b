import { writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Job, VmResultMessage } from "@telecommande/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, eventually, type Final, type Harness } from "./testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "./testing/ssh-server.js";

let server: TestSshServer;
let silent: Server;
let silentPort: number;
const held: Socket[] = [];
let deadPort: number;
let h: Harness | undefined;

beforeAll(async () => {
  server = await startTestSshServer();
  // Accepts TCP and never says a word: an SSH host hung at its banner.
  silent = createServer((sock) => held.push(sock));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
  const closed = await startTestSshServer();
  deadPort = closed.port;
  await closed.close();
});
afterAll(async () => {
  for (const sock of held) sock.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await server.close();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function fanout(harness: Harness, vms: string[], command: string, extra: Partial<Job> = {}) {
  const id = `fan-${Math.random().toString(36).slice(2)}`;
  const done = new Promise<Final>((resolve) => {
    const check = setInterval(() => {
      const final = harness.finals(id)[0];
      if (final) {
        clearInterval(check);
        resolve(final);
      }
    }, 5);
  });
  harness.runner.handle({
    type: "job",
    id,
    caller: "tester",
    kind: "fanout",
    vms,
    command,
    timeout_ms: 10_000,
    max_parallel: 16,
    output_limit_bytes: 65_536,
    ...extra,
  } as Job);
  const results = () => harness.sent.filter((m): m is VmResultMessage => m.type === "vm_result" && m.id === id);
  return { id, done, results };
}

describe("fan-out jobs", () => {
  it("answers every VM on its own: the good ones, a dead one, a silent one, one that is not served", async () => {
    const good = ["a", "b", "c", "d"].map((name) => server.vm({ name }));
    h = createHarness(
      [...good, server.vm({ name: "dead", port: deadPort }), server.vm({ name: "silent", port: silentPort })],
      { readyTimeoutMs: 1_000 },
    );
    const run = fanout(h, ["a", "b", "dead", "silent", "c", "ghost", "d"], 'echo "on $0"; exit 3');
    const final = await run.done;
    const byVm = Object.fromEntries(run.results().map((m) => [m.vm, m.outcome]));
    expect(final).toMatchObject({ type: "result", result: { kind: "fanout", count: 7 } });
    for (const name of ["a", "b", "c", "d"]) {
      expect(byVm[name]).toMatchObject({ ok: true, result: { status: "executed", return_code: 3 } });
    }
    expect(byVm.dead).toMatchObject({ ok: false, code: "ssh_connect", message: expect.stringMatching(/refused/) });
    expect(byVm.silent).toMatchObject({ ok: false, code: "ssh_connect", message: expect.stringMatching(/timed out/) });
    expect(byVm.ghost).toMatchObject({ ok: false, code: "unknown_vm" });
  });

  it("sends each VM's outcome as soon as it is known; a slow or hanging VM holds back nobody", async () => {
    // One more server whose $HOME holds a marker: the same command hangs there only.
    const other = await startTestSshServer();
    writeFileSync(join(other.home, "hang"), "");
    try {
      h = createHarness([server.vm({ name: "fast1" }), server.vm({ name: "fast2" }), other.vm({ name: "stuck" })]);
      const command = 'echo begin; if [ -e "$HOME/hang" ]; then sleep 30; fi; echo end';
      const run = fanout(h, ["stuck", "fast1", "fast2"], command, { timeout_ms: 1_500 });
      await eventually(() => run.results().length === 2);
      expect(
        run
          .results()
          .map((m) => m.vm)
          .sort(),
      ).toEqual(["fast1", "fast2"]);
      for (const m of run.results()) expect(m.outcome).toMatchObject({ ok: true, result: { stdout: "begin\nend\n" } });
      await run.done;
      const stuck = run.results().find((m) => m.vm === "stuck");
      expect(stuck?.outcome).toMatchObject({
        ok: true,
        result: {
          status: "timeout",
          stdout: "begin\n",
          signal: "SIGTERM",
          error: "command timed out after 1.5 s and was killed",
        },
      });
    } finally {
      await other.close();
    }
  });

  it("stops taking VMs when cancelled, and answers cancelled once", async () => {
    h = createHarness(["x", "y", "z"].map((name) => server.vm({ name })));
    const run = fanout(h, ["x", "y", "z"], "sleep 30", { max_parallel: 1 });
    await new Promise((r) => setTimeout(r, 300));
    h.runner.cancel(run.id);
    expect(await run.done).toMatchObject({ type: "error", code: "cancelled" });
    await new Promise((r) => setTimeout(r, 100));
    expect(run.results()).toHaveLength(0);
    expect(h.finals(run.id)).toHaveLength(1);
  });

  it("caps each VM's output at output_limit_bytes, marked", async () => {
    h = createHarness([server.vm({ name: "big" })]);
    const run = fanout(h, ["big"], "head -c 5000 /dev/zero | tr '\\0' x", { output_limit_bytes: 1000 });
    await run.done;
    const [message] = run.results();
    expect(message?.outcome).toMatchObject({ ok: true, result: { stdout_truncated: true } });
    const stdout = message?.outcome.ok ? message.outcome.result.stdout : "";
    expect(stdout.startsWith("x".repeat(1000))).toBe(true);
    expect(stdout).toContain("[output truncated: 5000 bytes, first 1000 shown]");
  });
});
