/**
 * @module SSH connections per VM, reused by every job: our own TCP socket with
 * TCP_NODELAY (no ~45 ms Nagle delay per exec) and keepalive, at most `maxChannels`
 * sessions at once on one connection and `maxConnections` connections to one VM, opened
 * one at a time as the load needs them, and a transparent reconnect when one has died.
 *
 * sshd refusing a session (`Channel open failure: open failed`, its MaxSessions limit) is
 * a "busy" answer on a healthy connection, never a reason to close it: the job waits and
 * retries, and when the refusal comes with as many channels open as we have ever had
 * open at once, that count is the server's limit and the pool stays under it from then on.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { ClientChannel } from "ssh2";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import type { SshConnection } from "./connect.js";
import { Dialer } from "./dialer.js";
import { type ExitRecord, type OpenedChannel, stopChannel } from "./exec.js";
import type { HostKeyStore } from "./host-keys.js";
import { type ExecError, isDead, isRefusal, openExec, sleep } from "./open-exec.js";
import { SessionLimit } from "./session-limit.js";

export interface PoolOptions {
  hostKeys: HostKeyStore;
  log: Logger;
  /**
   * Sessions at once on one connection. Below sshd's default MaxSessions (10) on purpose:
   * sshd frees a session slightly after we see its channel close, so a full 10 would be
   * refused now and then.
   */
  maxChannels?: number;
  /** Connections at once to one VM; with `maxChannels`, the per-VM concurrency. */
  maxConnections?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** An unused connection is closed after this long; the next job reconnects. */
  idleCloseMs?: number;
  /** SSH handshakes at once across all VMs. */
  maxHandshakes?: number;
}

export const DEFAULT_MAX_CHANNELS = 8;
export const DEFAULT_MAX_CONNECTIONS = 4;
/** Refusals one job sits through before it gives up as `busy`; waits grow to 50 ms, so ~2 s. */
const MAX_REFUSALS = 50;

interface Conn {
  ssh: SshConnection;
  /** Channels open or being opened on it: the slots taken. */
  active: number;
  /** Every channel open sent and not yet refused or closed, by send order. */
  live: Set<number>;
  sent: number;
  idleTimer?: NodeJS.Timeout;
}

interface Waiter {
  grant: (conn: Conn) => void;
  fail: (err: unknown) => void;
}

interface VmState {
  vm: ServedVm;
  conns: Conn[];
  queue: Waiter[];
  connecting: boolean;
  /** After a failed extra connection, no other is tried before this time (performance.now()). */
  growAfter: number;
  /** Channels per connection this server takes: `maxChannels` until it refuses at its limit. */
  sessions: SessionLimit;
}

/** Channel opens on `conn` sent up to `seq` (included) and not yet refused or closed. */
function liveUpTo(conn: Conn, seq: number): number {
  let live = 0;
  for (const other of conn.live) if (other <= seq) live++;
  return live;
}

export class SshPool {
  private readonly states = new Map<string, VmState>();
  private readonly maxChannels: number;
  private readonly maxConnections: number;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly dialer: Dialer;
  /** SSH connections opened since start; tests use it to prove reuse. */
  connectionsOpened = 0;
  /** Channel opens the servers refused and that were retried. */
  refusals = 0;

  constructor(private readonly options: PoolOptions) {
    this.maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.dialer = new Dialer({
      hostKeys: options.hostKeys,
      log: options.log,
      readyTimeoutMs: options.readyTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs,
      signal: this.closing.signal,
      maxHandshakes: options.maxHandshakes,
    });
  }

  /**
   * Opens a session channel on `vm` running `command`; the channel slot frees itself when it
   * closes. `onSent` hears each time the exec request goes out.
   */
  async open(vm: ServedVm, command: string, signal: AbortSignal, onSent?: () => void): Promise<OpenedChannel> {
    if (this.closed) throw new JobError(ERROR_CODES.internal, "the agent is shutting down");
    const state = this.state(vm);
    let refused = 0;
    let staleRetried = false;
    for (;;) {
      const conn = await this.acquire(state, signal, refused > 0);
      let opened: { channel: ClientChannel; exit: ExitRecord };
      const seq = conn.sent++;
      conn.live.add(seq);
      try {
        opened = await openExec(conn.ssh, command, onSent);
      } catch (err) {
        conn.active--;
        conn.live.delete(seq);
        if (isRefusal(err)) {
          refused++;
          await this.refusedOn(state, conn, seq, err as ExecError, refused, signal);
          continue;
        }
        this.pump(state);
        if (!isDead(conn.ssh, err)) throw this.sessionError(vm, err);
        this.discard(state, conn);
        if (conn.ssh.uses > 0 && !staleRetried) {
          // A reused connection may have died silently: reconnect once and retry.
          staleRetried = true;
          this.options.log.info("ssh_stale_connection", { vm: vm.name, error: err });
          continue;
        }
        throw this.sessionError(vm, err);
      }
      const { channel, exit } = opened;
      conn.ssh.uses++;
      state.sessions.granted(liveUpTo(conn, seq));
      channel.once("close", () => {
        conn.live.delete(seq);
        this.release(state, conn);
      });
      if (signal.aborted) {
        stopChannel(channel);
        throw signal.reason;
      }
      const owner = conn.ssh;
      return { channel, exit, connectionLost: () => !owner.alive, label: `${vm.name} (${vm.host}:${vm.port})` };
    }
  }

  /** Ends every connection; queued jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const ending: Promise<void>[] = [];
    const shutdown = new JobError(ERROR_CODES.internal, "the agent is shutting down");
    for (const state of this.states.values()) {
      for (const waiter of state.queue.splice(0)) waiter.fail(shutdown);
      for (const conn of state.conns.splice(0)) {
        clearTimeout(conn.idleTimer);
        ending.push(conn.ssh.end());
      }
    }
    await Promise.all(ending);
  }

  private state(vm: ServedVm): VmState {
    let state = this.states.get(vm.name);
    if (!state) {
      state = {
        vm,
        conns: [],
        queue: [],
        connecting: false,
        growAfter: 0,
        sessions: new SessionLimit(this.maxChannels),
      };
      this.states.set(vm.name, state);
    }
    state.vm = vm;
    return state;
  }

  /** Waits for a channel slot on some connection to the VM; `first` puts a retrying job ahead of the queue. */
  private acquire(state: VmState, signal: AbortSignal, first: boolean): Promise<Conn> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<Conn>((resolve, reject) => {
      const onAbort = () => {
        state.queue = state.queue.filter((w) => w !== waiter);
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
      if (first) state.queue.unshift(waiter);
      else state.queue.push(waiter);
      this.pump(state);
    });
  }

  /** Hands free slots to waiting jobs, least busy connection first; opens another connection if they all are full. */
  private pump(state: VmState): void {
    while (state.queue.length) {
      const conn = this.freeConn(state);
      if (!conn) break;
      const waiter = state.queue.shift() as Waiter;
      clearTimeout(conn.idleTimer);
      conn.active++;
      waiter.grant(conn);
    }
    if (state.queue.length) this.grow(state);
  }

  private freeConn(state: VmState): Conn | undefined {
    let best: Conn | undefined;
    for (const conn of state.conns) {
      if (!conn.ssh.alive || conn.active >= state.sessions.limit) continue;
      if (!best || conn.active < best.active) best = conn;
    }
    return best;
  }

  /** Opens one more connection to the VM, one handshake at a time (sshd's MaxStartups counts them). */
  private grow(state: VmState): void {
    if (this.closed || state.connecting || state.conns.length >= this.maxConnections) return;
    if (state.conns.length > 0 && performance.now() < state.growAfter) return;
    state.connecting = true;
    const { vm } = state;
    const onClose = (ssh: SshConnection) => {
      const conn = state.conns.find((c) => c.ssh === ssh);
      if (!conn) return;
      clearTimeout(conn.idleTimer);
      state.conns = state.conns.filter((c) => c !== conn);
      this.pump(state);
    };
    this.dialer.dial(vm, onClose).then(
      (ssh) => {
        state.connecting = false;
        if (this.closed) {
          void ssh.end();
          return;
        }
        this.connectionsOpened++;
        state.conns.push({ ssh, active: 0, live: new Set(), sent: 0 });
        this.pump(state);
      },
      (err: unknown) => {
        state.connecting = false;
        if (state.conns.some((c) => c.ssh.alive)) {
          // The VM is served by the connections it has; the queue waits for them.
          state.growAfter = performance.now() + 1_000;
          this.options.log.info("ssh_extra_connection_failed", { vm: vm.name, error: err });
          return;
        }
        for (const waiter of state.queue.splice(0)) waiter.fail(err);
      },
    );
  }

  private release(state: VmState, conn: Conn): void {
    conn.active--;
    this.pump(state);
    if (conn.active === 0 && state.conns.includes(conn)) {
      // Keepalives would hold an idle connection open forever; a fleet of hundreds adds up.
      clearTimeout(conn.idleTimer);
      conn.idleTimer = setTimeout(() => {
        if (conn.active === 0) this.discard(state, conn);
      }, this.options.idleCloseMs ?? 300_000);
      conn.idleTimer.unref();
    }
  }

  /** A refused channel open: learn from it, then wait a little before the job tries again. */
  private async refusedOn(
    state: VmState,
    conn: Conn,
    seq: number,
    err: ExecError,
    refused: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { vm } = state;
    this.refusals++;
    // Opens are answered in order: every live one sent before this one is a session the server counted.
    const ahead = liveUpTo(conn, seq - 1);
    const verdict = state.sessions.refused(ahead);
    if (verdict === "refuses-all") {
      this.pump(state);
      throw new JobError(
        ERROR_CODES.sshConnect,
        `${vm.name} (${vm.host}:${vm.port}) refused to open an SSH session: ${err.message}`,
      );
    }
    if (verdict === "learned") {
      this.options.log.warn("ssh_session_limit", {
        vm: vm.name,
        limit: ahead,
        hint: "the server refused a session at this count (sshd MaxSessions); the pool stays under it",
      });
    }
    if (refused >= MAX_REFUSALS) {
      this.pump(state);
      throw new JobError(
        ERROR_CODES.busy,
        `${vm.name} (${vm.host}:${vm.port}) kept refusing new SSH sessions (${refused} times); try again shortly`,
      );
    }
    await sleep(Math.min(2 ** (refused - 1), 50), signal).finally(() => this.pump(state));
  }

  private discard(state: VmState, conn: Conn): void {
    clearTimeout(conn.idleTimer);
    state.conns = state.conns.filter((c) => c !== conn);
    void conn.ssh.end();
  }

  private sessionError(vm: ServedVm, err: unknown): JobError {
    if (err instanceof JobError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return new JobError(
      ERROR_CODES.sshConnect,
      `cannot open an SSH session on ${vm.name} (${vm.host}:${vm.port}): ${detail}`,
    );
  }
}
