/**
 * @module The agent's append-only audit log: one JSON line per job the agent received
 * (per VM for a fan-out), appended to `<data-dir>/audit.jsonl` and logged as the `audit`
 * event. The file is only ever appended to (flag "a", mode 0600, one write per line, in
 * order through one queue); past AUDIT_MAX_BYTES it is renamed `audit.jsonl.1` (the one
 * older file kept) and a new one begins. Writing never fails nor holds back a job: a
 * failed write is logged once per streak of failures (`audit_write_failed`), and the line
 * is in the agent's log all the same. One agent process writes one data directory: two
 * writers of one file keep each other's lines, but could race on a rotation.
 */
import { appendFile, mkdir, rename, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Job, VmOutcome } from "@telecommande/shared";
import type { Logger } from "../log.js";
import { type AuditLine, type AuditOutcome, execOutcome, jobVms, lineOf } from "./line.js";

export { type AuditLine, type AuditOutcome, resultOutcome } from "./line.js";

export const AUDIT_FILE = "audit.jsonl";
/** Size past which the file is rotated to `audit.jsonl.1`. */
export const AUDIT_MAX_BYTES = 50 * 1024 * 1024;
/** Lines waiting for the disk, at most; beyond, a line is only in the agent's log. */
export const AUDIT_MAX_PENDING = 10_000;

export interface AuditLogOptions {
  /** The file, usually `<data-dir>/audit.jsonl`. */
  file: string;
  log: Logger;
  maxBytes?: number;
  /** Values masked in every line (the agent's token, key passphrases). */
  secrets?: string[];
  now?: () => Date;
}

/** A job's audit while it runs: a fan-out's VMs one by one, then how the job ended. */
export interface JobAudit {
  /** One VM of a fan-out ended (its `vm_result` went out). */
  vm(name: string, outcome: VmOutcome): void;
  /** The job ended; a fan-out writes a line only for its VMs that have none yet. */
  end(outcome: AuditOutcome, duration_ms: number): void;
}

export class AuditLog {
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private dirReady = false;
  /** Lines lost in the current streak of failed writes (0: the last write went through). */
  private lost = 0;

  constructor(private readonly options: AuditLogOptions) {
    this.maxBytes = options.maxBytes ?? AUDIT_MAX_BYTES;
    this.now = options.now ?? (() => new Date());
  }

  get file(): string {
    return this.options.file;
  }

  /** A job refused before it ran. */
  denied(job: Job, code: string, reason: string): void {
    this.write(lineOf(job, jobVms(job), { code, message: reason }, 0, this.options.secrets, this.now()));
  }

  /** A job the runner starts. */
  begin(job: Job): JobAudit {
    const done = new Set<string>();
    let ended = false;
    return {
      vm: (name, outcome) => {
        if (ended || done.has(name)) return;
        done.add(name);
        const [how, duration_ms] = outcome.ok
          ? [execOutcome(outcome.result), outcome.result.duration_ms]
          : [{ code: outcome.code, message: outcome.message }, outcome.duration_ms];
        this.write(lineOf(job, [name], how, duration_ms, this.options.secrets, this.now()));
      },
      end: (outcome, duration_ms) => {
        if (ended) return;
        ended = true;
        let vms = jobVms(job);
        if (job.kind === "fanout" && done.size > 0) {
          // Each VM that answered has its line; an error of the whole job names the VMs left.
          vms = vms.filter((vm) => !done.has(vm));
          if (!vms.length || !("code" in outcome)) return;
        }
        this.write(lineOf(job, vms, outcome, duration_ms, this.options.secrets, this.now()));
      },
    };
  }

  /** Logs the line now and appends it once the lines before it are written. */
  write(line: AuditLine): void {
    this.options.log.info("audit", { ...line });
    if (this.pending >= AUDIT_MAX_PENDING) {
      this.failed(new Error(`more than ${AUDIT_MAX_PENDING} lines wait for the disk`));
      return;
    }
    const text = `${JSON.stringify(line)}\n`;
    this.pending++;
    this.queue = this.queue
      .then(() => this.append(text))
      .then(
        () => this.written(),
        (error: unknown) => this.failed(error),
      )
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves once every line written so far is on disk (or its write failed). */
  flush(): Promise<void> {
    return this.queue;
  }

  private async append(text: string): Promise<void> {
    const { file } = this.options;
    if (!this.dirReady) {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      this.dirReady = true;
    }
    // Another process (or an earlier run) may have written since: the size is read each time.
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 0 && size + Buffer.byteLength(text) > this.maxBytes) {
      await rename(file, `${file}.1`);
      this.options.log.info("audit_rotated", { file, bytes: size });
    }
    await appendFile(file, text, { flag: "a", mode: 0o600 });
  }

  private written(): void {
    if (this.lost === 0) return;
    this.options.log.info("audit_write_recovered", { file: this.options.file, lost_lines: this.lost });
    this.lost = 0;
  }

  private failed(error: unknown): void {
    if (this.lost++ === 0) {
      this.options.log.warn("audit_write_failed", {
        file: this.options.file,
        error: error instanceof Error ? error : String(error),
      });
    }
  }
}
