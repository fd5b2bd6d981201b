/**
 * @module What the agent sent for each job it still holds, in order, so that after a
 * dropped edge connection it can send it all again and the hub misses nothing (it ignores
 * repeats). A job's journal goes once the edge acknowledges the job's answer.
 */
import type { Message } from "@telecommande/shared";
import type { Logger } from "./log.js";

/** The messages that make up a job's answer; `tail` is only a live display and is never kept. */
export type JournalMessage = Extract<Message, { type: "progress" | "vm_result" | "result" | "error" }>;

/**
 * Journals of all jobs together stay under this. Output is already capped per job (1 MiB a
 * stream for exec, the edge's per-VM budget for fan-out), so this only guards against many
 * big answers waiting for their acknowledgement at once.
 */
export const JOURNAL_MAX_BYTES = 64 * 1024 * 1024;

export interface JobJournalOptions {
  log: Logger;
  maxBytes?: number;
}

interface Entry {
  message: JournalMessage;
  bytes: number;
}

interface Journal {
  entries: Entry[];
  /** Messages dropped to stay under the bound; the replay of this job is incomplete. */
  dropped: number;
}

/** The job's answer itself: never dropped to save memory, so a replay always ends the job. */
function isFinal(message: JournalMessage): boolean {
  return message.type === "result" || message.type === "error";
}

export class JobJournal {
  /** In the order jobs first recorded something: a replay sends older jobs first. */
  private readonly jobs = new Map<string, Journal>();
  private total = 0;
  private readonly maxBytes: number;

  constructor(private readonly options: JobJournalOptions) {
    this.maxBytes = options.maxBytes ?? JOURNAL_MAX_BYTES;
  }

  /** Size of everything kept, as encoded on the wire. */
  get bytes(): number {
    return this.total;
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** The job's messages in the order they were recorded. */
  messages(id: string): JournalMessage[] {
    return this.jobs.get(id)?.entries.map((e) => e.message) ?? [];
  }

  record(id: string, message: JournalMessage): void {
    let journal = this.jobs.get(id);
    if (!journal) {
      journal = { entries: [], dropped: 0 };
      this.jobs.set(id, journal);
    }
    const bytes = JSON.stringify(message).length;
    journal.entries.push({ message, bytes });
    this.total += bytes;
    if (this.total > this.maxBytes) this.trim(id);
  }

  /** Forgets a job; true when it had a journal. */
  drop(id: string): boolean {
    const journal = this.jobs.get(id);
    if (!journal) return false;
    for (const e of journal.entries) this.total -= e.bytes;
    this.jobs.delete(id);
    return true;
  }

  /** Sends every journal again, job after job, each in its order; returns how many messages went. */
  replay(send: (message: JournalMessage) => void): number {
    let count = 0;
    for (const journal of this.jobs.values()) {
      for (const e of journal.entries) {
        send(e.message);
        count++;
      }
    }
    return count;
  }

  clear(): void {
    this.jobs.clear();
    this.total = 0;
  }

  /**
   * Over the bound: drop output chunks and per-VM outcomes, oldest first, from the job that
   * just grew, then from the others, oldest job first (their early messages are the likeliest
   * to have reached the hub already). Results and errors stay, so every job still ends.
   */
  private trim(grown: string): void {
    const order = [grown, ...[...this.jobs.keys()].filter((id) => id !== grown)];
    for (const id of order) {
      const journal = this.jobs.get(id);
      if (!journal) continue;
      const before = journal.dropped;
      journal.entries = journal.entries.filter((e) => {
        if (this.total <= this.maxBytes || isFinal(e.message)) return true;
        this.total -= e.bytes;
        journal.dropped++;
        return false;
      });
      // Once per job: a replay of it will miss messages, which the hub will notice.
      if (before === 0 && journal.dropped > 0) {
        this.options.log.warn("journal_trimmed", {
          job_id: id,
          max_bytes: this.maxBytes,
          message: "too much unacknowledged output held; older messages of this job are no longer kept for a resend",
        });
      }
      if (this.total <= this.maxBytes) return;
    }
  }
}
