import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { plainAnalyzer } from "./analyzer.js";
import type { OperationRecord } from "./record.js";
import { Statements } from "./sqlite-filter.js";
import { CREATE_VOCAB } from "./sqlite-schema.js";
import { SELECTIVE_MIN_RECORDS, selectiveExpression } from "./sqlite-selective.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { rec } from "./store-contract-records.js";

const all = { vms: ["web1"] };

/**
 * SELECTIVE_MIN_RECORDS records: every one says "service", one in five "restarted", `rare`
 * of them "segfault" (the first ones).
 */
function history(rare: number): OperationRecord[] {
  return Array.from({ length: SELECTIVE_MIN_RECORDS }, (_, i) =>
    rec({
      command: `systemctl status app${i}`,
      stdout: ["service running", i % 5 === 0 ? "restarted" : "", i < rare ? "segfault at 0" : ""].join(" "),
    }),
  );
}

describe("dropping common terms from a search", () => {
  let dir: string;
  let file: string;
  let store: SqliteHistoryStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "history-selective-"));
    file = join(dir, "history.sqlite");
    store = SqliteHistoryStore.open(file, plainAnalyzer);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The expression the store would search with, read through a second connection. */
  function narrowed(expression: string): string {
    const db = new Database(file);
    try {
      db.exec(CREATE_VOCAB);
      return selectiveExpression(new Statements(db), expression);
    } finally {
      db.close();
    }
  }

  it("leaves out terms in more than a tenth of the records when rarer ones remain", async () => {
    await store.add(history(30));
    expect(narrowed('"service" OR "restarted" OR "segfault"')).toBe('"segfault"');
    // A prefix counts every word it starts; a phrase no more than its rarest word.
    expect(narrowed('"serv"* OR "segf"*')).toBe('"segf"*');
    expect(narrowed('"service running" OR "segfault at"')).toBe('"segfault at"');
    // Only common terms, or an expression that is not a flat OR list: kept whole.
    expect(narrowed('"service" OR "restarted"')).toBe('"service" OR "restarted"');
    expect(narrowed('"service" AND "segfault"')).toBe('"service" AND "segfault"');
    expect(narrowed('("service" OR "segfault")')).toBe('("service" OR "segfault")');
    // A word the index does not hold is kept: it costs nothing.
    expect(narrowed('"service" OR "kernel"')).toBe('"kernel"');
  });

  it("answers from the rare terms when they fill it, and from every term when they cannot", async () => {
    await store.add(history(30));
    // "segfault" alone ranks: the records that also say "restarted" are not put first.
    const rare = await store.search({ ...all, text: "restarted segfault", limit: 10 });
    expect(rare).toHaveLength(10);
    expect(rare.every((h) => /^(?!.*restarted).*segfault/.test(h.record.stdout))).toBe(true);

    // 30 records say "segfault": for 50 hits, every term ranks, both words first.
    const few = await store.search({ ...all, text: "restarted segfault", limit: 50 });
    expect(few).toHaveLength(50);
    expect(few.slice(0, 30).every((h) => h.record.stdout.includes("segfault"))).toBe(true);
    expect(few[0]?.record.stdout).toContain("restarted");

    // Only the common word matches anything: the whole expression answers.
    expect(await store.search({ ...all, text: "service kernel", limit: 10 })).toHaveLength(10);
  });

  it("keeps every term in a collection's search and below SELECTIVE_MIN_RECORDS records", async () => {
    await store.add(history(30));
    // Both words rank first only when "restarted" (in a fifth of the records) is kept.
    const [narrowedTop] = await store.search({ ...all, text: "restarted segfault", limit: 10 });
    expect(narrowedTop?.record.stdout).not.toContain("restarted");
    const [wholeTop] = await store.search({ ...all, text: "restarted segfault", collection: "stdout", limit: 10 });
    expect(wholeTop?.record.stdout).toContain("restarted");
    expect(wholeTop?.record.stdout).toContain("segfault");

    const small = mkdtempSync(join(tmpdir(), "history-selective-small-"));
    const few = SqliteHistoryStore.open(join(small, "history.sqlite"), plainAnalyzer);
    try {
      await few.add(history(30).slice(0, SELECTIVE_MIN_RECORDS - 1));
      const db = new Database(join(small, "history.sqlite"));
      db.exec(CREATE_VOCAB);
      expect(selectiveExpression(new Statements(db), '"service" OR "segfault"')).toBe('"service" OR "segfault"');
      db.close();
    } finally {
      await few.close();
      rmSync(small, { recursive: true, force: true });
    }
  });

  it("reads the rebuilt index after a reindex", async () => {
    await store.add(history(30));
    await store.close();
    store = SqliteHistoryStore.open(file, { ...plainAnalyzer, name: "plain-2" }, { forReindex: true });
    await store.reindex();
    const hits = await store.search({ ...all, text: "restarted segfault", limit: 10 });
    expect(hits.every((h) => /^(?!.*restarted).*segfault/.test(h.record.stdout))).toBe(true);
  });
});
