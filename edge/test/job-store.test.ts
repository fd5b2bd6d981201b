/** The hub's job records: pieces kept once each, a job ended once, old and surplus ended jobs pruned. */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { JobStore, KEEP_ENDED, KEEP_MS } from "../src/hub/job-store.js";
import type { JobSpec } from "../src/hub/outcome.js";

const spec: JobSpec = { kind: "exec", vm: "vm1", caller: "alice", command: "true", timeout_ms: 1000 };
const meta = { tool: "ssh_run_command", command: "true", targets: ["vm1"] };

function withStore<R>(name: string, fn: (store: JobStore) => R): Promise<R> {
  const stub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(name));
  return runInDurableObject(stub, (_instance, state) => fn(new JobStore(state.storage.sql)));
}

function create(store: JobStore, id: string, startedAt: number) {
  store.create({ id, caller: "alice", meta, spec, startedAt, deadline: startedAt + 1000, conn: "c", outcome: null });
}

describe("job store", () => {
  it("keeps each piece once and ends a job once", async () => {
    await withStore("store-pieces", (store) => {
      create(store, "j1", 1);
      store.addChunk("j1", 0, "stdout", "a");
      store.addChunk("j1", 0, "stdout", "a again");
      store.addVm("j1", "vm1", { ok: false, code: "timeout", message: "slow", duration_ms: 5 });
      store.addVm("j1", "vm1", { ok: false, code: "internal", message: "repeat", duration_ms: 6 });
      const { chunks, vms } = store.pieces("j1");
      expect([...chunks.values()]).toEqual([{ stream: "stdout", data: "a" }]);
      expect(vms.get("vm1")).toMatchObject({ message: "slow" });
      expect(store.runningCount()).toBe(1);
      expect(store.end("j1", { ok: false, code: "cancelled", message: "first" }, 10)).toBe(true);
      expect(store.end("j1", { ok: false, code: "timeout", message: "second" }, 11)).toBe(false);
      expect(store.get("j1")).toMatchObject({ endedAt: 10, outcome: { message: "first" } });
      expect(store.runningCount()).toBe(0);
    });
  });

  it("forgets ended jobs after 24 h and beyond the count bound, never running ones", async () => {
    await withStore("store-prune", (store) => {
      const now = 10 * KEEP_MS;
      create(store, "old", now - KEEP_MS - 5);
      store.end("old", { ok: false, code: "cancelled", message: "x" }, now - KEEP_MS - 1);
      store.addChunk("old", 0, "stdout", "gone with it");
      create(store, "running-for-long", now - 2 * KEEP_MS);
      for (let i = 0; i < KEEP_ENDED + 3; i++) {
        create(store, `recent-${i}`, now - 1000);
        store.end(`recent-${i}`, { ok: false, code: "cancelled", message: "x" }, now - 1000 + i);
      }
      expect(store.prune(now)).toBe(1 + 3);
      expect(store.get("old")).toBeNull();
      expect(store.pieces("old").chunks.size).toBe(0);
      expect(store.get("running-for-long")).not.toBeNull();
      // The oldest of the recent ones went; the newest stay.
      expect(store.get("recent-0")).toBeNull();
      expect(store.get(`recent-${KEEP_ENDED + 2}`)).not.toBeNull();
    });
  });
});
