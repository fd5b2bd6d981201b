/**
 * @module One handler per job kind: what the agent does for an `exec`, a `probe` and a
 * `distro` job. JobRunner owns the life of a job (timeout, cancel, exactly one answer);
 * a handler only does the work. Adding a kind is a schema in shared/ plus an entry here.
 */
import { ERROR_CODES, type JobKind, type JobOf, type ResultOf } from "@telecommande/shared";
import type { ServedVm } from "./config.js";
import { DISTRO_SCRIPT, parseDistro } from "./distro.js";
import { JobError } from "./errors.js";
import { probeTcp } from "./probe.js";
import { collectExec, type StreamName } from "./ssh/exec.js";
import type { SshPool } from "./ssh/pool.js";
import { wrapCommand, wrapScript } from "./ssh/quote.js";

export interface JobContext {
  vm: ServedVm;
  pool: SshPool;
  signal: AbortSignal;
  /** performance.now() when the job arrived. */
  startedAt: number;
  /** The exec request has gone out: from here a cancel may stop a running command. */
  sent: () => void;
  /** The server confirmed the command runs: its output is being collected. */
  started: () => void;
  /** Streams output while it arrives (exec only). */
  progress: (stream: StreamName, data: string) => void;
  limitBytes?: number;
  chunkChars?: number;
}

export interface JobHandler<K extends JobKind> {
  run: (job: JobOf<K>, ctx: JobContext) => Promise<ResultOf<K>>;
  /**
   * The handler bounds its own time and reports running out as a normal result (a probe
   * answers "unreachable"), so the runner sets no timer for it.
   */
  boundsItself?: boolean;
  /** Remote work gets its timeout's output back (status `timeout`) rather than an error. */
  answersTimeout?: boolean;
  /** For the job_start log line: a size, never the content (it may hold secrets). */
  describe?: (job: JobOf<K>) => Record<string, unknown>;
}

async function runRemote(script: string, ctx: JobContext, stream: boolean) {
  const opened = await ctx.pool.open(ctx.vm, script, ctx.signal, ctx.sent);
  ctx.started();
  return collectExec(opened, {
    signal: ctx.signal,
    startedAt: ctx.startedAt,
    limitBytes: ctx.limitBytes,
    chunkChars: ctx.chunkChars,
    onProgress: stream ? ctx.progress : undefined,
  });
}

export const JOB_HANDLERS: { [K in JobKind]: JobHandler<K> } = {
  exec: {
    run: (job, ctx) => runRemote(wrapCommand(job.command), ctx, true),
    answersTimeout: true,
    describe: (job) => ({ command_chars: job.command.length }),
  },
  probe: {
    // A probe bounds itself (min(timeout_ms, 5 s)) and reports a timeout as "unreachable".
    run: (job, ctx) => probeTcp(ctx.vm.host, ctx.vm.port, job.timeout_ms, ctx.signal),
    boundsItself: true,
  },
  distro: {
    run: async (_job, ctx) => {
      const result = await runRemote(wrapScript(DISTRO_SCRIPT), ctx, false);
      if (result.status === "timeout") {
        throw new JobError(ERROR_CODES.timeout, result.error ?? "distro detection timed out");
      }
      return parseDistro(result.stdout);
    },
  },
};

/** The handler for `kind`, typed for the job it receives. */
export function handlerFor<K extends JobKind>(kind: K): JobHandler<K> {
  return JOB_HANDLERS[kind] as JobHandler<K>;
}
