import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Job, Message } from "@telecommande/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, eventually, execResult, type Harness, isAlive } from "./testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "./testing/ssh-server.js";

let server: TestSshServer;
let h: Harness;
beforeAll(async () => {
  server = await startTestSshServer();
});
afterAll(() => server.close());
afterEach(() => h?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const about = (id: string) => (m: Message) => "id" in m && m.id === id;

/** Starts `exec sleep 30` and resolves with its remote pid once it runs. */
async function startSleeper(harness: Harness) {
  const pidFile = join(harness.dataDir, `pid-${Math.random().toString(36).slice(2)}`);
  const job = harness.run({ vm: "vm1", command: `echo $$ > ${pidFile}; exec sleep 30` });
  await eventually(() => {
    try {
      return readFileSync(pidFile, "utf8").trim().length > 0;
    } catch {
      return false;
    }
  });
  return { ...job, pid: Number(readFileSync(pidFile, "utf8")) };
}

describe("jobs across a dropped edge connection", () => {
  it("keep running, and their output and answer go out again, numbered as before, once the edge is back", async () => {
    h = createHarness([server.vm()], { chunkChars: 4 });
    const go = join(h.dataDir, "go");
    const command = `printf aaaaaaaaa; while [ ! -e ${go} ]; do sleep 0.05; done; printf bbbbbbbbb`;
    const { id, done } = h.run({ vm: "vm1", command });
    await eventually(() => h.progress(id).length === 2);
    const signalsBefore = server.signals.length;
    const beforeDrop = h.sent.filter(about(id));

    h.disconnect();
    expect(h.logs.find((l) => l.event === "jobs_held")).toMatchObject({ level: "info", running_jobs: 1 });
    writeFileSync(go, "");
    await eventually(() => h.lost.some((m) => m.type === "result" && m.id === id));
    expect(h.finals(id)).toEqual([]);
    // Ended, but its answer has not reached the edge: still announced in the next hello.
    expect(h.runner.heldJobs()).toEqual([id]);

    const reconnectAt = h.sent.length;
    h.reconnect();
    const final = await done;
    const resent = h.sent.slice(reconnectAt);
    expect(resent).toEqual([...beforeDrop, ...h.lost.filter(about(id))]);
    expect(resent.map((m) => (m.type === "progress" ? m.seq : m.type))).toEqual([0, 1, 2, 3, "result"]);
    expect(final).toMatchObject({ type: "result", chunks: 4 });
    const output = h
      .progress(id)
      .slice(2)
      .map((p) => p.data)
      .join("");
    expect(output + execResult(final).stdout).toBe("aaaaaaaaabbbbbbbbb");
    expect(execResult(final)).toMatchObject({ status: "executed", return_code: 0 });
    expect(server.signals.length).toBe(signalsBefore);
    expect(h.finals(id)).toHaveLength(1);
  });

  it("resends a fan-out's per-VM outcomes with its result, whose count still matches", async () => {
    h = createHarness(["x", "y"].map((name) => server.vm({ name })));
    const id = "fan-held";
    h.runner.handle({
      type: "job",
      id,
      caller: "tester",
      kind: "fanout",
      vms: ["x", "y"],
      command: "sleep 0.3; echo $0",
      timeout_ms: 10_000,
      max_parallel: 2,
      output_limit_bytes: 1000,
    } as Job);
    h.disconnect();
    await eventually(() => h.lost.some((m) => m.type === "result" && m.id === id));
    h.reconnect();
    const resent = h.sent.filter(about(id));
    expect(resent.map((m) => m.type)).toEqual(["vm_result", "vm_result", "result"]);
    expect(resent[2]).toMatchObject({ result: { kind: "fanout", count: 2 } });
  });

  it("are forgotten once the edge acknowledges them; an ack of a running job changes nothing", async () => {
    h = createHarness([server.vm()]);
    const { id, done } = h.run({ vm: "vm1", command: "sleep 0.3; echo done" });
    h.runner.ack(id);
    expect(execResult(await done).stdout).toBe("done\n");
    expect(h.logs.some((l) => l.event === "ack_running_job" && l.job_id === id)).toBe(true);
    expect(h.runner.heldJobs()).toEqual([id]);
    h.runner.ack(id);
    expect(h.runner.heldJobs()).toEqual([]);
    const count = h.sent.length;
    h.disconnect();
    h.reconnect();
    expect(h.sent.length).toBe(count);
  });

  it("refuse a new job with the id of one whose answer awaits its acknowledgement", async () => {
    h = createHarness([server.vm()]);
    const { id, done } = h.run({ vm: "vm1", command: "echo first" });
    await done;
    h.runner.handle({ type: "job", id, caller: "t", vm: "vm1", kind: "exec", command: "echo again", timeout_ms: 1000 });
    expect(h.sent.at(-1)).toEqual({
      type: "error",
      code: "bad_message",
      message: `job id "${id}" already ran and its answer awaits the edge's acknowledgement`,
    });
    await sleep(300);
    expect(server.execs.filter((c) => c.includes("echo again"))).toEqual([]);
  });

  it("are killed on the remote side and forgotten when the edge stays away past the hold", async () => {
    h = createHarness([server.vm()], { holdMs: 400 });
    const ended = h.run({ vm: "vm1", command: "echo ended" });
    await ended.done;
    const long = await startSleeper(h);
    const droppedAt = Date.now();
    h.disconnect();
    expect(h.logs.find((l) => l.event === "jobs_held")).toMatchObject({ running_jobs: 1, hold_ms: 400 });
    await sleep(200);
    // A failed reconnect attempt does not restart the hold: it counts from the drop.
    h.disconnect("the edge connection failed");
    expect(h.logs.filter((l) => l.event === "jobs_held")).toHaveLength(1);
    expect(isAlive(long.pid)).toBe(true);
    await eventually(() => !isAlive(long.pid));
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(400);
    expect(server.signals.at(-1)).toBe("TERM");
    expect(h.logs.find((l) => l.event === "jobs_abandoned")).toMatchObject({
      level: "warn",
      count: 1,
      reason: "the edge did not come back within 400 ms",
    });
    expect(h.logs.find((l) => l.event === "job_end" && l.job_id === long.id)).toMatchObject({
      status: "agent_disconnected",
    });
    expect(h.runner.heldJobs()).toEqual([]);
    h.reconnect();
    await sleep(50);
    // Nobody waits for these any more: nothing about them, not even an error.
    expect(h.sent.filter((m) => about(long.id)(m) || about(ended.id)(m)).map((m) => m.type)).toEqual(["result"]);
    expect(h.lost.filter(about(long.id))).toEqual([]);
  });

  it("keep running past the hold when the edge came back in time", async () => {
    h = createHarness([server.vm()], { holdMs: 300 });
    const long = await startSleeper(h);
    h.disconnect();
    await sleep(100);
    h.reconnect();
    await sleep(500);
    expect(isAlive(long.pid)).toBe(true);
    expect(h.logs.some((l) => l.event === "jobs_abandoned")).toBe(false);
    h.runner.cancel(long.id);
    expect(await long.done).toMatchObject({ code: "cancelled" });
  });

  it("are forgotten on cancel: an ended one at once, a running one once it ends", async () => {
    h = createHarness([server.vm()]);
    const ended = h.run({ vm: "vm1", command: "echo ended" });
    await ended.done;
    const long = await startSleeper(h);
    expect(h.runner.heldJobs()).toEqual([long.id, ended.id]);
    // The hub cancels the ids of a hello that it no longer knows.
    h.runner.cancel(ended.id);
    expect(h.runner.heldJobs()).toEqual([long.id]);
    h.runner.cancel(long.id);
    expect(await long.done).toMatchObject({ type: "error", code: "cancelled" });
    await eventually(() => !isAlive(long.pid));
    expect(h.runner.heldJobs()).toEqual([]);
    const count = h.sent.length;
    h.disconnect();
    h.reconnect();
    expect(h.sent.length).toBe(count);
  });
});
