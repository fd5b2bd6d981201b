/**
 * @module Opening one SFTP session on a pooled connection: a session channel with the
 * `sftp` subsystem. Fails the way `openExec` does (a refusal carries sshd's reason, a gone
 * connection throws "Not connected"), so the pool treats both kinds of session alike.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { Client, SFTPWrapper } from "ssh2";
import { JobError } from "../errors.js";
import type { SshConnection } from "./connect.js";
import { isRefusal } from "./open-exec.js";

export interface OpenedSftp {
  sftp: SFTPWrapper;
  /** True once the SSH connection under the session has gone away. */
  connectionLost: () => boolean;
  /** For messages: `vm1 (10.0.0.5:22)`. */
  label: string;
}

/** Opens an SFTP session on `ssh`; a server without the SFTP subsystem is a `file_error`. */
export function openSftp(ssh: SshConnection, label: string): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    let mine: string | undefined;
    try {
      const before = new Set(channelIds(ssh.client));
      ssh.client.sftp((err, sftp) => {
        if (!err) return resolve(sftp);
        // Refusals (MaxSessions) and a dead connection are the pool's business.
        if (isRefusal(err) || !ssh.alive) return reject(err);
        // The session opened but sshd refused the subsystem: close it, or it holds a session slot for good.
        if (mine !== undefined) closeChannel(ssh.client, mine);
        reject(new JobError(ERROR_CODES.file, `cannot start SFTP on ${label}: ${err.message}`));
      });
      // ssh2 reserves the channel's local id synchronously inside sftp(): the one id new since then is ours.
      mine = channelIds(ssh.client).find((id) => !before.has(id));
    } catch (err) {
      // ssh2 throws "Not connected" synchronously when the socket is already gone.
      reject(err);
    }
  });
}

/**
 * ssh2 (pinned) keeps a client's channels in `_chanMgr._channels`, by local id, and does not
 * hand back the channel of a failed subsystem request: reaching in is the only way to close it.
 */
type Channels = Record<string, unknown>;

function channelTable(client: Client): Channels | undefined {
  return (client as unknown as { _chanMgr?: { _channels?: Channels } })._chanMgr?._channels;
}

function channelIds(client: Client): string[] {
  return Object.keys(channelTable(client) ?? {});
}

function closeChannel(client: Client, id: string): void {
  const channel = channelTable(client)?.[id] as { end?: () => void } | undefined;
  try {
    if (typeof channel?.end === "function") channel.end();
  } catch {
    // Already closing.
  }
}
