import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Analyzer, plainAnalyzer, words } from "./analyzer.js";
import { errorLine } from "./error-line.js";
import { truncateForHistory } from "./record.js";
import { AnalyzerMismatchError } from "./sqlite-schema.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { historyStoreContract } from "./store-contract.js";
import { exported, rec, T0 } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

historyStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "history-contract-"));
  const store = SqliteHistoryStore.open(join(dir, "history.sqlite"), plainAnalyzer);
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** Tags an operation whose output says the disk is full; its questions are its words plus a tag for "disk". */
const diskAnalyzer: Analyzer = {
  name: "disk-test",
  tags: ({ stdout, stderr }) => (/no space left/i.test(stdout + stderr) ? ["c_disk_full"] : []),
  ftsQuery: (question) => {
    const tokens = words(question).map((w) => `"${w}"`);
    if (words(question).includes("disk")) tokens.push('"c_disk_full"');
    return tokens.length ? tokens.join(" OR ") : null;
  },
};

/** Passes the question through untouched: whatever FTS5 syntax it holds reaches SQLite. */
const rawAnalyzer: Analyzer = { name: "raw", tags: () => [], ftsQuery: (question) => question };

describe("SqliteHistoryStore", () => {
  let dir: string;
  let file: string;
  const all = { vms: ["web1"] };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "history-sqlite-"));
    file = join(dir, "nested", "data", "history.sqlite");
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates its directory and a file only its owner can read, in WAL mode", async () => {
    const store = SqliteHistoryStore.open(file, plainAnalyzer);
    await store.add([rec()]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("keeps its records across a reopen", async () => {
    const first = SqliteHistoryStore.open(file, plainAnalyzer);
    const records = [rec({ command: "echo persistent" }), rec({ return_code: null })];
    await first.add(records);
    await first.close();
    const again = SqliteHistoryStore.open(file, plainAnalyzer);
    expect(await again.count()).toBe(2);
    expect(await exported(again)).toEqual(records);
    expect(await again.search({ ...all, text: "persistent", limit: 5 })).toHaveLength(1);
    await again.close();
  });

  it("refuses a file indexed by another analyzer until it is reindexed", async () => {
    const plain = SqliteHistoryStore.open(file, plainAnalyzer);
    const full = rec({ command: "apt-get install foo", stderr: "E: No space left on device\n", return_code: 100 });
    await plain.add([full, rec({ command: "df -h" })]);
    await plain.close();

    let error: unknown;
    try {
      SqliteHistoryStore.open(file, diskAnalyzer);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AnalyzerMismatchError);
    expect(String(error)).toContain('"plain"');
    expect(String(error)).toContain('"disk-test"');
    expect(String(error)).toContain("telecommande-agent history reindex");

    const store = SqliteHistoryStore.open(file, diskAnalyzer, { forReindex: true });
    await expect(store.search({ ...all, text: "disk", limit: 5 })).rejects.toThrow(AnalyzerMismatchError);
    await expect(store.add([rec()])).rejects.toThrow(AnalyzerMismatchError);
    expect(await store.reindex()).toBe(2);
    const hits = await store.search({ ...all, text: "disk", limit: 5 });
    expect(hits.map((h) => h.record.id)).toEqual([full.id]);
    await store.close();

    const reopened = SqliteHistoryStore.open(file, diskAnalyzer);
    expect(await reopened.count()).toBe(2);
    await reopened.close();
    expect(() => SqliteHistoryStore.open(file, plainAnalyzer)).toThrow(/"disk-test".*"plain"/s);
  });

  it("reindexes more records than fit in one read", async () => {
    const plain = SqliteHistoryStore.open(file, plainAnalyzer);
    await plain.add(Array.from({ length: 1_201 }, (_, i) => rec({ stdout: i % 3 ? "ok" : "No space left on device" })));
    await plain.close();
    const store = SqliteHistoryStore.open(file, diskAnalyzer, { forReindex: true });
    expect(await store.reindex()).toBe(1_201);
    expect(await store.search({ ...all, text: "disk", limit: 1_000 })).toHaveLength(401);
    await store.close();
  });

  it("prunes what it indexed, tags included, in steps, leaving a sound index", async () => {
    const store = SqliteHistoryStore.open(file, diskAnalyzer);
    const stdout = (i: number) => (i % 3 ? "ok" : "No space left on device");
    await store.add(Array.from({ length: 1_201 }, (_, i) => rec({ stdout: stdout(i), timestamp: T0 + i })));
    expect(await store.prune({ maxRecords: 300, now: T0 })).toBe(901);
    // The newest 300 are 901..1200, of which every third (903..1200) is tagged.
    expect(await store.search({ ...all, text: "disk", limit: 1_000 })).toHaveLength(100);
    expect(await store.search({ ...all, text: "ok", limit: 1_000 })).toHaveLength(200);
    await store.close();
    // The index itself, not only the joined answer, has forgotten the pruned records.
    const db = new Database(file);
    const indexed = (word: string) =>
      db.prepare("SELECT count(*) FROM operations_fts WHERE operations_fts MATCH ?").pluck().get(word);
    expect([indexed("c_disk_full"), indexed("space"), indexed("ok")]).toEqual([100, 100, 200]);
    db.prepare("INSERT INTO operations_fts (operations_fts) VALUES ('integrity-check')").run();
    db.close();
    const again = SqliteHistoryStore.open(file, diskAnalyzer);
    expect(await again.reindex()).toBe(300);
    expect(await again.search({ ...all, text: "disk", limit: 1_000 })).toHaveLength(100);
    await again.close();
  });

  it("searches an analyzer's tags whatever the collection", async () => {
    const store = SqliteHistoryStore.open(file, diskAnalyzer);
    const full = rec({ command: "tar xf big.tar", stderr: "tar: write error: No space left on device\n" });
    await store.add([full, rec({ command: "echo fine" })]);
    for (const collection of ["commands", "stdout", "stderr", undefined] as const) {
      const hits = await store.search({ ...all, text: "disk", limit: 5, ...(collection ? { collection } : {}) });
      expect(hits.map((h) => h.record.id)).toEqual([full.id]);
    }
    await store.close();
  });

  it("refuses a file written by a newer agent", async () => {
    const store = SqliteHistoryStore.open(file, plainAnalyzer);
    await store.close();
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    db.close();
    expect(() => SqliteHistoryStore.open(file, plainAnalyzer)).toThrow(/schema version 99.*newer agent/);
  });

  it("answers questions full of FTS5 syntax instead of throwing", async () => {
    const store = SqliteHistoryStore.open(file, rawAnalyzer);
    await store.add([rec({ command: "grep -r needle /srv", stdout: "haystack: needle found\n" })]);
    const hostile = [
      'needle"',
      "needle*",
      "NEAR(needle",
      "-needle",
      "needle:",
      "((needle",
      "needle)",
      "AND needle OR",
      '"unterminated needle',
      "^needle {stdout",
      "needle + + NOT",
    ];
    for (const text of hostile) {
      const hits = await store.search({ ...all, text, limit: 5 });
      expect(
        hits.map((h) => h.record.command),
        text,
      ).toEqual(["grep -r needle /srv"]);
      expect(await store.search({ ...all, text, collection: "stdout", limit: 5 }), text).toHaveLength(1);
      expect(await store.suggest({ ...all, context: text, limit: 5 }), text).toHaveLength(1);
    }
    // Valid syntax is the analyzer's expression to keep, column filter included.
    expect(await store.search({ ...all, text: "command: needle", limit: 5 })).toHaveLength(1);
    expect(await store.search({ ...all, text: "command: needle", collection: "stdout", limit: 5 })).toEqual([]);
    expect(await store.search({ ...all, text: '"*:()-', limit: 5 })).toEqual([]);
    await store.close();
  });

  it("answers questions through the offline vocabulary's tags and phrases", async () => {
    const store = SqliteHistoryStore.open(file, vocabularyAnalyzer);
    const oom = rec({ command: "dmesg | tail", stdout: "[812.4] Out of memory: Killed process 1234 (java)\n" });
    await store.add([oom, rec({ command: "uptime", stdout: " 10:00:00 up 3 days, load average: 0.1\n" })]);
    for (const text of ["which box ran out of memory", "quelle machine a manqué de mémoire"]) {
      expect(
        (await store.search({ ...all, text, limit: 5 })).map((h) => h.record.id),
        text,
      ).toEqual([oom.id]);
    }
    await store.close();
  });

  it("finds words with or without their accents", async () => {
    const store = SqliteHistoryStore.open(file, plainAnalyzer);
    await store.add([rec({ stdout: "Mémoire insuffisante\n" })]);
    expect(await store.search({ ...all, text: "memoire", limit: 5 })).toHaveLength(1);
    expect(await store.search({ ...all, text: "MÉMOIRE", limit: 5 })).toHaveLength(1);
    await store.close();
  });
});

describe("errorLine", () => {
  it("takes stderr's last line, skipping the truncation note", () => {
    expect(errorLine("a\nreal cause  \n\n", 1)).toBe("real cause");
    expect(errorLine(truncateForHistory(`x\n${"y".repeat(40)}\nlast words\n`, 20), 1)).toBe("y".repeat(18));
    expect(errorLine("  \n", 3)).toBe("exit code 3");
    expect(errorLine("", null)).toMatch(/no exit code/);
  });
});
