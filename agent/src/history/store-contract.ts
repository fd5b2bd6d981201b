/**
 * @module What every history store must do, as a vitest suite each store's tests run
 * (`historyStoreContract("sqlite", make)`). Questions use only words that literally occur
 * in the records, so a store may rank by BM25, vectors or both and still pass; the
 * assertions are about what is found, what is never found, and the order where the
 * texts leave no doubt.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HistoryStore } from "./store.js";
import { filterCases } from "./store-contract-filters.js";
import { exported, rec, T0 } from "./store-contract-records.js";

export interface ContractStore {
  store: HistoryStore;
  cleanup(): Promise<void>;
}

export type MakeStore = () => Promise<ContractStore>;

export function historyStoreContract(name: string, make: MakeStore): void {
  describe(`history store contract: ${name}`, () => {
    let made: ContractStore;
    let store: HistoryStore;
    const all = { vms: ["web1", "web2", "db1", "secret"] };

    beforeEach(async () => {
      made = await make();
      store = made.store;
    });
    afterEach(async () => {
      await made.cleanup();
    });

    it("keeps every field of a record exactly", async () => {
      const records = [
        rec({
          id: "j1:web1",
          job_id: "j1",
          caller: "zoé@example.com",
          command: "echo 'héllo wörld 🚀' && printf '日本語\\n'",
          stdout: "héllo wörld 🚀\n日本語\n",
          stderr: "warning: ünïcode\n",
          return_code: 0,
          timestamp: T0 + 0.123456,
          duration_ms: 3.75,
        }),
        rec({ id: "j2:db1", vm: "db1", host: "db.internal", user: "root", return_code: null, timestamp: T0 + 1.5 }),
        rec({ id: "j3:web2", vm: "web2", return_code: 255, stdout: "x".repeat(30_000), timestamp: T0 + 2.000001 }),
      ];
      await store.add(records);
      expect(await store.count()).toBe(3);
      expect(await exported(store)).toEqual(records);
      const [hit] = await store.search({ ...all, text: "wörld", limit: 5 });
      expect(hit?.record).toEqual(records[0]);
    });

    it("adds an id again without replacing it or failing, and counts only what was new", async () => {
      const first = rec({ id: "same:web1", command: "uptime" });
      expect(await store.add([first])).toBe(1);
      expect(await store.add([{ ...first, command: "reboot" }, first])).toBe(0);
      expect(await store.count()).toBe(1);
      expect(await exported(store)).toEqual([first]);
      expect(await store.search({ ...all, text: "reboot", limit: 5 })).toEqual([]);
      expect(await store.search({ ...all, text: "uptime", limit: 5 })).toHaveLength(1);
    });

    filterCases(() => store);

    it("finds by command, stdout and stderr text", async () => {
      await store.add([
        rec({ id: "c", command: "journalctl -u postgresql" }),
        rec({ id: "o", command: "cat /etc/motd", stdout: "Welcome to zanzibar\n" }),
        rec({ id: "e", command: "make", stderr: "undefined reference to frobnicate\n", return_code: 2 }),
      ]);
      const ids = async (text: string) => (await store.search({ ...all, text, limit: 5 })).map((h) => h.record.id);
      expect(await ids("postgresql")).toEqual(["c"]);
      expect(await ids("zanzibar")).toEqual(["o"]);
      expect(await ids("frobnicate")).toEqual(["e"]);
      expect(await ids("nothing-like-this-anywhere")).toEqual([]);
    });

    it("restricts a search to one collection", async () => {
      await store.add([
        rec({ id: "cmd", command: "grep kraken /var/log/syslog" }),
        rec({ id: "out", command: "cat notes", stdout: "the walrus sleeps\n" }),
        rec({ id: "err", command: "ls", stderr: "ls: cannot access 'walrus': No such file\n", return_code: 2 }),
      ]);
      const ids = async (text: string, collection: "commands" | "stdout" | "stderr") =>
        (await store.search({ ...all, text, collection, limit: 5 })).map((h) => h.record.id);
      expect(await ids("walrus", "commands")).toEqual([]);
      expect(await ids("walrus", "stdout")).toEqual(["out"]);
      expect(await ids("walrus", "stderr")).toEqual(["err"]);
      expect(await ids("kraken", "commands")).toEqual(["cmd"]);
      expect(await ids("kraken", "stdout")).toEqual([]);
    });

    it("returns at most `limit` hits, best first, ties to the newer", async () => {
      await store.add([
        rec({ id: "one", command: "nginx -v", timestamp: T0 + 1 }),
        rec({ id: "both", command: "systemctl reload nginx", timestamp: T0 + 2 }),
        rec({ id: "other", command: "systemctl status sshd", timestamp: T0 + 3 }),
        rec({ id: "twin-old", command: "uname -a", stdout: "penguin kernel", timestamp: T0 + 4 }),
        rec({ id: "twin-new", command: "uname -a", stdout: "penguin kernel", timestamp: T0 + 5 }),
      ]);
      const hits = await store.search({ ...all, text: "reload nginx", limit: 10 });
      expect(hits[0]?.record.id).toBe("both");
      expect(hits.map((h) => h.record.id).sort()).toEqual(["both", "one"]);
      expect(await store.search({ ...all, text: "reload nginx", limit: 1 })).toHaveLength(1);
      expect(await store.search({ ...all, text: "systemctl nginx sshd", limit: 2 })).toHaveLength(2);
      const scores = (await store.search({ ...all, text: "systemctl nginx sshd", limit: 10 })).map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const twins = await store.search({ ...all, text: "penguin", limit: 10 });
      expect(twins.map((h) => h.record.id)).toEqual(["twin-new", "twin-old"]);
    });

    it("counts up a known set", async () => {
      await store.add([
        rec({ vm: "web1", host: "10.0.0.1", command: "systemctl restart nginx", timestamp: T0 + 1 }),
        rec({ vm: "web1", host: "10.0.0.1", command: "systemctl restart nginx", timestamp: T0 + 2 }),
        rec({ vm: "web1", host: "10.0.0.1", command: "df -h", timestamp: T0 + 3 }),
        rec({ vm: "db1", host: "10.0.0.2", command: "df -h", timestamp: T0 + 4 }),
        rec({ vm: "web1", host: "10.0.0.1", command: "systemctl restart nginx", timestamp: T0 + 5 }),
        rec({
          vm: "web1",
          host: "10.0.0.1",
          command: "cat /nope",
          stderr: "cat: /nope: No such file or directory\n",
          return_code: 1,
          timestamp: T0 + 6,
        }),
        rec({ vm: "db1", host: "10.0.0.2", command: "ls /root", return_code: 2, timestamp: T0 + 7 }),
        rec({
          vm: "db1",
          host: "10.0.0.2",
          command: "git pull",
          stderr: "warning: x\nfatal: bad thing\n\n",
          return_code: 128,
          timestamp: T0 + 8,
        }),
        rec({ vm: "web2", host: "10.0.0.3", command: "sleep 999", return_code: null, timestamp: T0 + 9 }),
      ]);
      const stats = await store.statistics(all);
      expect(stats.commands_executed).toBe(9);
      expect(stats.successful_commands).toBe(5);
      expect(stats.failed_commands).toBe(4);
      expect(stats.most_used_hosts).toEqual([
        { host: "10.0.0.1", count: 5 },
        { host: "10.0.0.2", count: 3 },
        { host: "10.0.0.3", count: 1 },
      ]);
      expect(stats.most_common_commands.slice(0, 2)).toEqual([
        { command: "systemctl restart nginx", count: 3 },
        { command: "df -h", count: 2 },
      ]);
      expect(stats.most_common_commands).toHaveLength(6);
      const errors = stats.recent_errors;
      expect(errors.map((e) => e.command)).toEqual(["sleep 999", "git pull", "ls /root", "cat /nope"]);
      expect(errors[1]).toEqual({
        host: "10.0.0.2",
        command: "git pull",
        error: "fatal: bad thing",
        timestamp: T0 + 8,
      });
      expect(errors[2]?.error).toBe("exit code 2");
      expect(errors[3]?.error).toBe("cat: /nope: No such file or directory");
      expect(errors[0]?.error).not.toBe("");
    });

    it("keeps ten recent errors, newest first, and cuts long error lines", async () => {
      const long = "E".repeat(2_000);
      await store.add(
        Array.from({ length: 15 }, (_, i) =>
          rec({ command: `job ${i}`, stderr: long, return_code: 1, timestamp: T0 + i }),
        ),
      );
      const { recent_errors } = await store.statistics(all);
      expect(recent_errors.map((e) => e.command)).toEqual(Array.from({ length: 10 }, (_, i) => `job ${14 - i}`));
      expect(recent_errors[0]?.error).toBe("E".repeat(500));
    });

    it("suggests commands that succeeded, once each, with their success rate", async () => {
      await store.add([
        rec({ vm: "web1", host: "h1", command: "systemctl restart nginx", return_code: 0, timestamp: T0 + 1 }),
        rec({ vm: "web2", host: "h2", command: "systemctl restart nginx", return_code: 0, timestamp: T0 + 3 }),
        rec({ vm: "db1", host: "h3", command: "systemctl restart nginx", return_code: 1, timestamp: T0 + 4 }),
        rec({ vm: "web1", host: "h1", command: "nginx -t", return_code: 1, timestamp: T0 + 5 }),
        rec({ vm: "web1", host: "h1", command: "systemctl reload nginx", return_code: 0, timestamp: T0 + 2 }),
        rec({ vm: "web1", host: "h1", command: "uptime", return_code: 0, timestamp: T0 + 6 }),
      ]);
      const suggestions = await store.suggest({ ...all, context: "restart nginx", limit: 10 });
      expect(suggestions.map((s) => s.command)).toEqual(["systemctl restart nginx", "systemctl reload nginx"]);
      const [restart, reload] = suggestions;
      // Host and time of its latest successful run; the rate counts every run in the filter.
      expect(restart).toMatchObject({ host: "h2", last_used: T0 + 3, runs: 3, successes: 2 });
      expect(restart?.success_rate).toBeCloseTo(2 / 3);
      expect(reload).toMatchObject({ host: "h1", last_used: T0 + 2, success_rate: 1, runs: 1, successes: 1 });
      expect((restart?.relevance_score ?? 0) >= (reload?.relevance_score ?? 0)).toBe(true);
      expect(await store.suggest({ ...all, context: "restart nginx", limit: 1 })).toHaveLength(1);
      expect(await store.suggest({ ...all, context: "nginx -t", limit: 10 })).not.toContainEqual(
        expect.objectContaining({ command: "nginx -t" }),
      );
    });

    it("exports oldest first, from a time on", async () => {
      const records = [T0 + 5, T0 + 1, T0 + 3, T0 + 2, T0 + 4].map((timestamp) => rec({ timestamp }));
      await store.add(records);
      const sorted = [...records].sort((a, b) => a.timestamp - b.timestamp);
      expect(await exported(store)).toEqual(sorted);
      expect(await exported(store, T0 + 3)).toEqual(sorted.slice(2));
    });

    it("exports more records than fit in one read", async () => {
      const records = Array.from({ length: 1_234 }, (_, i) => rec({ timestamp: T0 + i / 7 }));
      await store.add(records);
      const out = await exported(store);
      expect(out).toHaveLength(1_234);
      expect(out.map((r) => r.id)).toEqual(records.map((r) => r.id));
    });

    it("prunes by age and by count, from search too", async () => {
      await store.add([
        rec({ id: "old", command: "echo albatross", timestamp: T0 - 100 }),
        rec({ id: "mid", command: "echo albatross", timestamp: T0 - 50 }),
        rec({ id: "new", command: "echo albatross", timestamp: T0 - 10 }),
      ]);
      expect(await store.prune({ maxAgeS: 60, now: T0 })).toBe(1);
      expect((await exported(store)).map((r) => r.id)).toEqual(["mid", "new"]);
      expect(await store.prune({ maxAgeS: 60, now: T0 })).toBe(0);
      expect(await store.prune({ maxRecords: 1, now: T0 })).toBe(1);
      expect((await exported(store)).map((r) => r.id)).toEqual(["new"]);
      expect((await store.search({ ...all, text: "albatross", limit: 10 })).map((h) => h.record.id)).toEqual(["new"]);
      expect((await store.statistics(all)).commands_executed).toBe(1);
      expect(await store.count()).toBe(1);
    });
  });
}
