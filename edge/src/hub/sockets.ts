/** @module The agent sockets a hub holds: what each carries through hibernation, and sending on one. */
import { encodeMessage, type OutgoingMessage } from "@telecommande/shared";

/** Survives hibernation with the socket. */
export interface Attachment {
  agent: string;
  /** This connection's own id: jobs are bound to it, and only it may answer for them. */
  conn: string;
  ready: boolean;
  vms: string[];
  /** The agent process's id (admission.ts); null from an agent that does not send one. */
  instance?: string | null;
}

export function attachment(ws: WebSocket): Attachment | null {
  return (ws.deserializeAttachment() as Attachment | null) ?? null;
}

export function send(ws: WebSocket | undefined, message: OutgoingMessage): boolean {
  if (!ws) return false;
  try {
    ws.send(encodeMessage(message));
    return true;
  } catch {
    return false;
  }
}
