/**
 * @module The `telecommande-agent` process: parse input, load config, run until SIGINT/SIGTERM;
 * or, as `telecommande-agent history …`, one history command that exits when done;
 * or, as `telecommande-agent doctor`, the checks of everything the agent needs.
 */
import { ConfigError } from "@telecommande/shared";
import { agentVersion, startAgent } from "./agent.js";
import { parseCli, USAGE } from "./cli.js";
import { ConfigFileError, loadAgentConfig } from "./config.js";
import { runDoctorCli } from "./doctor/cli-doctor.js";
import { runHistoryCli } from "./history/cli-history.js";
import { createLogger, maskSecrets, parseLogLevel } from "./log.js";
import { watchParentPipe } from "./parent-watch.js";

/** Bad input: one readable message on stderr, exit 2, no stack trace. */
function fail(message: string, secrets: string[] = []): never {
  process.stderr.write(`telecommande-agent: ${maskSecrets(message, secrets)}\n`);
  process.exit(2);
}

if (process.argv[2] === "history") {
  // The exit code is set, not exited with: a large export still in a pipe's buffer is written out first.
  process.exitCode = await runHistoryCli(process.argv.slice(3), process);
} else if (process.argv[2] === "doctor") {
  process.exitCode = await runDoctorCli(process.argv.slice(3), process);
} else {
  runDaemon();
}

function runDaemon(): void {
  const parsed = parseCli(process.argv.slice(2), process.env);
  if (parsed.kind === "help") {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${agentVersion()}\n`);
    process.exit(0);
  }
  if (parsed.kind === "error") fail(parsed.message);

  const options = parsed.options;
  let vms: ReturnType<typeof loadAgentConfig>["vms"];
  try {
    vms = loadAgentConfig(options.configPath, options.name).vms;
  } catch (err) {
    fail(
      err instanceof ConfigError || err instanceof ConfigFileError
        ? err.message
        : `cannot load the config: ${String(err)}`,
      [options.token],
    );
  }

  const log = createLogger({ agent: options.name, level: parseLogLevel(options.logLevel) });
  const agent = startAgent({
    edgeUrl: options.edgeUrl,
    token: options.token,
    name: options.name,
    vms,
    dataDir: options.dataDir,
    knownHostsFile: options.knownHostsFile,
    strictHostKeys: options.strictHostKeys,
    maxChannelsPerConnection: options.sessionsPerConnection,
    maxConnectionsPerVm: options.connectionsPerVm,
    historyRetention: { maxAgeDays: options.historyMaxAgeDays, maxRecords: options.historyMaxRecords },
    env: process.env,
    log,
  });

  let signals = 0;
  const shutdown = (event: string, fields: Record<string, unknown> = {}) => {
    // A second signal means "now": skip the graceful close.
    if (++signals > 1) process.exit(1);
    log.info(event, fields);
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", (signal) => shutdown("signal", { signal }));
  process.on("SIGTERM", (signal) => shutdown("signal", { signal }));
  // Only under `npm run dev`, which asks for it: the launcher is gone, even if killed outright.
  watchParentPipe(process.env, process.stdin, () => shutdown("parent_gone"));

  // One bug in a job path must not take every other job down with it: log and carry on.
  process.on("unhandledRejection", (reason) => {
    log.error("unhandled_rejection", { error: reason instanceof Error ? reason.message : String(reason) });
  });
  process.on("uncaughtException", (err) => {
    log.error("fatal", { error: err.message });
    process.exit(1);
  });
}
