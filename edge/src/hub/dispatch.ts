/** @module Sends a job to the hub of the agent that runs it (Durable Object RPC). */
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import type { AgentHub } from "./agent-hub.js";
import type { BackgroundStart, JobPart } from "./background.js";
import { failure, type JobOutcome, type JobSpec, type JobWatcher } from "./outcome.js";

/**
 * Runs one job on `agent`, told to `watch` as it goes; `call` names the MCP call it serves
 * (caller and request id), so a cancellation of that call finds it. Never throws: a failure
 * is an outcome.
 */
export type RunJob = (agent: string, spec: JobSpec, watch?: JobWatcher, call?: string) => Promise<JobOutcome>;

export function hubStub(env: EdgeEnv, agent: string): DurableObjectStub<AgentHub> {
  return env.AGENT_HUB.get(env.AGENT_HUB.idFromName(agent)) as DurableObjectStub<AgentHub>;
}

export function hubRunner(env: EdgeEnv): RunJob {
  return async (agent, spec, watch, call) => {
    try {
      return (await hubStub(env, agent).runJob(agent, spec, watch, call)) as JobOutcome;
    } catch (e) {
      log("error", "hub_rpc_failed", { agent, error: (e as Error).message });
      return failure("internal", `the hub of agent "${agent}" failed; try again`);
    }
  };
}

/** The key of one MCP call: cancellations arrive on their own request and find jobs by it. */
export function callKey(caller: string, requestId: string | number): string {
  return `${caller}\u0000${JSON.stringify(requestId)}`;
}

/** Every agent a config can route to: its `agents`, or the one default agent. */
export function agentNames(agents: { name: string }[] | undefined): string[] {
  // Once each: an agent whose tokens rotate has an entry per token.
  return agents ? [...new Set(agents.map((a) => a.name))] : ["default"];
}

/** Cancels the jobs of one call on every agent's hub; how many were running. */
export async function cancelCall(env: EdgeEnv, agents: string[], call: string): Promise<number> {
  const counts = await Promise.all(
    agents.map((agent) =>
      hubStub(env, agent)
        .cancelCall(call)
        .catch((e: unknown) => {
          log("warn", "hub_cancel_failed", { agent, error: (e as Error).message });
          return 0;
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** Background jobs on the agents' hubs, for the job tools: each agent's hub keeps its part. */
export interface JobsApi {
  /** Every agent a job may have a part on. */
  agents: string[];
  /** Starts a part; null once it runs, else why it could not (the part records that too). */
  start(agent: string, spec: JobSpec, start: BackgroundStart): Promise<JobOutcome | null>;
  /** The caller's part on `agent`; null when that hub has none for this caller. Throws when the hub fails. */
  part(agent: string, id: string, caller: string): Promise<JobPart | null>;
  cancel(agent: string, id: string, caller: string): Promise<JobPart | null>;
}

export function hubJobs(env: EdgeEnv, agents: string[]): JobsApi {
  return {
    agents,
    async start(agent, spec, start) {
      try {
        return (await hubStub(env, agent).startJob(agent, spec, start)) as JobOutcome | null;
      } catch (e) {
        log("error", "hub_rpc_failed", { agent, error: (e as Error).message });
        return failure("internal", `the hub of agent "${agent}" failed; try again`);
      }
    },
    async part(agent, id, caller) {
      return (await hubStub(env, agent).jobPart(id, caller)) as JobPart | null;
    },
    async cancel(agent, id, caller) {
      return (await hubStub(env, agent).cancelJob(id, caller)) as JobPart | null;
    },
  };
}
