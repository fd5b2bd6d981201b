/** @module One `npm run dev` run: what it started, so one place can stop it all, in order. */
import { rmSync } from "node:fs";
import type { DemoTarget } from "./demo-target.js";
import { type Child, ChildFailed, describeExit, killGroupNow } from "./processes.js";
import type { SessionFile } from "./session-record.js";

/** Ctrl-C, SIGTERM, SIGHUP or the parent gone: a normal stop. */
export class Interrupted extends Error {}

/** Everything a session started, so one place can stop it all, in order. */
export class Session {
  edge: Child | undefined;
  readonly agents: Child[] = [];
  demo: DemoTarget | undefined;
  tempDir: string | undefined;
  /** On disk while the session runs, so the next start can find what a killed one left. */
  file: SessionFile | undefined;
  stopping = false;
  private cleanedUp = false;
  private fail: (err: Error) => void = () => {};
  /** Rejects on the first reason to stop; every startup step races it so nothing waits past it. */
  readonly stopped = new Promise<never>((_, reject) => {
    this.fail = reject;
  });

  constructor() {
    this.stopped.catch(() => {});
  }

  abort(err: Error): void {
    this.fail(err);
  }

  step<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.stopped]);
  }

  /** Watches a child: its exit before we stop is a failure of the whole session. */
  watch(child: Child): Child {
    child.exited.then((exit) => {
      if (!this.stopping) this.abort(new ChildFailed(child, `${child.label} exited ${describeExit(exit)}`));
    });
    return child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // Agents are signalled first, so none sees the edge vanish before it knows it is stopping
    // (no reconnect attempts); then all stop in parallel, so Ctrl-C costs the slowest, not the sum.
    await Promise.all([...this.agents, this.edge].map((child) => child?.stop()));
    await this.demo?.close();
    this.removeTemp();
    this.file?.remove();
    this.cleanedUp = true;
  }

  /** Synchronous last resort for the "exit" event (a crash, a second Ctrl-C). */
  killNow(): void {
    if (this.cleanedUp) return;
    for (const child of [...this.agents, this.edge]) if (child?.pid !== undefined) killGroupNow(child.pid);
    this.removeTemp();
    this.file?.remove();
  }

  private removeTemp(): void {
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }
}
