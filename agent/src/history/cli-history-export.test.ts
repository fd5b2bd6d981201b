import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, config, dataDir, dir, file, history, importing, root } from "./cli-history-fixture.js";
import { importedRecord, parseImportLine } from "./import-line.js";
import { maskSecrets } from "./mask.js";
import { HISTORY_OUTPUT_CHARS, type OperationRecord, truncateForHistory } from "./record.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { rec, T0 } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

describe("history export", () => {
  function imported(line: object, vm: string): OperationRecord {
    const parsed = parseImportLine(JSON.stringify(line));
    if ("problem" in parsed) throw new Error(parsed.problem);
    return importedRecord(parsed.line, parsed.timestamp, vm);
  }

  /** Records as the agent itself stores them: masked, cut, some without exit status, one VM ran twice at once. */
  async function seed(data: string): Promise<OperationRecord[]> {
    const store = SqliteHistoryStore.open(join(data, "history.sqlite"), vocabularyAnalyzer);
    const long = `${"line of output\n".repeat(3000)}password=hunter2\n`;
    const seeded = [
      rec({ vm: "web1", host: "10.0.0.1", command: "journalctl -n 5", stdout: "é ü 日本\n", duration_ms: 12.5 }),
      rec({ vm: "db1", host: "db.internal", user: "root", stdout: truncateForHistory(maskSecrets(long)) }),
      rec({ vm: "web2", return_code: null, stderr: "killed", timestamp: T0 + 50.000001 }),
      rec({ vm: "web1", id: "j9:web1", job_id: "j9", timestamp: T0 + 50.000001, caller: "" }),
      // Imported earlier from the original: no job_id, no caller.
      imported({ host: "db.internal", command: "foo", return_code: 127, timestamp: T0 - 86_400 }, "db1"),
    ];
    expect(seeded[1]?.stdout.length).toBeGreaterThan(HISTORY_OUTPUT_CHARS);
    await store.add(seeded);
    await store.close();
    return seeded;
  }

  it("round-trips through import: export, import into a fresh data dir, export again, identical", async () => {
    const seeded = await seed(dataDir("a"));
    const first = await history(["export", "--data-dir", dataDir("a")]);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split("\n");
    expect(lines).toHaveLength(seeded.length);
    expect(Object.keys(JSON.parse(lines[0] ?? "{}"))).toEqual([
      "host",
      "user",
      "command",
      "stdout",
      "stderr",
      "return_code",
      "timestamp",
      "vm",
      "job_id",
      "caller",
      "duration_ms",
    ]);

    const imported = await importing(file("export.jsonl", first.stdout), dataDir("b"));
    expect(imported.stdout).toMatch(/^5 lines: 5 imported, 0 already in the history, 0 skipped;/);
    const second = await history(["export", "--data-dir", dataDir("b")]);
    expect(second.stdout).toBe(first.stdout);
    // An export imported back into the history it came from adds nothing.
    expect((await importing(join(dir, "export.jsonl"), dataDir("a"))).stdout).toMatch(
      /^5 lines: 0 imported, 5 already/,
    );
  });

  it("exports from a time on, to a file only its owner can read", async () => {
    await seed(dataDir());
    const out = join(dir, "out", "..", "since.jsonl");
    const r = await history(["export", "--data-dir", dataDir(), "--since", String(T0), "-o", out]);
    expect(r).toMatchObject({
      code: 0,
      stdout: "",
      stderr: `telecommande-agent history export: 4 records written to ${out}\n`,
    });
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(4);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const iso = await history(["export", "--data-dir", dataDir(), "--since", new Date((T0 + 50) * 1000).toISOString()]);
    expect(iso.stdout.trim().split("\n")).toHaveLength(2);
    const bad = await history(["export", "--data-dir", dataDir(), "-o", join(dir, "missing", "x.jsonl")]);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot write .*x\.jsonl \(ENOENT\)\n$/) });
  });
});

describe("history stats", () => {
  it("counts the records, their span, size, analyzer and busiest VMs", async () => {
    const store = SqliteHistoryStore.open(join(dataDir(), "history.sqlite"), vocabularyAnalyzer);
    await store.add(
      Array.from({ length: 12 }, (_, vm) =>
        Array.from({ length: vm + 1 }, (_, i) => rec({ vm: `vm${vm}`, timestamp: T0 + vm * 100 + i })),
      ).flat(),
    );
    await store.close();
    const json = await history(["stats", "--json", "--data-dir", dataDir()]);
    const stats = JSON.parse(json.stdout);
    expect(stats).toMatchObject({
      file: join(dataDir(), "history.sqlite"),
      records: 78,
      oldest: new Date(T0 * 1000).toISOString(),
      newest: new Date((T0 + 1111) * 1000).toISOString(),
      analyzer: vocabularyAnalyzer.name,
      index_analyzer: vocabularyAnalyzer.name,
      vms: 12,
    });
    expect(stats.size_bytes).toBeGreaterThan(0);
    expect(stats.top_vms).toHaveLength(10);
    expect(stats.top_vms[0]).toEqual({ vm: "vm11", count: 12 });
    const text = await history(["stats", "--data-dir", dataDir()]);
    expect(text.stdout).toContain("Records:      78\n");
    expect(text.stdout).toContain("Records per VM (top 10 of 12):\n  vm11  12\n  vm10  11\n");
    expect(text.stdout).toMatch(/Size on disk: \d+\.\d [KM]B\n/);
  });
});

describe("the binary's history commands", () => {
  const run = (args: string[], shell?: string) =>
    spawnSync(shell ? "bash" : process.execPath, shell ? ["-c", shell] : [BIN, ...args], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", HOME: root },
      timeout: 20_000,
    });

  it("exits 1 with one line and no stack trace on a file it cannot read", () => {
    const r = run(["history", "import", "--config", config, "--data-dir", dataDir(), join(dir, "none.jsonl")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`telecommande-agent history import: cannot read ${join(dir, "none.jsonl")} (ENOENT)\n`);
  });

  it("lists the history commands in the agent's help", () => {
    const r = run(["--help"]);
    expect(r.stdout).toContain("telecommande-agent history <import|export|stats|reindex>");
    expect(r.stdout).toContain("--history-max-age-days");
  });

  it("stops quietly when the reader of an export goes away", async () => {
    const store = SqliteHistoryStore.open(join(dataDir(), "history.sqlite"), vocabularyAnalyzer);
    await store.add(Array.from({ length: 3000 }, (_, i) => rec({ stdout: `output ${i} `.repeat(20) })));
    await store.close();
    const r = run(
      [],
      `node ${BIN} history export --data-dir ${dataDir()} | head -1; echo "exit \${PIPESTATUS[0]}" >&2`,
    );
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toBe("exit 0\n");
  });
});
