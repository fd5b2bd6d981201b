/**
 * The history tools at the edge: each agent is asked about the caller's VMs only, and the
 * answers come back in the original's shape (formatted_time, success_rate, time window).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { GetStatistics, SearchLogs, SuggestCommands } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { connectReady, type FakeAgent } from "./fake-agent.js";
import { mcpClient, textOf } from "./fixtures.js";

const hit = (command: string, score: number, timestamp: number) => ({
  relevance_score: score,
  vm: "vm1",
  host: "10.0.0.1",
  user: "ubuntu",
  command,
  job_id: `job-${command}`,
  timestamp,
  stdout: "",
  stderr: "",
  return_code: 0,
});

/** Calls `name`, answers the history job the agent gets with `answer`, returns the job and the tool result. */
async function ask(agent: FakeAgent, client: Client, name: string, args: Record<string, unknown>, answer: unknown) {
  const call = client.callTool({ name, arguments: args });
  const job = await agent.next("job");
  agent.send({ type: "result", id: job.id, chunks: 0, result: { kind: "history", answer } });
  return { job, result: await call };
}

describe("history tools at the edge", () => {
  it("ssh_search_logs asks about the caller's VMs only and answers best first with formatted times", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const { job, result } = await ask(
      agent,
      alice,
      "ssh_search_logs",
      { query: "oom killer", collection: "stderr", time_hours: 6, host_filter: "vm1", limit: 2 },
      { op: "search", hits: [hit("free -m", 1.5, 1_700_000_000.5), hit("dmesg", 4.2, 1_700_000_100)] },
    );
    expect(job).toMatchObject({ kind: "history", caller: "alice" });
    const query = (job as { query: Record<string, unknown> }).query;
    expect(query).toMatchObject({ op: "search", text: "oom killer", collection: "stderr", host: "vm1", limit: 2 });
    expect(query.vms).toEqual(["vm1", "vm2"]);
    expect(Date.now() / 1000 - (query.since as number)).toBeCloseTo(6 * 3600, -1);
    const answer = result.structuredContent as SearchLogs;
    expect(answer.total_found).toBe(2);
    expect(answer.results.map((r) => r.command)).toEqual(["dmesg", "free -m"]);
    expect(answer.results[1]).toMatchObject({ formatted_time: "2023-11-14 22:13:20 UTC", timestamp: 1_700_000_000.5 });
  });

  it("bob's questions name only bob's VM", async () => {
    const agent = await connectReady();
    const bob = await mcpClient("Bearer bob-key");
    const { job } = await ask(agent, bob, "ssh_search_logs", { query: "nginx" }, { op: "search", hits: [] });
    expect((job as { query: { vms: string[]; limit: number } }).query).toMatchObject({ vms: ["vm3"], limit: 10 });
  });

  it("ssh_get_statistics defaults to 24 h and keeps the agent's counts", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const stats = {
      commands_executed: 3,
      successful_commands: 2,
      failed_commands: 1,
      most_used_hosts: [{ host: "10.0.0.1", count: 3 }],
      most_common_commands: [{ command: "uptime", count: 2 }],
      recent_errors: [{ host: "10.0.0.1", command: "false", error: "exit code 1", timestamp: 1_700_000_000 }],
    };
    const { job, result } = await ask(agent, alice, "ssh_get_statistics", {}, { op: "stats", stats });
    expect(Date.now() / 1000 - (job as { query: { since: number } }).query.since).toBeCloseTo(24 * 3600, -1);
    expect(result.structuredContent).toEqual({ time_period_hours: 24, ...stats } satisfies GetStatistics);
  });

  it("ssh_suggest_commands turns runs into a success rate and echoes the host", async () => {
    const agent = await connectReady();
    const alice = await mcpClient("Bearer alice-key");
    const suggestion = { command: "df -h", relevance_score: 2, host: "10.0.0.2", last_used: 1_700_000_000 };
    const { result } = await ask(
      agent,
      alice,
      "ssh_suggest_commands",
      { context: "check disk space", host: "vm2" },
      { op: "suggest", suggestions: [{ ...suggestion, runs: 4, successes: 3 }] },
    );
    expect(result.structuredContent).toEqual({
      context: "check disk space",
      host: "vm2",
      total_suggestions: 1,
      suggestions: [{ ...suggestion, success_rate: 0.75 }],
    } satisfies SuggestCommands);
  });

  it("fails clearly when no agent can answer", async () => {
    const alice = await mcpClient("Bearer alice-key");
    const result = await alice.callTool({ name: "ssh_search_logs", arguments: { query: "anything" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'ssh_search_logs could not read any history: the history of 2 VM(s) served by agent "default" is missing: agent "default" is not connected',
    );
  });
});
