/**
 * @module `npm run dev`: the edge (wrangler dev) and one agent per agent name, wired with a
 * fresh token, against CONFIG / ./config.yaml or, with no config, the in-process demo
 * target. Stops everything on Ctrl-C, and everything with exit 1 when a child dies.
 */
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, ConfigError, permissionsEnabled } from "@telecommande/shared";
import { PERMISSIONS_OFF, renderBanner } from "./banner.js";
import { type DemoTarget, demoConfig, startDemoTarget } from "./demo-target.js";
import {
  type AgentCredential,
  buildEdgeConfig,
  newAgentCredentials,
  wranglerArgs,
  wranglerEnv,
} from "./edge-config.js";
import { formatLogLine, isConnectedLine } from "./log-format.js";
import { type DevConfig, loadDevConfig, parseDevArgs, USAGE, UsageError } from "./options.js";
import { Child, ChildFailed, describeExit, killGroupNow } from "./processes.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const AGENT = join(ROOT, "agent", "bin", "agent.mjs");

const EDGE_TIMEOUT_MS = 60_000;
const AGENT_TIMEOUT_MS = 30_000;
const TAIL_SHOWN = 15;

const say = (message: string) => process.stdout.write(`[dev] ${message}\n`);
const shout = (message: string) => process.stderr.write(`[dev] ${message}\n`);

/** Ctrl-C or SIGTERM: a normal stop. */
class Interrupted extends Error {}

/** Everything a session started, so one place can stop it all, in order. */
class Session {
  edge: Child | undefined;
  readonly agents: Child[] = [];
  demo: DemoTarget | undefined;
  tempDir: string | undefined;
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
    this.cleanedUp = true;
  }

  /** Synchronous last resort for the "exit" event (a crash, a second Ctrl-C). */
  killNow(): void {
    if (this.cleanedUp) return;
    for (const child of [...this.agents, this.edge]) if (child?.pid !== undefined) killGroupNow(child.pid);
    this.removeTemp();
  }

  private removeTemp(): void {
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }
}

/** Checked before anything starts, so a broken checkout fails in a second, not after the edge is up. */
function requireFile(path: string, fix: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
}

/** Fails fast on a busy port: otherwise another edge's /health would pass for ours. */
async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `port ${port} on 127.0.0.1 is in use (another wrangler dev?); pick another with PORT=<n> or --port <n>`
            : `cannot use port ${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

async function waitForHealth(session: Session, edge: Child, base: string): Promise<void> {
  const started = Date.now();
  let nextNote = 10_000;
  while (Date.now() - started < EDGE_TIMEOUT_MS) {
    const ok = await session.step(
      fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.status === 200,
        () => false,
      ),
    );
    if (ok) return;
    const elapsed = Date.now() - started;
    if (elapsed >= nextNote) {
      say(`still starting the edge (${Math.round(elapsed / 1000)} s)…`);
      nextNote += 10_000;
    }
    await session.step(new Promise((resolve) => setTimeout(resolve, 250)));
  }
  throw new ChildFailed(edge, `the edge did not answer ${base}/health with 200 within ${EDGE_TIMEOUT_MS / 1000} s`);
}

async function startEdge(
  session: Session,
  tempDir: string,
  port: number,
  config: Config,
  agents: AgentCredential[],
): Promise<string> {
  const base = `http://127.0.0.1:${port}`;
  await assertPortFree(port);
  const configJson = JSON.stringify(await buildEdgeConfig(config, agents));
  say(`starting edge… (wrangler dev on ${base})`);
  const started = Date.now();
  session.edge = session.watch(
    new Child({
      label: "[edge]",
      command: WRANGLER,
      args: wranglerArgs({ port, configJson, persistDir: join(tempDir, "wrangler-state") }),
      cwd: ROOT,
      env: wranglerEnv(process.env),
      format: formatLogLine,
    }),
  );
  await waitForHealth(session, session.edge, base);
  say(`edge ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return base;
}

async function startAgents(
  session: Session,
  configPath: string,
  edgeUrl: string,
  agents: AgentCredential[],
  dataDir: string | undefined,
) {
  await Promise.all(
    agents.map(async ({ name, token }) => {
      say(`starting agent "${name}"…`);
      const child = session.watch(
        new Child({
          label: agents.length > 1 ? `[agent:${name}]` : "[agent]",
          command: process.execPath,
          args: [
            AGENT,
            ...["--config", configPath, "--edge", edgeUrl, "--name", name],
            ...(dataDir ? ["--data-dir", join(dataDir, name)] : []),
          ],
          cwd: process.cwd(),
          // The token goes by environment, not argv: `ps` shows argv to every user.
          env: { ...process.env, AGENT_TOKEN: token },
          format: formatLogLine,
        }),
      );
      session.agents.push(child);
      await session.step(child.waitForLine(isConnectedLine, AGENT_TIMEOUT_MS, "connected to the edge"));
      say(`agent "${name}" connected`);
    }),
  );
}

/** Starts the demo target and writes its config (with the client key) where only we can read it. */
async function startDemo(session: Session, tempDir: string): Promise<{ config: Config; path: string; apiKey: string }> {
  session.demo = await startDemoTarget({ log: (message) => say(`demo ssh: ${message}`) });
  const apiKey = `demo-${randomBytes(24).toString("base64url")}`;
  const config = demoConfig(session.demo, apiKey);
  const path = join(tempDir, "config.yaml");
  // JSON is YAML; mode 0600 inside a 0700 directory: the file holds a private key.
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  say(`demo SSH target on ${session.demo.host}:${session.demo.port} (user ${session.demo.user})`);
  return { config, path, apiKey };
}

async function run(session: Session, port: number, source: DevConfig): Promise<never> {
  requireFile(WRANGLER, "run npm install first");
  requireFile(AGENT, "this checkout has no agent");
  const tempDir = await mkdtemp(join(tmpdir(), "telecommande-dev-"));
  session.tempDir = tempDir;
  let config: Config;
  let configPath: string;
  let demoApiKey: string | undefined;
  if (source.mode === "demo") {
    say("no config (CONFIG is unset and there is no ./config.yaml): starting the demo");
    ({ config, path: configPath, apiKey: demoApiKey } = await startDemo(session, tempDir));
  } else {
    ({ config, path: configPath } = source);
    say(`config ${configPath}: ${config.vms.length} VM(s)`);
  }
  if (!permissionsEnabled(config)) shout(PERMISSIONS_OFF);

  const agents = newAgentCredentials(config);
  const edgeUrl = await startEdge(session, tempDir, port, config, agents);
  // The demo's history and state die with the session (its VM does too); a real fleet keeps the agent's default.
  const dataDir = source.mode === "demo" ? join(tempDir, "agent-data") : undefined;
  await startAgents(session, configPath, edgeUrl, agents, dataDir);

  process.stdout.write(
    renderBanner({ port, config, configPath: source.mode === "file" ? configPath : undefined, demoApiKey }),
  );
  return session.stopped;
}

function report(err: unknown): number {
  if (err instanceof Interrupted) return 0;
  if (err instanceof ChildFailed) {
    shout(`${err.message}; its last lines:`);
    for (const line of err.child.tail().slice(-TAIL_SHOWN)) shout(`  ${err.child.label} ${line}`);
    return 1;
  }
  shout(`error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

/** Runs `npm run dev` with these arguments; resolves with the exit code once everything is stopped. */
export async function main(argv: readonly string[]): Promise<number> {
  let source: DevConfig;
  let port: number;
  try {
    const options = parseDevArgs(argv, process.env);
    if (options.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    port = options.port;
    source = await loadDevConfig(options.configPath, process.cwd());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n(npm run dev -- --help for usage)\n`);
      return 2;
    }
    throw err;
  }

  const session = new Session();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!session.stopping) return session.abort(new Interrupted(signal));
    // A second Ctrl-C while stopping: no more waiting.
    shout("stopping now");
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("exit", () => session.killNow());

  // run() only ever ends by rejecting: a signal, a dead child or a startup error.
  const code = await run(session, port, source).catch(report);
  say("stopping…");
  await session.stop();
  say("stopped");
  return code;
}
