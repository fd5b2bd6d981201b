/**
 * @module One handler per job kind: what the agent does for an `exec`, a `probe` and a
 * `distro` job. JobRunner owns the life of a job (timeout, cancel, exactly one answer);
 * a handler only does the work. Adding a kind is a schema in shared/ plus an entry here.
 */
import { ERROR_CODES, type JobKind, type JobOf, type ResultOf } from "@telecommande/shared";
import type { ServedVm } from "./config.js";
import { DISTRO_SCRIPT, parseDistro } from "./distro.js";
import { JobError } from "./errors.js";
import { runFanout } from "./fanout.js";
import { copyFileJob } from "./files/copy.js";
import { readFileJob } from "./files/read.js";
import { writeFileJob } from "./files/write.js";
import { answerHistory } from "./history/answer.js";
import { OutputCapture, operationOf } from "./history/operation.js";
import type { JobContext } from "./job-context.js";
import { LiveTail } from "./live-tail.js";
import { probeTcp } from "./probe.js";
import { collectExec } from "./ssh/exec.js";
import { wrapCommand, wrapScript } from "./ssh/quote.js";

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

/** The VM of a single-VM job; the runner refused the job before any handler ran if it is not served. */
function vmOf(ctx: JobContext): ServedVm {
  if (!ctx.vm) throw new JobError(ERROR_CODES.internal, "a single-VM job reached its handler without its VM");
  return ctx.vm;
}

async function runRemote(script: string, ctx: JobContext, stream: boolean, live = false, capture?: OutputCapture) {
  const opened = await ctx.pool.open(vmOf(ctx), script, ctx.signal, ctx.sent);
  ctx.started();
  const tail = live ? new LiveTail(ctx.tail) : undefined;
  try {
    return await collectExec(opened, {
      signal: ctx.signal,
      startedAt: ctx.startedAt,
      limitBytes: ctx.limitBytes,
      chunkChars: ctx.chunkChars,
      onProgress: stream
        ? (name, data) => {
            capture?.push(name, data);
            ctx.progress(name, data);
          }
        : undefined,
      onData: tail ? (name, chunk) => tail.push(name, chunk) : undefined,
    });
  } finally {
    tail?.stop();
  }
}

export const JOB_HANDLERS: { [K in JobKind]: JobHandler<K> } = {
  exec: {
    run: async (job, ctx) => {
      // The history gets the whole output: the chunks streamed while it ran plus the rest.
      const capture = new OutputCapture();
      const result = await runRemote(wrapCommand(job.command), ctx, true, job.live === true, capture);
      // Written before the answer goes: an answered operation survives the agent's death.
      await ctx.record(operationOf(vmOf(ctx), job.command, result, capture));
      return result;
    },
    answersTimeout: true,
    describe: (job) => ({ command_chars: job.command.length }),
  },
  probe: {
    // A probe bounds itself (min(timeout_ms, 5 s)) and reports a timeout as "unreachable".
    run: (job, ctx) => probeTcp(vmOf(ctx).host, vmOf(ctx).port, job.timeout_ms, ctx.signal),
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
  fanout: {
    run: runFanout,
    // Each VM's command has its own timer (timeout_ms); the whole job is bounded by the edge.
    boundsItself: true,
    describe: (job) => ({ vms: job.vms.length, max_parallel: job.max_parallel, command_chars: job.command.length }),
  },
  history: {
    run: async (job, ctx) => {
      if (!ctx.history) throw new JobError(ERROR_CODES.internal, "this agent keeps no history");
      return { kind: "history", answer: await answerHistory(ctx.history, job.query) };
    },
    describe: (job) => ({ op: job.query.op, vms: job.query.vms.length }),
  },
  file_read: {
    run: readFileJob,
    describe: (job) => ({ offset: job.offset, max_bytes: job.max_bytes }),
  },
  file_write: {
    run: writeFileJob,
    // A size, never the content nor the path's neighbours.
    describe: (job) => ({ content_base64_chars: job.content_base64.length, backup: job.backup }),
  },
  file_copy: {
    run: copyFileJob,
    describe: (job) => ({ to_vm: job.to_vm, overwrite: job.overwrite }),
  },
};

/** The handler for `kind`, typed for the job it receives. */
export function handlerFor<K extends JobKind>(kind: K): JobHandler<K> {
  return JOB_HANDLERS[kind] as JobHandler<K>;
}
