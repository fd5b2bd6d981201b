/**
 * @module Opens SSH connections for the pool. At most `maxHandshakes` handshakes run at
 * once across every VM: a fleet call may open hundreds, and sshd drops unauthenticated
 * connections above its MaxStartups (10 by default). A connection that sshd dropped during
 * the handshake is tried again, up to three times, after a short random pause.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import { type ConnectOptions, connectSsh, type SshConnection } from "./connect.js";

export const DEFAULT_MAX_HANDSHAKES = 64;
const ATTEMPTS = 4;

export interface DialerOptions extends Omit<ConnectOptions, "onClose"> {
  maxHandshakes?: number;
}

export class Dialer {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly maxHandshakes: number;

  constructor(private readonly options: DialerOptions) {
    this.maxHandshakes = options.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES;
  }

  async dial(vm: ServedVm, onClose: (conn: SshConnection) => void): Promise<SshConnection> {
    for (let attempt = 1; ; attempt++) {
      await this.slot();
      try {
        return await connectSsh(vm, { ...this.options, onClose });
      } catch (err) {
        const again = err instanceof JobError && err.transient && attempt < ATTEMPTS && !this.options.signal?.aborted;
        if (!again) throw err;
        this.options.log.info("ssh_connect_retry", { vm: vm.name, attempt, error: err.message });
      } finally {
        this.free();
      }
      await sleep(50 + Math.random() * 150 * attempt);
    }
  }

  private slot(): Promise<void> {
    if (this.active < this.maxHandshakes) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next dial, so `active` never dips under a waiting queue. */
  private free(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
