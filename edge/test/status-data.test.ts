/**
 * What the status page shows, with a scripted agent: the agent's connection and version, its
 * VMs probed (at most every 15 s) and an offline agent's VMs without probing, jobs without
 * their command text, failed jobs among the errors, and the page escaping what it shows.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import { app } from "../src/app.js";
import type { StatusData } from "../src/status/data.js";
import type { PageView } from "../src/status/view.js";
import { connectReady, execResult, type FakeAgent } from "./fake-agent.js";
import { MCP_URL } from "./fixtures.js";
import { ADMIN_CONFIG, signIn, statusFetch } from "./status-fixtures.js";

const asAdmin = { headers: { Authorization: "Bearer admin-key" } };

async function status(): Promise<StatusData> {
  const res = await statusFetch("/status.json", asAdmin);
  expect(res.status).toBe(200);
  return (await res.json()) as StatusData;
}

async function adminClient(): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    requestInit: { headers: { Authorization: "Bearer admin-key" } },
    fetch: async (url, init) =>
      app.request(String(url), init, { ...env, CONFIG_YAML: ADMIN_CONFIG }, createExecutionContext()),
  });
  const client = new Client({ name: "status-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Answers the hub's probes: vm1 up in 2 ms, vm2 refused. */
async function answerProbes(agent: FakeAgent): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const job = await agent.next("job");
    expect(job).toMatchObject({ kind: "probe", caller: "(status page)" });
    const vm = (job as { vm: string }).vm;
    const result =
      vm === "vm1"
        ? { kind: "probe", reachable: true, latency_ms: 2, reason: null }
        : { kind: "probe", reachable: false, latency_ms: null, reason: "connection refused" };
    agent.send({ type: "result", id: job.id, result });
  }
}

describe("status data", () => {
  it("shows an offline agent's VMs as such, at once and without probing", async () => {
    const started = Date.now();
    const data = await status();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(Object.keys(data).sort()).toEqual(["agents", "config", "errors", "generated_at", "jobs", "vms"]);
    expect(data.agents).toEqual([
      {
        name: "default",
        connected: false,
        version: null,
        instance: null,
        connected_at: null,
        connected_s: null,
        uptime_s: null,
        last_heartbeat_at: null,
        error: null,
      },
    ]);
    expect(data.vms.map((vm) => [vm.name, vm.agent, vm.state])).toEqual([
      ["vm1", "default", "agent_offline"],
      ["vm2", "default", "agent_offline"],
    ]);
    expect(data.config.source).toBe("CONFIG_YAML secret");
    expect(data.config.age_s).toBeGreaterThanOrEqual(0);
    expect(Date.parse(data.config.loaded_at ?? "")).toBeLessThanOrEqual(Date.now());
    expect(data.jobs).toEqual({ running: [], recent: [] });
  });

  it("shows the connected agent, its VMs probed and cached, and jobs without their command text", async () => {
    const agent = await connectReady([], "instance-1");
    const asked = status();
    await answerProbes(agent);
    const data = await asked;
    const [a] = data.agents;
    expect(a).toMatchObject({ name: "default", connected: true, version: "test", instance: "instance-1", error: null });
    expect(a?.connected_s).toBeGreaterThanOrEqual(0);
    // The fake agent's hello does not say its uptime, as an agent from before the field.
    expect(a?.uptime_s).toBeNull();
    expect(Date.parse(a?.last_heartbeat_at ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(data.vms).toEqual([
      { name: "vm1", agent: "default", state: "up", latency_ms: 2, checked_at: expect.any(String), error: null },
      {
        name: "vm2",
        agent: "default",
        state: "down",
        latency_ms: null,
        checked_at: expect.any(String),
        error: "connection refused",
      },
    ]);
    // Within 15 s the answers are reused: no new probe reaches the agent.
    await status();
    expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);

    const admin = await adminClient();
    const ok = admin.callTool({
      name: "ssh_run_command",
      arguments: { vm_name: "vm1", command: "uptime --secret=hunter2" },
    });
    const job = await agent.next("job");
    const running = await status();
    expect(running.jobs.running).toMatchObject([
      {
        id: job.id,
        agent: "default",
        kind: "exec",
        summary: "uptime (23 chars)",
        caller: "root-admin",
        state: "running",
      },
    ]);
    agent.send({ type: "result", id: job.id, chunks: 0, result: execResult("up 3 days\n") });
    await ok;
    const failed = admin.callTool({ name: "ssh_run_command", arguments: { vm_name: "vm2", command: "PASSWORD=x ls" } });
    const second = await agent.next("job");
    agent.send({ type: "error", id: second.id, code: "ssh_auth", message: "auth failed <img src=x onerror=alert(1)>" });
    await failed;

    const after = await status();
    expect(after.jobs.running).toEqual([]);
    expect(after.jobs.recent.map((j) => [j.summary, j.vms, j.state, j.detail, j.tool, j.background])).toEqual([
      ["command (13 chars)", ["vm2"], "failed", "ssh_auth", null, false],
      ["uptime (23 chars)", ["vm1"], "succeeded", null, null, false],
    ]);
    expect(after.errors[0]).toMatchObject({
      source: "default",
      kind: "job_failed",
      message: "command (13 chars) on vm2 for root-admin: auth failed <img src=x onerror=alert(1)>",
    });
    const text = JSON.stringify(after);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("PASSWORD");

    // The page escapes what it shows; its live view carries the same rows.
    const cookie = await signIn();
    const page = await (await statusFetch("/status", { headers: { Cookie: cookie } })).text();
    expect(page).toContain("auth failed &lt;img src=x onerror=alert(1)&gt;");
    expect(page).not.toContain("<img");
    const view = (await (
      await statusFetch("/status", { headers: { Cookie: cookie, Accept: "application/json" } })
    ).json()) as PageView;
    expect(view.tables.map((t) => t.id)).toEqual(["agents", "vms", "running", "recent", "errors"]);
    expect(view.tables[1]?.rows[0]?.map((c) => c.text)).toEqual([
      "vm1",
      "up",
      "2 ms",
      expect.any(String),
      "default",
      "",
    ]);
    expect(view.summary).toContain("1 of 2 VM(s) up");
  });

  it("lists a background job under its tool, and an agent's disconnect among the errors", async () => {
    const agent = await connectReady([], "instance-2");
    const admin = await adminClient();
    const started = await admin.callTool({
      name: "ssh_run_command",
      arguments: { vm_name: "vm1", command: "sleep 30", background: true },
    });
    const { job_id } = started.structuredContent as { job_id: string };
    const job = await agent.next("job");
    expect(job.id).toBe(job_id);
    const asked = status();
    // The probes of the previous test are over 15 s old only in a slow run: answer any that come.
    const data = await Promise.race([asked, answerProbes(agent).then(() => asked)]);
    expect(data.jobs.running).toMatchObject([
      { id: job_id, summary: "sleep (8 chars)", tool: "ssh_run_command", background: true, state: "running" },
    ]);
    agent.send({ type: "result", id: job.id, chunks: 0, result: execResult("", 0) });
    agent.ws.close(1000, "agent stopping");
    await agent.untilClosed();
    let after = await status();
    for (let i = 0; i < 50 && after.agents[0]?.connected; i++) after = await status();
    expect(after.agents[0]?.connected).toBe(false);
    expect(after.jobs.recent[0]).toMatchObject({ id: job_id, state: "succeeded", tool: "ssh_run_command" });
    expect(after.errors[0]).toMatchObject({ source: "default", kind: "agent_disconnected" });
    expect(after.errors[0]?.message).toContain("agent stopping");
  });
});
