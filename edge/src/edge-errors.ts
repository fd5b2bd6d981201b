/**
 * @module The edge's own recent error events (config errors, hubs that failed to answer),
 * for the status page. Kept in the isolate's memory: they happen in the Worker, which has no
 * storage of its own, and each isolate sees only its own; the hubs keep their agents' events
 * (failed jobs, disconnects) durably. A short ring: the logs keep the full history.
 */

export const KEEP_EDGE_ERRORS = 20;

export interface EdgeErrorEvent {
  at: number;
  kind: string;
  message: string;
}

const ring: EdgeErrorEvent[] = [];

export function noteEdgeError(kind: string, message: string, at = Date.now()): void {
  ring.push({ at, kind, message: message.slice(0, 500) });
  if (ring.length > KEEP_EDGE_ERRORS) ring.splice(0, ring.length - KEEP_EDGE_ERRORS);
}

/** Newest first. */
export function edgeErrors(): EdgeErrorEvent[] {
  return [...ring].reverse();
}
