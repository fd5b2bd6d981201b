/**
 * @module `npm run dev`: the edge (wrangler dev) and one agent per agent name, wired with a
 * fresh token, against CONFIG / ./config.yaml or, with no config, the in-process demo
 * target. Stops everything on Ctrl-C, SIGTERM or SIGHUP, when whoever started it is gone, and
 * with exit 1 when a child dies. The children stop by themselves if the launcher is killed
 * outright (SIGKILL): each watches a pipe from it. What a killed run left is named (and, when
 * provably its own, stopped) by the next start.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, ConfigError, permissionsEnabled } from "@telecommande/shared";
import { STOP_WITH_STDIN_ENV } from "../parent-watch.js";
import { PERMISSIONS_OFF, renderBanner } from "./banner.js";
import { demoConfig, startDemoTarget } from "./demo-target.js";
import {
  type AgentCredential,
  buildEdgeConfig,
  newAgentCredentials,
  wranglerArgs,
  wranglerEnv,
} from "./edge-config.js";
import { formatLogLine, isConnectedLine } from "./log-format.js";
import { type DevConfig, loadDevConfig, parseDevArgs, USAGE, UsageError } from "./options.js";
import { assertPortFree, clearLeftovers, requireFile } from "./preflight.js";
import { Child, ChildFailed } from "./processes.js";
import { Interrupted, Session } from "./session.js";
import { SessionFile, sessionsDir } from "./session-record.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const AGENT = join(ROOT, "agent", "bin", "agent.mjs");
/** Runs wrangler and stops it (workerd included) when the launcher's pipe closes: wrangler cannot watch us itself. */
const STOP_WITH_PARENT = join(ROOT, "agent", "bin", "stop-with-parent.mjs");
/** How often the launcher checks that whoever started it is still there. */
const PARENT_POLL_MS = 250;

const EDGE_TIMEOUT_MS = 60_000;
const AGENT_TIMEOUT_MS = 30_000;
const TAIL_SHOWN = 15;

const say = (message: string) => process.stdout.write(`[dev] ${message}\n`);
const shout = (message: string) => process.stderr.write(`[dev] ${message}\n`);

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
      command: process.execPath,
      args: [
        STOP_WITH_PARENT,
        WRANGLER,
        ...wranglerArgs({
          port,
          configJson,
          persistDir: join(tempDir, "wrangler-state"),
          allowAnonymous: process.env.ALLOW_ANONYMOUS?.trim().toLowerCase() === "true",
        }),
      ],
      cwd: ROOT,
      env: wranglerEnv(process.env),
      format: formatLogLine,
      stdin: "pipe",
    }),
  );
  session.file?.addGroup(session.edge.pid, "edge (wrangler dev)");
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
          env: { ...process.env, AGENT_TOKEN: token, [STOP_WITH_STDIN_ENV]: "1" },
          format: formatLogLine,
          stdin: "pipe",
        }),
      );
      session.agents.push(child);
      session.file?.addGroup(child.pid, `agent "${name}"`);
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
  const recordsDir = sessionsDir(process.env, ROOT);
  await session.step(clearLeftovers(recordsDir, ROOT, port, shout));
  const tempDir = await mkdtemp(join(tmpdir(), "telecommande-dev-"));
  session.tempDir = tempDir;
  session.file = new SessionFile(recordsDir, port, tempDir);
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
    renderBanner({
      port,
      config,
      configPath: source.mode === "file" ? configPath : undefined,
      demoApiKey,
      // Each demo agent gets <dataDir>/<its name>; without --data-dir the agents use their own
      // default (TELECOMMANDE_DATA_DIR, else ~/.la-telecommande).
      agentDataDir: dataDir
        ? join(dataDir, agents.length === 1 ? (agents[0]?.name ?? "default") : "<agent>")
        : (process.env.TELECOMMANDE_DATA_DIR ?? "~/.la-telecommande"),
    }),
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
  // npm passes SIGTERM to the `sh -c` it runs the script with, and sh dies without passing it
  // on: we would run on, orphaned. Whoever started us being gone is a stop, like SIGHUP.
  const startedBy = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid === startedBy || session.stopping) return;
    shout(`the process that started npm run dev (pid ${startedBy}) is gone`);
    session.abort(new Interrupted("parent gone"));
  }, PARENT_POLL_MS);
  parentWatch.unref();

  // run() only ever ends by rejecting: a signal, a dead child or a startup error.
  const code = await run(session, port, source).catch(report);
  say("stopping…");
  session.stopping = true;
  clearInterval(parentWatch);
  await session.stop();
  say("stopped");
  return code;
}
