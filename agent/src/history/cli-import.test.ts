import { Readable } from "node:stream";
import type { Vm } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { IMPORT_BATCH, IMPORT_BATCH_CHARS, type ImportOptions, importJsonl } from "./cli-import.js";
import type { OperationRecord } from "./record.js";

const vm = (name: string, host: string, agent?: string): Vm =>
  ({ name, host, user: "u", port: 22, ...(agent ? { agent } : {}) }) as Vm;
const VMS = [vm("web1", "10.0.0.1"), vm("web2", "10.0.0.1"), vm("db1", "db.internal"), vm("far", "10.9.9.9", "dc2")];

function run(lines: string[], options: Partial<ImportOptions> = {}) {
  const batches: number[] = [];
  const stored = new Map<string, OperationRecord>();
  const notes: string[] = [];
  const done = importJsonl({
    add: async (records) => {
      batches.push(records.length);
      let added = 0;
      for (const r of records) {
        if (stored.has(r.id)) continue;
        stored.set(r.id, r);
        added++;
      }
      return added;
    },
    // One chunk per line, as a large file arrives: lines must be read whatever the chunking.
    input: Readable.from(lines.map((l) => `${l}\n`)),
    vms: VMS,
    agent: "default",
    note: (line) => notes.push(line),
    ...options,
  });
  return { done, batches, stored, notes };
}

const line = (fields: object) => JSON.stringify({ command: "uptime", timestamp: 1_767_225_600, ...fields });

describe("importJsonl", () => {
  it("adds in batches and reports progress", async () => {
    const lines = Array.from({ length: 1_250 }, (_, i) => line({ host: "db.internal", command: `echo ${i}` }));
    const { done, batches, stored, notes } = run(lines, { progressEvery: 500 });
    expect(await done).toEqual({ lines: 1250, imported: 1250, duplicates: 0, skipped: 0, skippedBy: {}, older: 0 });
    expect(batches).toEqual([IMPORT_BATCH, IMPORT_BATCH, 250]);
    expect(stored.size).toBe(1250);
    expect(notes).toEqual([
      "500 lines read: 500 imported, 0 already there, 0 skipped",
      "1000 lines read: 1000 imported, 0 already there, 0 skipped",
    ]);
  });

  it("writes large outputs in smaller batches, so each transaction stays short", async () => {
    const stdout = "x".repeat(20_000);
    const lines = Array.from({ length: 60 }, (_, i) => line({ host: "db.internal", command: `cat ${i}`, stdout }));
    const { done, batches } = run(lines);
    expect(await done).toMatchObject({ imported: 60 });
    const perBatch = Math.ceil(IMPORT_BATCH_CHARS / (stdout.length + "cat 0".length));
    expect(batches).toEqual([perBatch, perBatch, 60 - 2 * perBatch]);
  });

  it("counts a line repeated in the file once", async () => {
    const same = line({ host: "db.internal" });
    const { done } = run([
      same,
      same,
      line({ host: "db.internal", job_id: "j" }),
      line({ vm: "db1", host: "x", job_id: "j" }),
    ]);
    expect(await done).toMatchObject({ lines: 4, imported: 2, duplicates: 2 });
  });

  it("sends a shared host's lines to its first VM, saying so once, and a line's vm wins", async () => {
    const { done, stored, notes } = run([
      line({ host: "10.0.0.1", command: "a" }),
      line({ host: "10.0.0.1", command: "b" }),
      line({ host: "10.0.0.1", vm: "web2", command: "c" }),
      line({ host: "db1", command: "d" }),
    ]);
    await done;
    expect([...stored.values()].map((r) => `${r.command}@${r.vm}`)).toEqual(["a@web1", "b@web1", "c@web2", "d@db1"]);
    expect(notes).toEqual(['host "10.0.0.1" is the host of VMs web1, web2: its lines without "vm" go to web1']);
  });

  it("shows the first 20 skipped lines and counts the rest", async () => {
    const lines = Array.from({ length: 30 }, () => line({ host: "nowhere" }));
    const { done, notes } = run(lines);
    expect(await done).toMatchObject({ lines: 30, imported: 0, skipped: 30, skippedBy: { "unknown host": 30 } });
    expect(notes).toHaveLength(21);
    expect(notes[19]).toMatch(/^line 20: no VM in the config has host "nowhere"/);
    expect(notes[20]).toBe("further skipped lines are only counted");
  });

  it("counts the records older than the retention keeps", async () => {
    const { done } = run(
      [line({ host: "db.internal", timestamp: 100 }), line({ host: "db.internal", timestamp: 990 })],
      {
        maxAgeS: 100,
        now: () => 1000,
      },
    );
    expect(await done).toMatchObject({ imported: 2, older: 1 });
  });

  it("fails when the input fails instead of ending early", async () => {
    const input = new Readable({
      read() {
        this.push(`${line({ host: "db.internal" })}\n`);
        this.destroy(Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" }));
      },
    });
    await expect(run([], { input }).done).rejects.toThrow(/EIO/);
  });
});
