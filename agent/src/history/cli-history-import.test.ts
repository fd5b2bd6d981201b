import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plainAnalyzer } from "./analyzer.js";
import { config, dataDir, dir, file, history, importing, jsonl, records } from "./cli-history-fixture.js";
import { SqliteHistoryStore } from "./sqlite-store.js";
import { rec, T0 } from "./store-contract-records.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

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
