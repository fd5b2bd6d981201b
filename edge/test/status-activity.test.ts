/**
 * What a hub keeps for the status page: jobs summarized without their arguments, their end
 * states, bounded lists, the status page's own probes left out, and jobs lost with a restart.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FLUSH_AFTER_MS, HubActivity, KEEP_ERRORS, KEEP_JOBS, summarize } from "../src/hub/activity.js";
import { failure, type JobSpec } from "../src/hub/outcome.js";
import { probeSpec } from "../src/hub/status-report.js";
import { execResult } from "./fake-agent.js";

function withActivity<R>(name: string, fn: (activity: HubActivity, sql: SqlStorage) => R): Promise<R> {
  const stub = env.AGENT_HUB.get(env.AGENT_HUB.idFromName(name));
  return runInDurableObject(stub, (_instance, state) => fn(new HubActivity(state.storage.sql), state.storage.sql));
}

const exec = (command: string): JobSpec => ({ kind: "exec", vm: "vm1", caller: "alice", command, timeout_ms: 1000 });
const none = () => null;

describe("hub activity", () => {
  it("summarizes a job by its program name and length, never its arguments", () => {
    expect(summarize(exec("systemctl restart nginx"))).toBe("systemctl (23 chars)");
    expect(summarize(exec("/usr/bin/env true"))).toBe("/usr/bin/env (17 chars)");
    expect(summarize(exec("PGPASSWORD=s3cret psql"))).toBe("command (22 chars)");
    expect(summarize(exec("'my secret' | cat"))).toBe("command (17 chars)");
    expect(summarize(exec(`${"x".repeat(41)} y`))).toBe("command (43 chars)");
    const fanout: JobSpec = {
      kind: "fanout",
      vms: ["a", "b"],
      caller: "bob",
      command: "apt-get install -y nginx",
      max_parallel: 2,
      output_limit_bytes: 1000,
      timeout_ms: 1000,
      task: { op: "install", packages: ["nginx"] } as never,
    };
    expect(summarize(fanout)).toBe("install task on 2 VM(s)");
    expect(summarize(probeSpec("vm1"))).toBe("reachability probe");
  });

  it("records how jobs end, and failures (not cancellations) as errors", async () => {
    await withActivity("activity-ends", (activity) => {
      activity.track("ok", exec("true"), null)({ ok: true, result: execResult("") });
      activity.track("exit", exec("false"), null)({ ok: true, result: execResult("", 2) });
      activity.track("t", exec("sleep 9"), "ssh_run_command")(failure("timeout", "no answer"));
      activity.track("c", exec("sleep 9"), null)(failure("cancelled", "cancelled by the client"));
      activity.track("x", exec("id"), null)(failure("ssh_auth", "auth failed"));
      const { running, recent } = activity.jobs(() => true, none);
      expect(running).toEqual([]);
      expect(Object.fromEntries(recent.map((j) => [j.id, [j.state, j.detail, j.background]]))).toEqual({
        ok: ["succeeded", null, false],
        exit: ["failed", "exit 2", false],
        t: ["timed_out", "timeout", true],
        c: ["cancelled", null, false],
        x: ["failed", "ssh_auth", false],
      });
      expect(activity.errors().map((e) => e.message)).toEqual([
        "id (2 chars) on vm1 for alice: auth failed",
        "sleep (7 chars) on vm1 for alice: no answer",
      ]);
    });
  });

  it("leaves the status page's probes out, and keeps bounded lists", async () => {
    await withActivity("activity-bounds", (activity) => {
      let told = 0;
      activity.track("probe", probeSpec("vm1"), null, () => told++)(failure("timeout", "slow"));
      expect(told).toBe(1);
      for (let i = 0; i < KEEP_JOBS + 10; i++) activity.track(`j${i}`, exec("true"), null)(failure("busy", "busy"));
      const { recent } = activity.jobs(() => true, none);
      expect(recent).toHaveLength(KEEP_JOBS);
      expect(recent.some((j) => j.id === "probe")).toBe(false);
      expect(activity.errors()).toHaveLength(KEEP_ERRORS);
    });
  });

  it("batches its writes off the job's path: nothing is written until the batch is due or someone reads", async () => {
    await withActivity("activity-batched", async (activity, sql) => {
      const rows = () => {
        const tables = sql.exec("SELECT name FROM sqlite_master WHERE name = 'status_jobs'").toArray();
        return tables.length ? sql.exec("SELECT count(*) AS n FROM status_jobs").one().n : 0;
      };
      activity.track("a", exec("true"), null)(failure("timeout", "slow"));
      activity.track("b", exec("true"), null);
      expect(rows()).toBe(0);
      await new Promise((r) => setTimeout(r, FLUSH_AFTER_MS + 200));
      expect(rows()).toBe(2);
      activity.track("c", exec("true"), null);
      // A read sees every event, batched or not.
      expect(activity.jobs(() => true, none).running.map((j) => j.id)).toEqual(["c", "b"]);
      expect(activity.errors()).toHaveLength(1);
      expect(rows()).toBe(3);
    });
  });

  it("ends a running job the hub forgot: from the job store, else as lost", async () => {
    await withActivity("activity-lost", (activity) => {
      activity.track("bg", exec("sleep 60"), "ssh_run_command");
      activity.track("fg", exec("sleep 60"), null);
      activity.track("live", exec("sleep 60"), null);
      const endOf = (id: string) => (id === "bg" ? { at: Date.now(), outcome: failure("timeout", "deadline") } : null);
      const { running, recent } = activity.jobs((id) => id === "live", endOf);
      expect(running.map((j) => j.id)).toEqual(["live"]);
      expect(Object.fromEntries(recent.map((j) => [j.id, j.state]))).toEqual({ bg: "timed_out", fg: "lost" });
      // Recorded once: asking again changes nothing.
      // Newest first; jobs started in the same millisecond keep their order of arrival.
      expect(activity.jobs((id) => id === "live", none).recent.map((j) => j.id)).toEqual(["fg", "bg"]);
      expect(activity.errors().map((e) => e.message)).toEqual([
        "sleep (8 chars) on vm1 for alice: deadline",
        "sleep (8 chars) on vm1 for alice: the hub restarted during the job; its outcome is unknown",
      ]);
    });
  });
});
