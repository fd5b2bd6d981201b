/**
 * @module Who may hold an agent's one connection. A reconnect of the same agent process
 * replaces its stale socket; a second process started under the same name is refused while
 * the first still heartbeats, so two agents never knock each other off in a loop (each
 * replacement used to kill the other's jobs). Agents say which process they are in the
 * AGENT_INSTANCE_HEADER of their connect request. A socket without it (an agent older than
 * the header) is replaced by any newcomer, as before.
 */
import { HEARTBEAT_MS } from "@telecommande/shared";
import { attachment } from "./sockets.js";

export type Admission = { ok: true; replace: WebSocket[] } | { ok: false; reason: string };

/** When a socket last showed life: a message, or a heartbeat the runtime answered for us. */
export type LastSeen = (ws: WebSocket) => number;

export function admit(
  sockets: WebSocket[],
  agent: string,
  instance: string | null,
  lastSeen: LastSeen,
  now = Date.now(),
): Admission {
  for (const ws of sockets) {
    const att = attachment(ws);
    const live = ws.readyState === WebSocket.OPEN && att?.ready === true && now - lastSeen(ws) <= 3 * HEARTBEAT_MS;
    // A newcomer that names no instance is not taken for the live process either: anyone
    // holding the token could otherwise knock the real agent off by leaving the header out.
    if (live && att?.instance && att.instance !== instance) {
      // A close reason is at most 123 bytes: keep it short and whole.
      return { ok: false, reason: `agent "${agent.slice(0, 40)}" is already connected from another process` };
    }
  }
  return { ok: true, replace: sockets };
}
