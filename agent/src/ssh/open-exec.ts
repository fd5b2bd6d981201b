/**
 * @module Opening one exec channel on a pooled connection, and telling apart the ways it
 * fails: the server refusing a session (busy, the connection is fine) and a connection
 * that is gone.
 */
import type { ClientChannel } from "ssh2";
import type { SshConnection } from "./connect.js";
import { type ExitRecord, watchExit } from "./exec.js";

export type ExecError = Error & { reason?: number | string };

/** Opens an exec channel; `onSent` hears that the request went out (the command may run from then on). */
export function openExec(
  ssh: SshConnection,
  command: string,
  onSent?: () => void,
): Promise<{ channel: ClientChannel; exit: ExitRecord }> {
  return new Promise((resolve, reject) => {
    try {
      ssh.client.exec(command, (err, channel) => {
        if (err) return reject(err);
        // Synchronously, before any await: the exit status may already be in this read.
        resolve({ channel, exit: watchExit(channel) });
      });
      onSent?.();
    } catch (err) {
      // ssh2 throws "Not connected" synchronously when the socket is already gone.
      reject(err);
    }
  });
}

/** The server answered the channel open with a refusal: the connection itself is fine. */
export function isRefusal(err: unknown): boolean {
  return err instanceof Error && (err as ExecError).reason !== undefined;
}

/** The exec failed because the connection is gone, not because the server said no to it. */
export function isDead(ssh: SshConnection, err: unknown): boolean {
  return !ssh.alive || (err instanceof Error && /not connected/i.test(err.message));
}
