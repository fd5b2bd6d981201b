/**
 * @module Background jobs as the hub keeps them: in its Durable Object's own SQLite, so a job
 * outlives the call that started it, the hub's hibernation and a restart. Every piece of
 * the answer is written as it arrives; ended jobs are kept 24 h, at most KEEP_ENDED of them.
 */
import type { JobResult, VmOutcome } from "@telecommande/shared";
import type { JobOutcome, JobSpec } from "./outcome.js";
import { withSchema } from "./sql-schema.js";

/** How long an ended job stays readable, and how many ended jobs one hub keeps at most. */
export const KEEP_MS = 24 * 3600_000;
export const KEEP_ENDED = 500;
/** Background jobs one hub runs at once, at most: each holds a record and a remote process. */
export const MAX_RUNNING = 200;

/** What the edge knows of the call that started the job, the same in every agent's part. */
export interface JobMeta {
  tool: string;
  command: string;
  /** Every VM of the call, in its order (a fan-out's part names only its agent's VMs). */
  targets: string[];
}

export interface StoredJob {
  id: string;
  caller: string;
  meta: JobMeta;
  spec: JobSpec;
  startedAt: number;
  deadline: number;
  /** The connection the job was sent on (or claimed by after a reconnect). */
  conn: string | null;
  orphanedAt: number | null;
  /** Latest output lines of a running command (the agent's live tail). */
  tail: string | null;
  /** The agent's result message, held until every piece it announces is in. */
  final: { result: JobResult; chunks: number } | null;
  /** Set once ended: the result without the streamed output (that stays in its chunk rows). */
  outcome: JobOutcome | null;
  endedAt: number | null;
}

export interface StoredPieces {
  chunks: Map<number, { stream: "stdout" | "stderr"; data: string }>;
  vms: Map<string, VmOutcome>;
}

type Value = string | number | null;
type Row = Record<string, Value>;
interface JobRow extends Row {
  id: string;
  caller: string;
  meta: string;
  spec: string;
  started_at: number;
  deadline: number;
  conn: string | null;
  orphaned_at: number | null;
  tail: string | null;
  final: string | null;
  outcome: string | null;
  ended_at: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, caller TEXT NOT NULL, meta TEXT NOT NULL, spec TEXT NOT NULL,
  started_at INTEGER NOT NULL, deadline INTEGER NOT NULL, conn TEXT, orphaned_at INTEGER,
  tail TEXT, final TEXT, outcome TEXT, ended_at INTEGER);
CREATE INDEX IF NOT EXISTS jobs_ended ON jobs (ended_at);
CREATE TABLE IF NOT EXISTS job_chunks (
  id TEXT NOT NULL, seq INTEGER NOT NULL, stream TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (id, seq));
CREATE TABLE IF NOT EXISTS job_vms (
  id TEXT NOT NULL, vm TEXT NOT NULL, outcome TEXT NOT NULL, PRIMARY KEY (id, vm));`;

function json<T>(text: Value): T | null {
  return typeof text === "string" ? (JSON.parse(text) as T) : null;
}

function fromRow(r: JobRow): StoredJob {
  return {
    id: String(r.id),
    caller: String(r.caller),
    meta: json<JobMeta>(r.meta) as JobMeta,
    spec: json<JobSpec>(r.spec) as JobSpec,
    startedAt: Number(r.started_at),
    deadline: Number(r.deadline),
    conn: r.conn === null ? null : String(r.conn),
    orphanedAt: r.orphaned_at === null ? null : Number(r.orphaned_at),
    tail: r.tail === null ? null : String(r.tail),
    final: json(r.final),
    outcome: json(r.outcome),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
  };
}

export class JobStore {
  private readonly db: () => SqlStorage;
  constructor(sql: SqlStorage) {
    this.db = withSchema(sql, SCHEMA);
  }

  create(job: Omit<StoredJob, "orphanedAt" | "tail" | "final" | "endedAt">): void {
    this.db().exec(
      "INSERT INTO jobs (id, caller, meta, spec, started_at, deadline, conn, outcome, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      job.id,
      job.caller,
      JSON.stringify(job.meta),
      JSON.stringify(job.spec),
      job.startedAt,
      job.deadline,
      job.conn,
      job.outcome ? JSON.stringify(job.outcome) : null,
      job.outcome ? job.startedAt : null,
    );
  }

  get(id: string): StoredJob | null {
    const row = this.db().exec<JobRow>("SELECT * FROM jobs WHERE id = ?", id).toArray()[0];
    return row ? fromRow(row) : null;
  }

  pieces(id: string): StoredPieces {
    const chunks: StoredPieces["chunks"] = new Map();
    const rows = this.db().exec<{ seq: number; stream: string; data: string }>(
      "SELECT seq, stream, data FROM job_chunks WHERE id = ?",
      id,
    );
    for (const r of rows) {
      chunks.set(Number(r.seq), { stream: r.stream as "stdout" | "stderr", data: String(r.data) });
    }
    const vms: StoredPieces["vms"] = new Map();
    const vmRows = this.db().exec<{ vm: string; outcome: string }>(
      "SELECT vm, outcome FROM job_vms WHERE id = ? ORDER BY rowid",
      id,
    );
    for (const r of vmRows) {
      vms.set(String(r.vm), JSON.parse(String(r.outcome)) as VmOutcome);
    }
    return { chunks, vms };
  }

  running(): StoredJob[] {
    return this.db().exec<JobRow>("SELECT * FROM jobs WHERE ended_at IS NULL").toArray().map(fromRow);
  }

  runningCount(): number {
    return this.db().exec<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE ended_at IS NULL").one().n;
  }

  addChunk(id: string, seq: number, stream: string, data: string): void {
    this.db().exec(
      "INSERT OR IGNORE INTO job_chunks (id, seq, stream, data) VALUES (?, ?, ?, ?)",
      id,
      seq,
      stream,
      data,
    );
  }

  addVm(id: string, vm: string, outcome: VmOutcome): void {
    this.db().exec("INSERT OR IGNORE INTO job_vms (id, vm, outcome) VALUES (?, ?, ?)", id, vm, JSON.stringify(outcome));
  }

  setFinal(id: string, final: StoredJob["final"]): void {
    this.db().exec("UPDATE jobs SET final = ? WHERE id = ?", JSON.stringify(final), id);
  }

  setTail(id: string, tail: string): void {
    this.db().exec("UPDATE jobs SET tail = ? WHERE id = ? AND ended_at IS NULL", tail, id);
  }

  /** Bound to a connection again (null: orphaned since `orphanedAt`). */
  setConn(id: string, conn: string | null, orphanedAt: number | null): void {
    this.db().exec("UPDATE jobs SET conn = ?, orphaned_at = ? WHERE id = ?", conn, orphanedAt, id);
  }

  /** Ends a job once; false when it had already ended. */
  end(id: string, outcome: JobOutcome, at: number): boolean {
    const cursor = this.db().exec(
      "UPDATE jobs SET outcome = ?, ended_at = ?, tail = NULL WHERE id = ? AND ended_at IS NULL",
      JSON.stringify(outcome),
      at,
      id,
    );
    return cursor.rowsWritten > 0;
  }

  /** Forgets ended jobs older than KEEP_MS, and the oldest beyond KEEP_ENDED. */
  prune(now: number): number {
    const db = this.db();
    const old = db
      .exec<{ id: string }>(
        "SELECT id FROM jobs WHERE ended_at IS NOT NULL AND (ended_at < ? OR id NOT IN (SELECT id FROM jobs WHERE ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT ?))",
        now - KEEP_MS,
        KEEP_ENDED,
      )
      .toArray()
      .map((r) => String(r.id));
    for (const id of old) {
      db.exec("DELETE FROM job_chunks WHERE id = ?", id);
      db.exec("DELETE FROM job_vms WHERE id = ?", id);
      db.exec("DELETE FROM jobs WHERE id = ?", id);
    }
    return old.length;
  }
}
