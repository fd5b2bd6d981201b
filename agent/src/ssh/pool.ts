/**
 * @module One SSH connection per VM, reused by every job: our own TCP socket with
 * TCP_NODELAY (no ~45 ms Nagle delay per exec) and keepalive, at most `maxChannels`
 * sessions at once (sshd's MaxSessions defaults to 10), and a transparent reconnect
 * when a connection has died.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { ClientChannel } from "ssh2";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import { connectSsh, type SshConnection } from "./connect.js";
import { killChannel, type OpenedChannel } from "./exec.js";
import type { HostKeyStore } from "./host-keys.js";

export interface PoolOptions {
  hostKeys: HostKeyStore;
  log: Logger;
  maxChannels?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** An unused connection is closed after this long; the next job reconnects. */
  idleCloseMs?: number;
}

interface Waiter {
  grant: () => void;
}

interface VmState {
  active: number;
  queue: Waiter[];
  conn?: SshConnection;
  connecting?: Promise<SshConnection>;
  idleTimer?: NodeJS.Timeout;
}

/** Rejects with the signal's reason as soon as it aborts; the underlying work carries on for others. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

function openExec(conn: SshConnection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      conn.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
    } catch (err) {
      // ssh2 throws "Not connected" synchronously when the socket is already gone.
      reject(err);
    }
  });
}

export class SshPool {
  private readonly states = new Map<string, VmState>();
  private readonly maxChannels: number;
  private closed = false;
  private readonly closing = new AbortController();
  /** SSH connections opened since start; tests use it to prove reuse. */
  connectionsOpened = 0;

  constructor(private readonly options: PoolOptions) {
    this.maxChannels = options.maxChannels ?? 8;
  }

  /** Opens a session channel on `vm` running `command`; the channel slot frees itself when it closes. */
  async open(vm: ServedVm, command: string, signal: AbortSignal): Promise<OpenedChannel> {
    if (this.closed) throw new JobError(ERROR_CODES.internal, "the agent is shutting down");
    const state = this.state(vm.name);
    await this.acquire(state, signal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.release(state);
    };
    try {
      let conn = await abortable(this.connection(vm, state), signal);
      let channel: ClientChannel;
      try {
        channel = await openExec(conn, command);
      } catch (err) {
        if (conn.uses === 0) throw this.sessionError(vm, err);
        // A reused connection may have died silently: reconnect once and retry.
        this.options.log.info("ssh_stale_connection", { vm: vm.name, error: err });
        this.discard(state, conn);
        conn = await abortable(this.connection(vm, state), signal);
        try {
          channel = await openExec(conn, command);
        } catch (again) {
          throw this.sessionError(vm, again);
        }
      }
      conn.uses++;
      const owner = conn;
      channel.once("close", release);
      if (signal.aborted) {
        killChannel(channel);
        throw signal.reason;
      }
      return { channel, connectionLost: () => !owner.alive, label: `${vm.name} (${vm.host}:${vm.port})` };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Ends every connection; queued jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const ending: Promise<void>[] = [];
    for (const state of this.states.values()) {
      clearTimeout(state.idleTimer);
      if (state.conn) ending.push(state.conn.end());
      state.conn = undefined;
    }
    await Promise.all(ending);
  }

  private state(name: string): VmState {
    let state = this.states.get(name);
    if (!state) {
      state = { active: 0, queue: [] };
      this.states.set(name, state);
    }
    return state;
  }

  private acquire(state: VmState, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    clearTimeout(state.idleTimer);
    if (state.active < this.maxChannels) {
      state.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        state.queue = state.queue.filter((w) => w !== waiter);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      state.queue.push(waiter);
    });
  }

  /** Hands the slot straight to the next waiter, so `active` never dips under a busy queue. */
  private release(state: VmState): void {
    const next = state.queue.shift();
    if (next) next.grant();
    else state.active--;
    if (state.active === 0 && state.conn) {
      // Keepalives would hold an idle connection open forever; a fleet of hundreds adds up.
      const conn = state.conn;
      state.idleTimer = setTimeout(() => {
        if (state.active === 0 && state.conn === conn) this.discard(state, conn);
      }, this.options.idleCloseMs ?? 300_000);
      state.idleTimer.unref();
    }
  }

  private connection(vm: ServedVm, state: VmState): Promise<SshConnection> {
    if (state.conn?.alive) return Promise.resolve(state.conn);
    if (!state.connecting) {
      const pending = connectSsh(vm, {
        hostKeys: this.options.hostKeys,
        log: this.options.log,
        readyTimeoutMs: this.options.readyTimeoutMs,
        keepaliveIntervalMs: this.options.keepaliveIntervalMs,
        signal: this.closing.signal,
        onClose: (conn) => {
          if (state.conn === conn) state.conn = undefined;
        },
      });
      state.connecting = pending;
      const settle = () => {
        if (state.connecting === pending) state.connecting = undefined;
      };
      pending.then((conn) => {
        settle();
        if (this.closed) {
          void conn.end();
          return;
        }
        this.connectionsOpened++;
        state.conn = conn;
      }, settle);
    }
    return state.connecting;
  }

  private discard(state: VmState, conn: SshConnection): void {
    if (state.conn === conn) state.conn = undefined;
    void conn.end();
  }

  private sessionError(vm: ServedVm, err: unknown): JobError {
    const detail = err instanceof Error ? err.message : String(err);
    return new JobError(
      ERROR_CODES.sshConnect,
      `cannot open an SSH session on ${vm.name} (${vm.host}:${vm.port}): ${detail}`,
    );
  }
}
