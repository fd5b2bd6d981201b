/**
 * @module What `npm run dev` checks before it starts anything: the checkout has what it
 * runs, the port is free (naming who holds it), and what an earlier run left behind.
 */
import { existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { portHolders } from "./port-holder.js";
import { stopGroup } from "./processes.js";
import { findSessions } from "./session-record.js";

/** Checked before anything starts, so a broken checkout fails in a second, not after the edge is up. */
export function requireFile(path: string, fix: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
}

const brief = (cmdline: string) => (cmdline.length > 100 ? `${cmdline.slice(0, 99)}…` : cmdline);

/** Names who holds the port, when we may see it: "in use" alone sends people hunting. */
function portInUse(port: number): Error {
  const holders = portHolders(port);
  const who = holders.length
    ? `by ${holders.map(({ pid, cmdline }) => `pid ${pid} (${brief(cmdline)})`).join(", ")}, which this checkout's npm run dev did not start; stop it (kill ${holders.map((h) => h.pid).join(" ")}) or`
    : "(by a process we cannot see: another user's?);";
  return new Error(`port ${port} on 127.0.0.1 is in use ${who} pick another port with PORT=<n> or --port <n>`);
}

/** Fails fast on a busy port: otherwise another edge's /health would pass for ours. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? portInUse(port) : new Error(`cannot use port ${port}: ${err.message}`)),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/**
 * Looks at the sessions recorded before this one. A live one on our port: refuse, naming it.
 * Leftovers of a killed one (its launcher gone, its children not): named, then stopped.
 * Stopping them without asking is safe and what anyone would do next: they are provably that
 * session's (same boot, process group and start time as recorded, never a reused pid), and an
 * orphaned session serves nobody: no terminal shows its logs, Ctrl-C cannot reach it, and its
 * demo SSH target died with the launcher. Anything not provably ours is only ever named.
 */
export async function clearLeftovers(
  dir: string,
  root: string,
  port: number,
  shout: (message: string) => void,
): Promise<void> {
  for (const previous of findSessions(dir, root)) {
    const { record, survivors } = previous;
    if (previous.launcherRunning) {
      if (record.port !== port) continue;
      throw new Error(
        `port ${port} is used by another npm run dev (launcher pid ${record.launcher.pid}): stop it with Ctrl-C in its terminal or \`kill ${record.launcher.pid}\`, or pick another port with PORT=<n> or --port <n>`,
      );
    }
    if (survivors.length) {
      shout(
        `a previous npm run dev (launcher pid ${record.launcher.pid}, port ${record.port}) was killed and left these running:`,
      );
      for (const { pid, what, cmdline } of survivors) {
        shout(`  pid ${pid}  ${what} on port ${record.port}: ${brief(cmdline)}`);
      }
      shout(
        `they are provably that session's (same boot, process group and start time as in ${previous.path}): stopping them`,
      );
      await Promise.all(record.groups.map((group) => stopGroup(group.pid)));
      shout("stopped them");
    }
    if (record.tempDir) rmSync(record.tempDir, { recursive: true, force: true });
    rmSync(previous.path, { force: true });
  }
}
