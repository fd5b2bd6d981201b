import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { plainAnalyzer } from "./analyzer.js";
import { runHistoryCli } from "./cli-history.js";
import { importedRecord, parseImportLine } from "./import-line.js";
import { maskSecrets } from "./mask.js";
import { HISTORY_OUTPUT_CHARS, type OperationRecord, truncateForHistory } from "./record.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { rec, T0 } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

const BIN = fileURLToPath(new URL("../../bin/agent.mjs", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "tc-history-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let n = 0;
let dir: string;
let config: string;
beforeEach(() => {
  dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `vms:
- {name: web1, host: 10.0.0.1, user: deploy}
- {name: web2, host: 10.0.0.1, user: deploy}
- {name: db1, host: db.internal, user: root}
- {name: far, host: 10.9.9.9, user: x, agent: dc2}
agents: [{name: dc2, token_sha256: "${"b".repeat(64)}"}]
`,
  );
});

async function history(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const stdin = Readable.from([options.stdin ?? ""]);
  const code = await runHistoryCli(args, { stdin, stdout, stderr, env: { ...options.env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const dataDir = (name = "data") => join(dir, name);
const jsonl = (lines: object[]) => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const importing = (path: string, data = dataDir()) =>
  history(["import", "--config", config, "--data-dir", data, path], {
    env: { TELECOMMANDE_HISTORY_MAX_AGE_DAYS: "0" },
  });

async function records(data = dataDir()): Promise<OperationRecord[]> {
  const store = SqliteHistoryStore.open(join(data, "history.sqlite"), vocabularyAnalyzer);
  const out: OperationRecord[] = [];
  for await (const r of store.export()) out.push(r);
  await store.close();
  return out;
}

describe("history import", () => {
  it("imports the original's records, keeping host, user, job_id and timestamp, and a second time adds nothing", async () => {
    const path = file(
      "original.jsonl",
      jsonl([
        { host: "10.0.0.1", user: "ubuntu", command: "df -h", stdout: "/dev/sda1 100%", return_code: 0, timestamp: T0 },
        {
          host: "db.internal",
          user: "root",
          command: "mysql -u root -pS3cret -e 'select 1'",
          stdout: "",
          stderr: "ERROR 2002",
          return_code: 1,
          timestamp: "2026-01-01T00:00:01.25Z",
          job_id: "5f0c",
        },
        { host: "web2.example", vm: "web2", command: "uptime", timestamp: T0 + 2 },
      ]),
    );
    const first = await importing(path);
    expect(first).toMatchObject({ code: 0, stderr: expect.stringContaining("VMs web1, web2") });
    expect(first.stdout).toBe(
      `3 lines: 3 imported, 0 already in the history, 0 skipped; into ${join(dataDir(), "history.sqlite")}\n`,
    );
    const stored = await records();
    expect(stored).toEqual([
      expect.objectContaining({ vm: "web1", host: "10.0.0.1", user: "ubuntu", job_id: "", timestamp: T0 }),
      expect.objectContaining({
        id: "5f0c:db1",
        vm: "db1",
        job_id: "5f0c",
        command: "mysql -u root -p*** -e 'select 1'",
        return_code: 1,
        timestamp: T0 + 1.25,
      }),
      expect.objectContaining({ vm: "web2", host: "web2.example", user: "", return_code: null, caller: "" }),
    ]);
    const again = await importing(path);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^3 lines: 0 imported, 3 already in the history, 0 skipped;/);
    expect(await records()).toEqual(stored);
  });

  it("skips the lines it cannot place, saying which and why, imports the rest and exits 1", async () => {
    const path = file(
      "mixed.jsonl",
      [
        JSON.stringify({ host: "10.9.9.9", command: "uptime", timestamp: T0 }),
        JSON.stringify({ host: "nowhere", command: "uptime", timestamp: T0 }),
        "",
        JSON.stringify({ host: "db.internal", vm: "db9", command: "uptime", timestamp: T0 }),
        "{not json",
        JSON.stringify({ host: "db.internal", command: "uptime", timestamp: T0 }),
      ].join("\n"),
    );
    const r = await importing(path);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^5 lines: 1 imported, 0 already in the history, 4 skipped \(1 another agent's VM, 1 unknown host, 1 unknown VM, 1 invalid\);/,
    );
    expect(r.stderr.trim().split("\n")).toEqual([
      'telecommande-agent history import: line 1: VM "far" is served by agent "dc2", not "default": import it into that agent\'s history; skipped',
      'telecommande-agent history import: line 2: no VM in the config has host "nowhere" (give the line a "vm"); skipped',
      'telecommande-agent history import: line 4: VM "db9" is not in the config; skipped',
      "telecommande-agent history import: line 5: not JSON (error at character 2); skipped",
    ]);
    expect((await records()).map((x) => x.vm)).toEqual(["db1"]);
  });

  it("imports another agent's VMs when told it is that agent, and reads stdin for -", async () => {
    const r = await history(["import", "--config", config, "--name", "dc2", "--data-dir", dataDir(), "-"], {
      stdin: jsonl([{ host: "10.9.9.9", command: "uptime", timestamp: T0 }]),
      env: { TELECOMMANDE_HISTORY_MAX_AGE_DAYS: "0" },
    });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect((await records()).map((x) => x.vm)).toEqual(["far"]);
  });

  it("writes in batches, and warns about records the retention will remove", async () => {
    const lines = Array.from({ length: 1234 }, (_, i) => ({ host: "db.internal", command: `echo ${i}`, timestamp: i }));
    const r = await history(["import", "--data-dir", dataDir(), file("many.jsonl", jsonl(lines))], {
      env: { CONFIG: config, TELECOMMANDE_HISTORY_MAX_RECORDS: "1000" },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1234 lines: 1234 imported,/);
    expect(r.stderr).toContain("1234 of these records are older than 90 days");
    expect(r.stderr).toContain("the history holds 1234 records, more than 1000");
    expect(await records()).toHaveLength(1234);
  });

  it("refuses a history indexed by another analyzer until it is reindexed", async () => {
    const old = SqliteHistoryStore.open(join(dataDir(), "history.sqlite"), plainAnalyzer);
    await old.add([rec({ vm: "db1", command: "df -h", stderr: "No space left on device" })]);
    await old.close();
    const path = file("one.jsonl", jsonl([{ host: "db.internal", command: "uptime", timestamp: T0 }]));
    const refused = await importing(path);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^telecommande-agent history import: The history index in .* "plain" analyzer.*reindex/,
    );

    const stats = await history(["stats", "--data-dir", dataDir()]);
    expect(stats.stdout).toContain(`built with "plain", but this agent uses "${vocabularyAnalyzer.name}"`);
    const reindex = await history(["reindex", "--data-dir", dataDir()]);
    expect(reindex.code).toBe(0);
    expect(reindex.stdout).toMatch(
      new RegExp(
        `^Reindexed 1 records with the "${vocabularyAnalyzer.name}" analyzer in \\d+\\.\\d\\d s \\(it was built with "plain"\\)\\n$`,
      ),
    );
    expect((await importing(path)).code).toBe(0);
  });

  it.each([
    [["import", "--config", "CONFIG"], 2, /import: the file to import is needed \(see --help\)/],
    [["import", "a.jsonl", "b.jsonl"], 2, /one file at a time, got 2/],
    [
      ["import", "--config", "/nonexistent.yaml", "x.jsonl"],
      1,
      /cannot read config file \/nonexistent\.yaml \(ENOENT\)/,
    ],
    [["import", "--config", "CONFIG", "/nonexistent.jsonl"], 1, /cannot read \/nonexistent\.jsonl \(ENOENT\)/],
    [["import", "--config", "CONFIG", "DIR"], 1, /is a directory/],
    [["export", "--since", "later"], 2, /--since must be epoch seconds/],
    [["export", "--nope"], 2, /export: Unknown option '--nope' \(see --help\)/],
    [["stats"], 1, /stats: no history at .*history\.sqlite \(the agent creates it when it starts; see --data-dir\)/],
    [["purge"], 2, /^telecommande-agent history: unknown command "purge" \(see --help\)/],
    [[], 2, /^telecommande-agent history: a command is needed first: import, export, stats or reindex/],
  ])("answers %j with one line and exit code %i", async (args, code, pattern) => {
    const argv = [...args.map((a) => (a === "CONFIG" ? config : a === "DIR" ? dir : a)), "--data-dir", dataDir()];
    const r = await history(argv);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim()).not.toContain("\n");
    expect(r.stdout).toBe("");
  });

  it("says what is wrong with the config", async () => {
    writeFileSync(config, "vms: [{name: a, host: h}]\n");
    const r = await importing(file("x.jsonl", ""));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Invalid ${config} (1 problem):`);
  });

  it("prints each command's help", async () => {
    expect(await history(["--help"])).toMatchObject({ code: 0, stdout: expect.stringContaining("Commands:") });
    for (const command of ["import", "export", "stats", "reindex"]) {
      const r = await history([command, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: telecommande-agent history ${command}`);
    }
    expect((await history(["import", "-h"])).stdout).toContain("The agent may keep running meanwhile");
  });
});

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
