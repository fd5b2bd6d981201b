import { describe, expect, it } from "vitest";
import type { ServedVm } from "../config.js";
import { createLogger } from "../log.js";
import type { OperationRecord } from "./record.js";
import { BATCH_MAX, type Operation, Recorder } from "./recorder.js";
import type { HistoryStore } from "./store.js";

const VM = { name: "web-01", host: "10.0.0.1", user: "ops", port: 22, privateKey: "" } as ServedVm;

function op(i: number, fields: Partial<Operation> = {}): Operation {
  return {
    job_id: `job-${i}`,
    caller: "ada",
    vm: VM,
    command: `echo ${i}`,
    stdout: `${i}\n`,
    stderr: "",
    return_code: 0,
    duration_ms: 3,
    startedAtMs: 1_767_225_600_000 + i,
    ...fields,
  };
}

/** A store that keeps its batches; `add` does what `behave` says. */
function fakeStore(behave: (batch: readonly OperationRecord[]) => Promise<number> = async (b) => b.length) {
  const batches: OperationRecord[][] = [];
  const store = {
    add: (batch: readonly OperationRecord[]) => {
      batches.push([...batch]);
      return behave(batch);
    },
  } as unknown as HistoryStore;
  return { store, batches, written: () => batches.flat().map((r) => r.id) };
}

function logs() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ agent: "test", sink: (line) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe("Recorder", () => {
  it("writes operations that finish together in one batch, BATCH_MAX at most, before any of them resolves", async () => {
    const { store, batches, written } = fakeStore();
    const recorder = new Recorder(store, logs().log);
    const n = BATCH_MAX + 50;
    const done = Array.from({ length: n }, (_, i) =>
      recorder.record(op(i)).then(() => expect(written()).toContain(`job-${i}:web-01`)),
    );
    await Promise.all(done);
    expect(batches.map((b) => b.length)).toEqual([BATCH_MAX, 50]);
  });

  it("writes an operation alone when none finishes with it", async () => {
    const { store, batches } = fakeStore();
    const recorder = new Recorder(store, logs().log);
    for (let i = 0; i < 3; i++) await recorder.record(op(i));
    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it("masks secrets and cuts outputs before the store sees them", async () => {
    const { store, batches } = fakeStore();
    const recorder = new Recorder(store, logs().log);
    await recorder.record(op(1, { command: "mysql -u root -pS3cret! app", stdout: "x".repeat(40_000) }));
    const [stored] = batches.flat();
    expect(stored).toMatchObject({ id: "job-1:web-01", vm: "web-01", host: "10.0.0.1", user: "ops", caller: "ada" });
    expect(stored?.command).toBe("mysql -u root -p*** app");
    expect(stored?.stdout).toMatch(/\[truncated: 40000 characters, first 30000 kept\]$/);
    expect(stored?.timestamp).toBe(1_767_225_600.001);
  });

  it("never fails the operation when the store fails, and logs the first failure and one in every 100", async () => {
    const { log, lines } = logs();
    const rejecting = new Recorder(fakeStore(async () => Promise.reject(new Error("disk I/O error"))).store, log);
    await Promise.all(Array.from({ length: 150 }, (_, i) => rejecting.record(op(i))));
    const throwing = new Recorder(
      fakeStore(() => {
        throw new Error("not open");
      }).store,
      log,
    );
    await throwing.record(op(1));
    const warned = lines.filter((l) => l.event === "history_write_failed");
    expect(warned.map((l) => [l.error, l.failures])).toEqual([
      ["disk I/O error", 100],
      ["disk I/O error", 150],
      ["not open", 1],
    ]);
  });

  it("answers after waitMs when the store never settles", async () => {
    const { log, lines } = logs();
    const recorder = new Recorder(fakeStore(() => new Promise<number>(() => undefined)).store, log, 50);
    const start = performance.now();
    await recorder.record(op(1));
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(lines.some((l) => l.event === "history_write_slow")).toBe(true);
  });

  it("flush writes what is queued at once", async () => {
    const { store, written } = fakeStore();
    const recorder = new Recorder(store, logs().log);
    const recorded = recorder.record(op(7));
    await recorder.flush();
    expect(written()).toEqual(["job-7:web-01"]);
    await recorded;
    await recorder.flush();
  });
});
