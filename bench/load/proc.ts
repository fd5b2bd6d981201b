/** @module What a process tree holds, from /proc: resident memory and open file descriptors. */
import { readdirSync, readFileSync } from "node:fs";

export interface Footprint {
  rssMiB: number;
  fds: number;
  processes: number;
  /** Resident memory by command name (wrangler's node and its workerd apart). */
  byName: Record<string, number>;
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: the parent pid is the 2nd field after its ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/** `root` and all its descendants (wrangler runs workerd as a child). */
export function treeOf(root: number): number[] {
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const children = new Map<number, number[]>();
  for (const pid of all) {
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

export function footprint(root: number | undefined): Footprint {
  if (root === undefined) return { rssMiB: Number.NaN, fds: Number.NaN, processes: 0, byName: {} };
  let kb = 0;
  let fds = 0;
  const byName: Record<string, number> = {};
  const pids = treeOf(root);
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? "?";
      byName[name] = (byName[name] ?? 0) + rss / 1024;
      kb += rss;
      fds += readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      // The process ended meanwhile.
    }
  }
  return { rssMiB: kb / 1024, fds, processes: pids.length, byName };
}
