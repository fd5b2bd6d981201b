/** @module Sends a job to the hub of the agent that runs it (Durable Object RPC). */
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import type { AgentHub } from "./agent-hub.js";
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
  return agents?.map((a) => a.name) ?? ["default"];
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
