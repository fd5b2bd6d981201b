/**
 * @module The jobs one hub waits on, by id: the pieces of each answer as they arrive, the
 * moment each is settled, and what a dropped connection does to them (they wait
 * RECONNECT_GRACE_MS for the agent to claim them). Background jobs are mirrored in the
 * store and revived from it after hibernation or a restart.
 */
import { type Message, RECONNECT_GRACE_MS } from "@telecommande/shared";
import { log } from "../log.js";
import type { JobStore } from "./job-store.js";
import { failure, type JobOutcome, tell } from "./outcome.js";
import { completeOutcome, incompleteOutcome, LATE_PIECES_MS, newPending, type Pending } from "./pending.js";
import { send } from "./sockets.js";

/** The messages that carry a piece of a job's answer. */
export type JobMessage = Extract<Message, { type: "progress" | "vm_result" | "tail" | "result" | "error" }>;

export const CANCELLED_BY_CLIENT = "cancelled by the client; the remote command was stopped";

export function lostOutcome(why: string): JobOutcome {
  return failure("agent_disconnected", `${why}; the job's outcome is unknown`);
}

/** Why an orphaned job was given up: the agent did not claim it in time. */
export function notBack(why: string): string {
  return `${why}, and the agent did not come back within ${RECONNECT_GRACE_MS / 1000} s`;
}

export class JobTable {
  private readonly pending = new Map<string, Pending>();
  /** Answer bytes held for all jobs in flight. */
  private bytesHeld = 0;

  /** `onIdle`: the last job was settled. */
  constructor(
    private readonly store: JobStore,
    private readonly onIdle: () => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Jobs in flight, all and those of `caller`. */
  inFlight(caller: string): { total: number; ofCaller: number; bytes: number } {
    let ofCaller = 0;
    for (const job of this.pending.values()) if (job.caller === caller) ofCaller++;
    return { total: this.pending.size, ofCaller, bytes: this.bytesHeld };
  }

  /** Counts a piece's size against the hub's memory until its job is settled. */
  private hold(job: Pending, bytes: number): void {
    job.bytes = (job.bytes ?? 0) + bytes;
    this.bytesHeld += bytes;
  }

  entries(): [string, Pending][] {
    return [...this.pending.entries()];
  }

  get(id: string): Pending | undefined {
    return this.pending.get(id);
  }

  add(id: string, job: Pending): void {
    this.pending.set(id, job);
  }

  /** A job waiting on `conn`: from memory, or from the store after hibernation or a restart. */
  jobOf(id: string, conn: string): Pending | undefined {
    const job = this.pending.get(id) ?? this.revive(id);
    return job?.conn === conn ? job : undefined;
  }

  /** Every background job still running, in memory again. */
  reviveAll(): void {
    for (const stored of this.store.running()) if (!this.pending.has(stored.id)) this.revive(stored.id);
  }

  /** One piece of a job's answer, from the job's own connection. Repeats (after a reconnect) change nothing. */
  piece(ws: WebSocket, id: string, job: Pending, msg: JobMessage): void {
    switch (msg.type) {
      case "progress":
        if (job.chunks.has(msg.seq)) return;
        job.chunks.set(msg.seq, { stream: msg.stream, data: msg.data });
        this.hold(job, msg.data.length);
        if (job.stored) this.store.addChunk(id, msg.seq, msg.stream, msg.data);
        break;
      case "vm_result":
        if (job.vms.has(msg.vm)) return;
        job.vms.set(msg.vm, msg.outcome);
        this.hold(job, msg.outcome.ok ? msg.outcome.result.stdout.length + msg.outcome.result.stderr.length : 0);
        if (job.stored) this.store.addVm(id, msg.vm, msg.outcome);
        tell(job.watch, { kind: "vm", vm: msg.vm, ok: msg.outcome.ok, done: job.vms.size, total: job.total });
        break;
      case "tail":
        if (job.stored) this.store.setTail(id, msg.text);
        tell(job.watch, { kind: "tail", text: msg.text });
        return;
      case "result":
        job.final = { result: msg.result, chunks: msg.chunks };
        this.hold(job, msg.result.kind === "exec" ? msg.result.stdout.length + msg.result.stderr.length : 0);
        if (job.stored) this.store.setFinal(id, job.final);
        break;
      case "error":
        send(ws, { type: "ack", id });
        this.settle(id, failure(msg.code, msg.message));
        return;
    }
    const outcome = completeOutcome(job);
    if (!outcome) {
      if (job.final && !job.lateTimer) job.lateTimer = setTimeout(() => this.giveUpStragglers(ws, id), LATE_PIECES_MS);
      return;
    }
    // The agent may forget the job: the hub has all of it.
    send(ws, { type: "ack", id });
    this.settle(id, outcome);
  }

  /** The result came, some of its pieces never did: answer with what came. */
  private giveUpStragglers(ws: WebSocket, id: string): void {
    const job = this.pending.get(id);
    const outcome = job && incompleteOutcome(job);
    if (!job || !outcome) return;
    log("warn", "job_pieces_lost", {
      job_id: id,
      chunks: `${job.chunks.size}/${job.final?.chunks}`,
      vms: job.final?.result.kind === "fanout" ? `${job.vms.size}/${job.final.result.count}` : undefined,
    });
    send(ws, { type: "ack", id });
    this.settle(id, outcome);
  }

  settle(id: string, outcome: JobOutcome): void {
    const job = this.pending.get(id);
    if (!job) return;
    if (job.timer) clearTimeout(job.timer);
    if (job.lateTimer) clearTimeout(job.lateTimer);
    if (job.graceTimer) clearTimeout(job.graceTimer);
    this.pending.delete(id);
    this.bytesHeld -= job.bytes ?? 0;
    // The store keeps the result as the agent sent it; the output stays in its chunk rows.
    if (job.stored) {
      this.store.end(id, outcome.ok && job.final ? { ok: true, result: job.final.result } : outcome, Date.now());
    }
    // A fan-out keeps the VMs that answered, also when the job as a whole failed.
    job.resolve?.(job.vms.size ? { ...outcome, vms: Object.fromEntries(job.vms) } : outcome);
    if (!this.pending.size) this.onIdle();
  }

  /** Connection `conn` is gone: its jobs wait RECONNECT_GRACE_MS for the agent to claim them. */
  orphan(conn: string, why: string): void {
    this.reviveAll();
    const now = Date.now();
    for (const [id, job] of this.pending) {
      if (job.conn === conn && job.orphanedAt === undefined) this.orphanJob(id, job, why, now);
    }
  }

  orphanJob(id: string, job: Pending, why: string, now: number): void {
    job.orphanedAt = now;
    if (job.stored) this.store.setConn(id, job.conn, now);
    job.graceTimer = setTimeout(() => this.settle(id, lostOutcome(notBack(why))), RECONNECT_GRACE_MS);
  }

  /** Settles the jobs of client call `call` as cancelled, telling the agent through `cancel`; how many there were. */
  cancelCall(call: string, cancel: (id: string, conn: string | null) => void): number {
    let cancelled = 0;
    for (const [id, job] of this.pending) {
      if (job.call !== call) continue;
      cancel(id, job.conn);
      this.settle(id, failure("cancelled", CANCELLED_BY_CLIENT));
      cancelled++;
    }
    return cancelled;
  }

  /**
   * The alarm's round over background jobs (revived from the store after a restart): past
   * their deadline they are cancelled (`cancel` tells the agent) and settled as timed out; on
   * a connection that is gone they start their reconnect grace, or are lost once it is over.
   */
  reviewStored(
    now: number,
    connected: (conn: string | null) => boolean,
    cancel: (id: string, conn: string | null) => void,
  ): void {
    this.reviveAll();
    for (const [id, job] of this.pending) {
      if (!job.stored) continue;
      if (now >= job.deadline) {
        cancel(id, job.conn);
        this.settle(id, failure("timeout", "the agent did not answer before the job's deadline"));
      } else if (job.orphanedAt === undefined && !connected(job.conn)) {
        // The hub restarted and the connection is gone: the agent's grace starts now.
        this.orphanJob(id, job, "the edge restarted during the job", now);
      } else if (job.orphanedAt !== undefined && now - job.orphanedAt >= RECONNECT_GRACE_MS) {
        this.settle(id, lostOutcome(notBack("the agent's connection was lost during the job")));
      }
    }
  }

  /**
   * Connection `conn` said hello: the jobs it names are bound to it; this agent's other jobs
   * on older connections were lost (the agent restarted, or the job never reached it).
   * Returns the ids it names that the hub no longer waits for: the agent should stop them.
   */
  claim(conn: string, held: ReadonlySet<string>): string[] {
    this.reviveAll();
    for (const [id, job] of this.pending) {
      if (job.conn === conn) continue;
      if (!held.has(id)) {
        this.settle(
          id,
          lostOutcome("the agent reconnected without this job (it restarted, or the job never reached it)"),
        );
        continue;
      }
      if (job.graceTimer) clearTimeout(job.graceTimer);
      job.conn = conn;
      job.orphanedAt = undefined;
      if (job.stored) this.store.setConn(id, conn, null);
    }
    return [...held].filter((id) => !this.pending.has(id));
  }

  private revive(id: string): Pending | undefined {
    const stored = this.store.get(id);
    if (!stored || stored.endedAt !== null) return undefined;
    const { chunks, vms } = this.store.pieces(id);
    const { conn, deadline, spec } = stored;
    const job = newPending({ conn, stored: true, deadline, spec, chunks, vms });
    if (stored.final) job.final = stored.final;
    if (stored.orphanedAt !== null) job.orphanedAt = stored.orphanedAt;
    this.pending.set(id, job);
    return job;
  }
}
