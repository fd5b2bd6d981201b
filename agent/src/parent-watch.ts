/**
 * @module Opt-in: stop when the process that started the agent is gone, even killed by
 * SIGKILL (which no handler of it can cover). `npm run dev` sets STOP_WITH_STDIN_ENV and keeps
 * a pipe on the agent's stdin; the kernel closes it when the launcher dies, so EOF means "gone".
 * Off by default: under systemd stdin is /dev/null, already at EOF, and the agent must run on.
 */
import type { Readable } from "node:stream";

export const STOP_WITH_STDIN_ENV = "TELECOMMANDE_STOP_WITH_STDIN";

/** Calls `onGone` once when stdin ends, if the environment asks for it; returns whether it watches. */
export function watchParentPipe(env: NodeJS.ProcessEnv, stdin: Readable, onGone: () => void): boolean {
  if (env[STOP_WITH_STDIN_ENV] !== "1") return false;
  let called = false;
  const gone = () => {
    if (called) return;
    called = true;
    onGone();
  };
  stdin.on("end", gone);
  stdin.on("close", gone);
  stdin.on("error", gone);
  stdin.resume(); // Nothing is ever sent: read only to see the end.
  return true;
}
