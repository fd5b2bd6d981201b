/**
 * @module The contract's filter cases (see store-contract.ts): the VM list is the caller's
 * permission, so no search, statistic or suggestion may show anything of another VM.
 */
import { expect, it } from "vitest";
import { EMPTY_STATISTICS, type HistoryFilter, type HistoryStore } from "./store.js";
import { rec, T0 } from "./store-contract-records.js";

export function filterCases(current: () => HistoryStore): void {
  /** The caller's VMs hold one weak match each; the hidden VM holds many strong ones. */
  async function addMixed(store: HistoryStore): Promise<void> {
    const hidden = Array.from({ length: 60 }, (_, i) =>
      rec({
        vm: "secret",
        host: "10.9.9.9",
        user: "root",
        command: `cat /srv/vault/${i} # vault vault`,
        stdout: "vault vault vault token\n",
        stderr: "vault sealed\n",
        return_code: i % 2,
        timestamp: T0 + 100 + i,
      }),
    );
    await store.add([
      ...hidden,
      rec({
        id: "w1",
        vm: "web1",
        host: "10.0.0.1",
        user: "deploy",
        command: "ls /srv/vault",
        stdout: "a long listing of things that mentions the vault once among many other words\n",
        timestamp: T0 + 1,
      }),
      rec({
        id: "w2",
        vm: "web2",
        host: "10.0.0.2",
        user: "admin",
        command: "du -sh /srv/vault",
        return_code: 1,
        stderr: "du: permission denied\n",
        timestamp: T0 + 2,
      }),
      rec({ id: "d1", vm: "db1", host: "db1.internal", user: "deploy", command: "vault status", timestamp: T0 + 3 }),
    ]);
  }

  const mine: HistoryFilter = { vms: ["web1", "web2", "db1"] };

  it("never shows another VM's operations", async () => {
    const store = current();
    await addMixed(store);
    const hits = await store.search({ ...mine, text: "vault token sealed", limit: 3 });
    expect(hits.map((h) => h.record.id).sort()).toEqual(["d1", "w1", "w2"]);
    for (const collection of ["commands", "stdout", "stderr"] as const) {
      const found = await store.search({ ...mine, text: "vault", collection, limit: 50 });
      expect(found.every((h) => h.record.vm !== "secret")).toBe(true);
    }
    const stats = await store.statistics(mine);
    expect(stats.commands_executed).toBe(3);
    expect(stats.successful_commands).toBe(2);
    expect(stats.failed_commands).toBe(1);
    expect(stats.most_used_hosts.map((h) => h.host)).not.toContain("10.9.9.9");
    expect(stats.most_common_commands.every((c) => !c.command.startsWith("cat /srv/vault/"))).toBe(true);
    expect(stats.recent_errors.map((e) => e.command)).toEqual(["du -sh /srv/vault"]);
    const suggestions = await store.suggest({ ...mine, context: "vault", limit: 50 });
    expect(suggestions.map((s) => s.command).sort()).toEqual(["ls /srv/vault", "vault status"]);
  });

  it("finds the caller's operations even when other VMs' hits outrank them all", async () => {
    const store = current();
    await addMixed(store);
    const hits = await store.search({ vms: ["web1"], text: "vault", limit: 1 });
    expect(hits.map((h) => h.record.id)).toEqual(["w1"]);
    const suggestions = await store.suggest({ vms: ["web1"], context: "vault", limit: 1 });
    expect(suggestions.map((s) => s.command)).toEqual(["ls /srv/vault"]);
  });

  it("shows nothing for an empty VM list", async () => {
    const store = current();
    await addMixed(store);
    expect(await store.search({ vms: [], text: "vault", limit: 10 })).toEqual([]);
    expect(await store.suggest({ vms: [], context: "vault", limit: 10 })).toEqual([]);
    const stats = await store.statistics({ vms: [] });
    expect(stats).toEqual(EMPTY_STATISTICS);
  });

  it("filters by host, matching the host or the VM's name", async () => {
    const store = current();
    await addMixed(store);
    const ids = async (host: string) =>
      (await store.search({ ...mine, host, text: "vault", limit: 10 })).map((h) => h.record.id);
    expect(await ids("10.0.0.2")).toEqual(["w2"]);
    expect(await ids("db1")).toEqual(["d1"]);
    expect(await ids("db1.internal")).toEqual(["d1"]);
    expect(await ids("10.9.9.9")).toEqual([]);
    expect((await store.statistics({ ...mine, host: "web1" })).commands_executed).toBe(1);
    expect((await store.suggest({ ...mine, host: "db1", context: "vault", limit: 10 })).map((s) => s.command)).toEqual([
      "vault status",
    ]);
  });

  it("filters by SSH user", async () => {
    const store = current();
    await addMixed(store);
    const hits = await store.search({ ...mine, user: "deploy", text: "vault", limit: 10 });
    expect(hits.map((h) => h.record.id).sort()).toEqual(["d1", "w1"]);
    expect((await store.statistics({ ...mine, user: "admin" })).commands_executed).toBe(1);
    expect(await store.search({ ...mine, user: "root", text: "vault", limit: 10 })).toEqual([]);
  });

  it("filters by time, from `since` on", async () => {
    const store = current();
    await addMixed(store);
    const hits = await store.search({ ...mine, since: T0 + 2, text: "vault", limit: 10 });
    expect(hits.map((h) => h.record.id).sort()).toEqual(["d1", "w2"]);
    const stats = await store.statistics({ ...mine, since: T0 + 3 });
    expect(stats.commands_executed).toBe(1);
    expect((await store.suggest({ ...mine, since: T0 + 2, context: "vault", limit: 10 })).length).toBe(1);
  });
}
