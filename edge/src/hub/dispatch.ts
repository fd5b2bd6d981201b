/** @module Sends a job to the hub of the agent that serves the VM (Durable Object RPC). */
import type { EdgeVm } from "../config/edge-config.js";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import type { AgentHub } from "./agent-hub.js";
import { type DistributiveOmit, failure, type JobOutcome, type JobSpec } from "./outcome.js";

export type RunJob = (vm: EdgeVm, spec: DistributiveOmit<JobSpec, "vm">) => Promise<JobOutcome>;

export function hubStub(env: EdgeEnv, agent: string): DurableObjectStub<AgentHub> {
  return env.AGENT_HUB.get(env.AGENT_HUB.idFromName(agent)) as DurableObjectStub<AgentHub>;
}

export function hubRunner(env: EdgeEnv): RunJob {
  return async (vm, spec) => {
    try {
      return (await hubStub(env, vm.agent).runJob(vm.agent, { ...spec, vm: vm.name } as JobSpec)) as JobOutcome;
    } catch (e) {
      log("error", "hub_rpc_failed", { agent: vm.agent, error: (e as Error).message });
      return failure("internal", `the hub of agent "${vm.agent}" failed; try again`);
    }
  };
}
