import { describe, expect, it } from "vitest";
import { JobJournal, type JournalMessage } from "./job-journal.js";
import { createLogger } from "./log.js";

function journal(maxBytes?: number) {
  const logs: Record<string, unknown>[] = [];
  const log = createLogger({ agent: "test", level: "debug", sink: (l) => logs.push(JSON.parse(l)) });
  return { journal: new JobJournal({ log, maxBytes }), logs };
}

const progress = (id: string, seq: number, data = "x".repeat(100)): JournalMessage => ({
  type: "progress",
  id,
  seq,
  stream: "stdout",
  data,
});
const result = (id: string, chunks: number): JournalMessage => ({
  type: "result",
  id,
  chunks,
  result: { kind: "probe", reachable: true, latency_ms: 1, reason: null },
});
const size = (m: JournalMessage) => JSON.stringify(m).length;

describe("JobJournal", () => {
  it("keeps each job's messages in order and replays them job after job", () => {
    const { journal: j } = journal();
    const a0 = progress("a", 0);
    const b0 = progress("b", 0);
    const a1: JournalMessage = { type: "error", id: "a", code: "cancelled", message: "cancelled" };
    const b1 = result("b", 1);
    for (const m of [a0, b0, a1, b1]) j.record(m.id as string, m);
    expect(j.ids()).toEqual(["a", "b"]);
    expect(j.messages("a")).toEqual([a0, a1]);
    expect(j.bytes).toBe(size(a0) + size(b0) + size(a1) + size(b1));
    const sent: JournalMessage[] = [];
    expect(j.replay((m) => sent.push(m))).toBe(4);
    expect(sent).toEqual([a0, a1, b0, b1]);
    // A replay sends; it keeps everything for the next one.
    expect(j.messages("b")).toEqual([b0, b1]);
  });

  it("forgets a job on drop", () => {
    const { journal: j } = journal();
    j.record("a", progress("a", 0));
    expect(j.has("a")).toBe(true);
    j.record("a", result("a", 1));
    j.record("b", progress("b", 0));
    expect(j.drop("a")).toBe(true);
    expect(j.drop("a")).toBe(false);
    expect(j.has("a")).toBe(false);
    expect(j.messages("a")).toEqual([]);
    expect(j.bytes).toBe(size(progress("b", 0)));
    j.clear();
    expect(j.ids()).toEqual([]);
    expect(j.bytes).toBe(0);
  });

  it("over its bound, drops the growing job's oldest output first, keeps its result, warns once", () => {
    const chunk = size(progress("a", 0));
    const { journal: j, logs } = journal(chunk * 3);
    j.record("old", progress("old", 0));
    for (let seq = 0; seq < 5; seq++) j.record("a", progress("a", seq));
    j.record("a", result("a", 5));
    const kept = j.messages("a");
    expect(kept.at(-1)).toEqual(result("a", 5));
    // Only the newest output of the job still fits beside the other job and the result.
    expect(kept.filter((m) => m.type === "progress").map((m) => (m.type === "progress" ? m.seq : -1))).toEqual([4]);
    expect(j.messages("old")).toEqual([progress("old", 0)]);
    expect(j.bytes).toBeLessThanOrEqual(chunk * 3);
    const warnings = logs.filter((l) => l.event === "journal_trimmed");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: "warn", job_id: "a" });
  });

  it("takes output from the other jobs, oldest first, when the growing job has only its answer", () => {
    const chunk = size(progress("a", 0));
    const answer = size(result("c", 0));
    expect(answer).toBeLessThan(chunk);
    const { journal: j } = journal(chunk * 2 + answer);
    j.record("a", progress("a", 0));
    j.record("b", progress("b", 0));
    j.record("c", result("c", 0));
    expect(j.messages("a")).toEqual([progress("a", 0)]);
    j.record("d", result("d", 0));
    expect(j.messages("a")).toEqual([]);
    expect(j.messages("b")).toEqual([progress("b", 0)]);
    // Still held: its answer is still to come.
    expect(j.ids()).toEqual(["a", "b", "c", "d"]);
    // Answers are never dropped, whatever the bound: every held job can still end.
    j.record("e", result("e", 0));
    j.record("f", result("f", 0));
    expect(j.messages("b")).toEqual([]);
    for (const id of ["c", "d", "e", "f"]) expect(j.messages(id)).toEqual([result(id, 0)]);
    expect(j.bytes).toBe(answer * 4);
  });
});
