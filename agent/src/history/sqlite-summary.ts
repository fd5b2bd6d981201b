/**
 * @module What `telecommande-agent history stats` tells about the embedded store as a
 * whole: how many records, the time they span, and the VMs with the most.
 */
import type { Statements } from "./sqlite-filter.js";

export interface HistorySummary {
  count: number;
  /** Epoch seconds of the oldest and newest record; null when there is none. */
  oldest: number | null;
  newest: number | null;
  /** How many VMs have records, and the busiest ones (most records first, at most `top`). */
  vms: number;
  topVms: { vm: string; count: number }[];
}

export function summarySqlite(statements: Statements, top: number): HistorySummary {
  const span = statements
    .get("SELECT count(*) AS count, min(timestamp) AS oldest, max(timestamp) AS newest FROM operations")
    .get() as { count: number; oldest: number | null; newest: number | null };
  // One pass over the (vm, timestamp) index: a fleet has few VMs, so all of them fit in memory.
  const perVm = statements
    .get("SELECT vm, count(*) AS count FROM operations GROUP BY vm ORDER BY count DESC, vm")
    .all() as { vm: string; count: number }[];
  return { ...span, vms: perVm.length, topVms: perVm.slice(0, top) };
}
