/**
 * @module Drives a JobRunner + SshPool without any WebSocket: jobs go in as messages,
 * and every message the runner sends is recorded, with a promise for each job's answer.
 * The harness plays the edge connection: it can drop and come back, and while it is down
 * the runner's messages are lost, as on a socket that is gone or not yet welcomed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job, Message } from "@telecommande/shared";
import type { AuditLog } from "../audit/audit-log.js";
import type { ServedVm } from "../config.js";
import { JobRunner } from "../jobs.js";
import { createLogger, type Logger } from "../log.js";
import { HostKeyStore } from "../ssh/host-keys.js";
import { SshPool } from "../ssh/pool.js";

export type Final = Extract<Message, { type: "result" | "error" }>;

/** A job with the test's defaults filled in: id, caller, kind exec, timeout 10 s. */
export type JobInput = { vm: string; id?: string; caller?: string; timeout_ms?: number } & (
  | { kind?: "exec"; command: string }
  | { kind: "probe" | "distro" }
);

export interface Harness {
  runner: JobRunner;
  pool: SshPool;
  /** Messages that reached the edge, in order. */
  sent: Message[];
  /** Messages the runner sent while the connection was down: lost. */
  lost: Message[];
  logs: Record<string, unknown>[];
  dataDir: string;
  /** Submits a job (an exec unless it says otherwise) and resolves with its one final message. */
  run(job: JobInput): { id: string; done: Promise<Final> };
  progress(id: string): Extract<Message, { type: "progress" }>[];
  finals(id: string): Final[];
  /** The connection drops: what the runner sends from now on is lost. */
  disconnect(reason?: string): void;
  /** The connection is ready again (welcomed). */
  reconnect(): void;
  close(): Promise<void>;
}

let counter = 0;

export function createHarness(
  vms: ServedVm[],
  options: {
    maxChannels?: number;
    maxConnections?: number;
    chunkChars?: number;
    limitBytes?: number;
    readyTimeoutMs?: number;
    idleCloseMs?: number;
    holdMs?: number;
    journalMaxBytes?: number;
    maxWaitingPerVm?: number;
    /** Built with the harness's logger, so its lines and failures land in `logs`. */
    audit?: (log: Logger) => AuditLog;
  } = {},
): Harness {
  const dataDir = mkdtempSync(join(tmpdir(), "tc-jobs-"));
  const sent: Message[] = [];
  const lost: Message[] = [];
  let online = true;
  const logs: Record<string, unknown>[] = [];
  const waiters = new Map<string, (m: Final) => void>();
  const log = createLogger({ agent: "test", level: "debug", sink: (l) => logs.push(JSON.parse(l)) });
  const audit = options.audit?.(log);
  const pool = new SshPool({
    hostKeys: new HostKeyStore({ ownFile: join(dataDir, "known_hosts") }),
    log,
    maxChannels: options.maxChannels,
    maxConnections: options.maxConnections,
    readyTimeoutMs: options.readyTimeoutMs,
    idleCloseMs: options.idleCloseMs,
    maxWaitingPerVm: options.maxWaitingPerVm,
  });
  const runner = new JobRunner({
    agent: "test",
    vms,
    pool,
    log,
    chunkChars: options.chunkChars,
    limitBytes: options.limitBytes,
    holdMs: options.holdMs,
    journalMaxBytes: options.journalMaxBytes,
    audit,
    send: (m) => {
      if (!online) {
        lost.push(m);
        return;
      }
      sent.push(m);
      if ((m.type === "result" || m.type === "error") && m.id) waiters.get(m.id)?.(m);
    },
  });
  const finals = (id: string) =>
    sent.filter((m): m is Final => (m.type === "result" || m.type === "error") && m.id === id);
  return {
    runner,
    pool,
    sent,
    logs,
    dataDir,
    run(partial) {
      const id = partial.id ?? `job-${++counter}`;
      const done = new Promise<Final>((resolve) => waiters.set(id, resolve));
      runner.handle({ type: "job", id, caller: "tester", kind: "exec", timeout_ms: 10_000, ...partial } as Job);
      return { id, done };
    },
    progress: (id) =>
      sent.filter((m): m is Extract<Message, { type: "progress" }> => m.type === "progress" && m.id === id),
    finals,
    lost,
    disconnect(reason = "the edge connection closed (code 1006)") {
      online = false;
      runner.disconnected(reason);
    },
    reconnect() {
      online = true;
      runner.connected();
    },
    async close() {
      runner.cancelAll("test over");
      await pool.close();
      await audit?.flush();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` passes, polling; fails after `ms`. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function result(final: Final) {
  if (final.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(final)}`);
  return final.result;
}

export function execResult(final: Final) {
  const r = result(final);
  if (r.kind !== "exec") throw new Error("not an exec result");
  return r;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
