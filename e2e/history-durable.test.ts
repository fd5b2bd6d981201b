/**
 * The history is durable and portable, with the real agent process: every operation whose
 * answer came back is on disk even when the agent is killed with SIGKILL right after, and
 * counted once it is restarted; `telecommande-agent history export` reads the agent's file
 * while it runs, and `history import` adds the original's records to it, which the tools
 * then return with their own host, user, job_id and timestamp.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { type GetStatistics, type SearchLogs, TOOL_NAMES } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { expectOk, runOk } from "./harness/expect-tool.js";
import { AGENT_BIN, callTool, REPO_ROOT, sshdAvailable, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const run = promisify(execFile);

/** Operations run before the kill: a few one by one, then the rest all at once. */
const SEQUENTIAL = 10;
const CONCURRENT = 30;
const N = SEQUENTIAL + CONCURRENT;
const ON = [VM.alpha, VM.beta, VM.gamma];

describe.skipIf(!sshdAvailable())("history durability", () => {
  const env = useStack();
  const dataDir = () => path.join(env.stack.dir, "agent", "agent-data");
  const history = (...args: string[]) =>
    run(process.execPath, [AGENT_BIN, "history", ...args, "--data-dir", dataDir()], { cwd: REPO_ROOT });
  const commands = Array.from({ length: N }, (_, i) => `echo durable-${i}`);

  it("counts every answered operation after the agent is killed with SIGKILL right after the last answer", async () => {
    for (let i = 0; i < SEQUENTIAL; i++) {
      await runOk(env.admin, ON[i % ON.length] as string, commands[i] as string);
    }
    await Promise.all(
      commands.slice(SEQUENTIAL).map((command, i) => runOk(env.admin, ON[i % ON.length] as string, command)),
    );
    const exit = await env.stack.agent.kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    await env.stack.agent.restart();

    const stats = expectOk<GetStatistics>(await callTool(env.admin, TOOL_NAMES.getStatistics, { time_hours: 1 }));
    expect(stats).toMatchObject({ commands_executed: N, successful_commands: N, failed_commands: 0 });
  }, 90_000);

  it("exports them with the command line while the agent runs", async () => {
    const { stdout } = await history("export", "--since", "1h");
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.command).sort()).toEqual([...commands].sort());
    for (const line of lines) {
      const i = commands.indexOf(line.command as string);
      expect(line).toMatchObject({
        vm: i < SEQUENTIAL ? ON[i % ON.length] : ON[(i - SEQUENTIAL) % ON.length],
        user: env.stack.sshd.user,
        stdout: `durable-${i}\n`,
        stderr: "",
        return_code: 0,
        job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        caller: expect.any(String),
        duration_ms: expect.any(Number),
      });
    }
    const { stdout: stats } = await history("stats", "--json");
    expect(JSON.parse(stats)).toMatchObject({ records: N, vms: ON.length });
  });

  it("imports the original's records while the agent runs; the tools return them as they were", async () => {
    const at = Math.floor(Date.now() / 1000) - 3 * 3600;
    const iso = `${new Date(at * 1000).toISOString().slice(0, 19)}.123456Z`;
    const file = path.join(env.stack.dir, "qdrant-export.jsonl");
    writeFileSync(
      file,
      [
        {
          host: "legacy-db.example",
          user: "postgres",
          command: "psql -c 'select lag from replicas'",
          stdout: "zanzibar replica lag 42s\n",
          stderr: "",
          return_code: 0,
          timestamp: iso,
          job_id: "qdrant-7f3a",
          vm: VM.alpha,
        },
        {
          host: env.stack.sshd.hosts[1],
          user: "ubuntu",
          command: "systemctl restart zanzibar",
          stdout: "",
          stderr: "Job for zanzibar.service failed\n",
          return_code: 1,
          timestamp: at + 0.5,
        },
      ]
        .map((l) => JSON.stringify(l))
        .join("\n"),
    );
    const imported = await history("import", "--config", env.stack.configPath, file);
    expect(imported.stdout).toMatch(/^2 lines: 2 imported, 0 already in the history, 0 skipped;/);

    const search = async (args: Record<string, unknown>) =>
      expectOk<SearchLogs>(await callTool(env.admin, TOOL_NAMES.searchLogs, args));
    const lag = await search({ query: "zanzibar replica lag" });
    expect(lag.results[0]).toMatchObject({
      vm: VM.alpha,
      host: "legacy-db.example",
      user: "postgres",
      job_id: "qdrant-7f3a",
      timestamp: at + 0.123456,
      return_code: 0,
    });
    const failed = await search({ query: "zanzibar failed", host_filter: VM.beta });
    expect(failed.results).toEqual([
      expect.objectContaining({ vm: VM.beta, host: env.stack.sshd.hosts[1], user: "ubuntu", timestamp: at + 0.5 }),
    ]);
    expect(failed.results[0]?.job_id).toBe("");
  });
});
