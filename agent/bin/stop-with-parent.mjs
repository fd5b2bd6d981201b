#!/usr/bin/env node
/**
 * @module `stop-with-parent.mjs <command> [args…]`: runs the command (wrangler dev, for
 * `npm run dev`) and stops it, with everything it spawned (workerd), once stdin reaches EOF.
 * stdin is a pipe from the launcher: the kernel closes it when the launcher dies, even by
 * SIGKILL, which no signal handler of the launcher can cover. wrangler cannot be taught to
 * watch its parent, so this script does it for it.
 *
 * The command runs in our process group (the launcher started us as a group leader), so the
 * launcher's own group stop still reaches every process directly. Plain JavaScript, no tsx:
 * it must start in milliseconds and depend on nothing.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** SIGTERM, then SIGKILL for whatever is left after this long (the launcher itself allows more). */
const GRACE_MS = 2_000;

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write("usage: stop-with-parent.mjs <command> [args…] (stops it when stdin closes)\n");
  process.exit(2);
}

/** [pgrp, state] of a process, or null once it is gone. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

const pgid = stat("self")?.pgrp ?? process.pid;

/** Live members of our group other than us (zombies are dead: nobody may ever reap them here). */
function others() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const s = stat(entry);
    if (s && s.pgrp === pgid && s.state !== "Z") pids.push(Number(entry));
  }
  return pids;
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
/** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
let childExit;
child.once("error", (err) => {
  process.stderr.write(`stop-with-parent: cannot start ${command}: ${err.message}\n`);
  childExit = { code: 127, signal: null };
  stop();
});
child.once("exit", (code, signal) => {
  childExit = { code, signal };
  // Died on its own: take down what it left (workerd), then report its status as ours.
  stop();
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const pid of others()) kill(pid, "SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  const timer = setInterval(() => {
    const left = others();
    if (left.length === 0 && childExit) return finish();
    if (Date.now() >= deadline) for (const pid of left) kill(pid, "SIGKILL");
  }, 50);
  function finish() {
    clearInterval(timer);
    const { code, signal } = childExit ?? { code: 0, signal: null };
    if (!signal) process.exit(code ?? 1);
    // Die the way the command did, so the launcher can say "on signal SIGTERM".
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
}

// The launcher stops the edge by signalling the whole group: the command got the signal too.
// A signal sent to this process alone (`kill <pid>`) is passed on by stop().
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, stop);

process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.on("error", stop);
process.stdin.resume();
