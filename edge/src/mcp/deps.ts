/** @module What every tool handler receives: the caller, the config, a way to run jobs. */
import type { Caller } from "../auth/caller.js";
import type { EdgeConfig } from "../config/edge-config.js";
import type { JobsApi, RunJob } from "../hub/dispatch.js";

export interface ToolDeps {
  config: EdgeConfig;
  caller: Caller;
  runJob: RunJob;
  /** Background jobs: started, read and cancelled on the agents' hubs. */
  jobs: JobsApi;
}
