/** @module Sends a job to the hub of the agent that runs it (Durable Object RPC). */
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import type { AgentHub } from "./agent-hub.js";
import { failure, type JobOutcome, type JobSpec, type JobWatcher } from "./outcome.js";

/** Runs one job on `agent`, told to `watch` as it goes; never throws, a failure is an outcome. */
export type RunJob = (agent: string, spec: JobSpec, watch?: JobWatcher) => Promise<JobOutcome>;

export function hubStub(env: EdgeEnv, agent: string): DurableObjectStub<AgentHub> {
  return env.AGENT_HUB.get(env.AGENT_HUB.idFromName(agent)) as DurableObjectStub<AgentHub>;
}

export function hubRunner(env: EdgeEnv): RunJob {
  return async (agent, spec, watch) => {
    try {
      return (await hubStub(env, agent).runJob(agent, spec, watch)) as JobOutcome;
    } catch (e) {
      log("error", "hub_rpc_failed", { agent, error: (e as Error).message });
      return failure("internal", `the hub of agent "${agent}" failed; try again`);
    }
  };
}
