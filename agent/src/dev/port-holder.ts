/**
 * @module Who listens on a loopback TCP port (Linux: /proc/net/tcp{,6} for the socket's
 * inode, then /proc/<pid>/fd for its owner), so "port in use" can name the process.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { procCmdline } from "./processes.js";

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is the 10th field.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === "0A" && fields[9] && fields[9] !== "0") {
        inodes.add(fields[9]);
      }
    }
  }
  return inodes;
}

/** The processes holding a listening socket on `port` that we may look at (others' are invisible). */
export function portHolders(port: number): { pid: number; cmdline: string }[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const holders: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        return target.startsWith("socket:[") && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
    if (holds) holders.push({ pid: Number(entry), cmdline: procCmdline(Number(entry)) ?? "?" });
  }
  return holders;
}
