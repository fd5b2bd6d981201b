/**
 * @module The SSH connections to one VM and the jobs waiting for a channel on them: hands
 * free slots out in order (least busy connection first), opens another connection when all
 * are full (one handshake at a time, up to `maxConnections`), and closes a connection left
 * idle. How many channels a connection takes is the VM's SessionLimit.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import type { SshConnection } from "./connect.js";
import type { Dialer } from "./dialer.js";
import { SessionLimit } from "./session-limit.js";

export interface Conn {
  ssh: SshConnection;
  /** Channels open or being opened on it: the slots taken. */
  active: number;
  /** Every channel open sent and not yet refused or closed, by send order. */
  live: Set<number>;
  sent: number;
  idleTimer?: NodeJS.Timeout;
}

/** Channel opens on `conn` sent up to `seq` (included) and not yet refused or closed. */
export function liveUpTo(conn: Conn, seq: number): number {
  let live = 0;
  for (const other of conn.live) if (other <= seq) live++;
  return live;
}

interface Waiter {
  grant: (conn: Conn) => void;
  fail: (err: unknown) => void;
}

/**
 * Jobs that may wait at once for a channel on one VM. Beyond it a job is refused as busy at
 * once: an unbounded queue would only hold memory and time out later, far less clearly.
 */
export const MAX_WAITING_PER_VM = 2_000;

export interface VmSlotsOptions {
  dialer: Dialer;
  log: Logger;
  maxChannels: number;
  maxConnections: number;
  idleCloseMs: number;
  /** False once the pool is closing: no new connection is kept. */
  open: () => boolean;
  /** Hears every connection opened (the pool counts them). */
  onConnected: () => void;
  /** Jobs that may wait at once (default MAX_WAITING_PER_VM). */
  maxWaiting?: number;
}

export class VmSlots {
  private conns: Conn[] = [];
  private queue: Waiter[] = [];
  private connecting = false;
  /** After a failed extra connection, no other is tried before this time (performance.now()). */
  private growAfter = 0;
  /** Channels per connection this server takes: `maxChannels` until it refuses at its limit. */
  readonly sessions: SessionLimit;

  constructor(
    public vm: ServedVm,
    private readonly options: VmSlotsOptions,
  ) {
    this.sessions = new SessionLimit(options.maxChannels);
  }

  /** Waits for a channel slot on some connection; `first` puts a retrying job ahead of the queue. */
  take(signal: AbortSignal, first: boolean): Promise<Conn> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const limit = this.options.maxWaiting ?? MAX_WAITING_PER_VM;
    if (!first && this.queue.length >= limit) {
      const why = `${this.queue.length} jobs already wait for an SSH session on ${this.vm.name}; retry in a few seconds`;
      return Promise.reject(new JobError(ERROR_CODES.busy, why));
    }
    return new Promise<Conn>((resolve, reject) => {
      const onAbort = () => {
        this.queue = this.queue.filter((w) => w !== waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: (conn) => {
          signal.removeEventListener("abort", onAbort);
          resolve(conn);
        },
        fail: (err) => {
          signal.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      if (first) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  /** Hands free slots to waiting jobs, least busy connection first; opens another connection if they all are full. */
  pump(): void {
    while (this.queue.length) {
      const conn = this.freeConn();
      if (!conn) break;
      const waiter = this.queue.shift() as Waiter;
      clearTimeout(conn.idleTimer);
      conn.active++;
      waiter.grant(conn);
    }
    if (this.queue.length) this.grow();
  }

  /** A channel on `conn` closed: its slot goes to the next job; an unused connection closes later. */
  release(conn: Conn): void {
    conn.active--;
    this.pump();
    if (conn.active === 0 && this.conns.includes(conn)) {
      // Keepalives would hold an idle connection open forever; a fleet of hundreds adds up.
      clearTimeout(conn.idleTimer);
      conn.idleTimer = setTimeout(() => {
        if (conn.active === 0) this.discard(conn);
      }, this.options.idleCloseMs);
      conn.idleTimer.unref();
    }
  }

  discard(conn: Conn): void {
    clearTimeout(conn.idleTimer);
    this.conns = this.conns.filter((c) => c !== conn);
    void conn.ssh.end();
  }

  /** Fails the waiting jobs with `err` and ends every connection. */
  close(err: unknown): Promise<void>[] {
    for (const waiter of this.queue.splice(0)) waiter.fail(err);
    return this.conns.splice(0).map((conn) => {
      clearTimeout(conn.idleTimer);
      return conn.ssh.end();
    });
  }

  private freeConn(): Conn | undefined {
    let best: Conn | undefined;
    for (const conn of this.conns) {
      if (!conn.ssh.alive || conn.active >= this.sessions.limit) continue;
      if (!best || conn.active < best.active) best = conn;
    }
    return best;
  }

  /** Opens one more connection to the VM, one handshake at a time (sshd's MaxStartups counts them). */
  private grow(): void {
    if (!this.options.open() || this.connecting || this.conns.length >= this.options.maxConnections) return;
    if (this.conns.length > 0 && performance.now() < this.growAfter) return;
    this.connecting = true;
    const onClose = (ssh: SshConnection) => {
      const conn = this.conns.find((c) => c.ssh === ssh);
      if (!conn) return;
      clearTimeout(conn.idleTimer);
      this.conns = this.conns.filter((c) => c !== conn);
      this.pump();
    };
    this.options.dialer.dial(this.vm, onClose).then(
      (ssh) => {
        this.connecting = false;
        if (!this.options.open()) {
          void ssh.end();
          return;
        }
        this.options.onConnected();
        this.conns.push({ ssh, active: 0, live: new Set(), sent: 0 });
        this.pump();
      },
      (err: unknown) => {
        this.connecting = false;
        if (this.conns.some((c) => c.ssh.alive)) {
          // The VM is served by the connections it has; the queue waits for them.
          this.growAfter = performance.now() + 1_000;
          this.options.log.info("ssh_extra_connection_failed", { vm: this.vm.name, error: err });
          return;
        }
        for (const waiter of this.queue.splice(0)) waiter.fail(err);
      },
    );
  }
}
