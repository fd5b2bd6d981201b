/**
 * @module Command line and environment: `telecommande-agent --config … --edge … --name …`,
 * with env fallbacks. Parsing returns a value or a one-line problem; it never exits or throws.
 * `telecommande-agent history …` has its own (history/cli-history.ts).
 */
import { homedir } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { insecureEdgeProblem } from "./edge-url.js";
import { DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_RECORDS } from "./history/retention.js";

export const USAGE = `Usage: telecommande-agent [options]
       telecommande-agent history <import|export|stats|reindex> [options]
       telecommande-agent doctor [options]   check config, keys, VMs and edge (see doctor --help)

La Télécommande agent: dials out to the edge over one WebSocket and runs SSH jobs
on the VMs of the config that name this agent (or every VM without \`agent:\` when
the name is "default").

Options:
  --config <path>       fleet config (YAML)           env CONFIG, default ./config.yaml
  --edge <url>          edge base URL                 env EDGE_URL, default http://127.0.0.1:8787
  --allow-insecure-edge dial an http:// or ws:// edge that is not on loopback (the token
                        crosses the network in clear)
                        env TELECOMMANDE_ALLOW_INSECURE_EDGE=true
  --name <name>         agent name                    env AGENT_NAME, default "default"
  --data-dir <dir>      agent state (known_hosts)     env TELECOMMANDE_DATA_DIR, default ~/.la-telecommande
  --known-hosts <file>  extra read-only known_hosts file (OpenSSH format)
  --strict-host-keys    refuse a VM whose host key is neither pinned (host_key) nor in a
                        known_hosts file, instead of trusting it on first use
                        env TELECOMMANDE_STRICT_HOST_KEYS=true
  --sessions-per-connection <n>
                        SSH sessions at once on one connection, 1-64; keep it below
                        the VMs' sshd MaxSessions (default 10)      default 8
  --connections-per-vm <n>
                        SSH connections at once to one VM, 1-32     default 4
  --history-max-age-days <n>
                        history records older than this are removed, 0: no limit
                        env TELECOMMANDE_HISTORY_MAX_AGE_DAYS, default ${DEFAULT_MAX_AGE_DAYS}
  --history-max-records <n>
                        the oldest history records beyond this many are removed, 0: no limit
                        env TELECOMMANDE_HISTORY_MAX_RECORDS, default ${DEFAULT_MAX_RECORDS}
  --log-level <level>   debug | info | warn | error   env LOG_LEVEL, default info
  -h, --help            show this help
  -v, --version         print the version

Environment:
  AGENT_TOKEN           required: the agent's bearer token for the edge (never logged)
  QDRANT_URL            also copy every history record to this Qdrant (its collections
                        ssh_commands, ssh_stdout, ssh_stderr), in the background
  QDRANT_API_KEY        the Qdrant server's API key, if it asks for one
  MISTRAL_API_KEY       embed for Qdrant with mistral-embed (default: the offline
                        hashing embedder)

Every command run is recorded in the history (history.sqlite in the data dir), pruned
at start and every hour. \`telecommande-agent history --help\` shows how to import,
export, count and reindex it.

On SIGTERM or SIGINT new jobs are refused, running ones get 10 s to finish, and those
still running are stopped on their VMs (SIGTERM, then SIGKILL), each reported to the edge
as stopped because the agent is shutting down; a second signal exits at once.

Logs are JSON lines on stderr. Exit codes: 0 stopped by SIGINT/SIGTERM, 2 bad input.
`;

export interface CliOptions {
  configPath: string;
  edgeUrl: string;
  name: string;
  token: string;
  dataDir: string;
  knownHostsFile: string | undefined;
  strictHostKeys: boolean;
  logLevel: string | undefined;
  sessionsPerConnection: number | undefined;
  connectionsPerVm: number | undefined;
  historyMaxAgeDays: number;
  historyMaxRecords: number;
}

export type CliParse =
  | { kind: "run"; options: CliOptions }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? resolve(homedir(), path.slice(2)) : path;
}

const str = (v: string | boolean | undefined) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** The data dir from `--data-dir`, else the environment, else the default: the daemon's and the history commands' rule. */
export function dataDirOf(flag: string | boolean | undefined, env: NodeJS.ProcessEnv): string {
  return expandHome(str(flag) ?? str(env.TELECOMMANDE_DATA_DIR) ?? "~/.la-telecommande");
}

export interface HistoryLimits {
  maxAgeDays: number;
  maxRecords: number;
}

/** The history's retention from flags, else the environment, else the defaults; or the problem as a message. */
export function historyLimitsOf(
  flags: { age?: string | boolean; records?: string | boolean },
  env: NodeJS.ProcessEnv,
): HistoryLimits | string {
  const age = str(flags.age) ?? str(env.TELECOMMANDE_HISTORY_MAX_AGE_DAYS);
  const maxAgeDays = whole(age, "--history-max-age-days", 0, 36_500) ?? DEFAULT_MAX_AGE_DAYS;
  if (typeof maxAgeDays === "string") return maxAgeDays;
  const records = str(flags.records) ?? str(env.TELECOMMANDE_HISTORY_MAX_RECORDS);
  const maxRecords = whole(records, "--history-max-records", 0, 1_000_000_000) ?? DEFAULT_MAX_RECORDS;
  if (typeof maxRecords === "string") return maxRecords;
  return { maxAgeDays, maxRecords };
}

/** The options that say where the agent's config, edge and state are: the daemon's and `doctor`'s. */
export const CONNECTION_OPTIONS = {
  config: { type: "string" },
  edge: { type: "string" },
  "allow-insecure-edge": { type: "boolean" },
  name: { type: "string" },
  "data-dir": { type: "string" },
  "known-hosts": { type: "string" },
  "strict-host-keys": { type: "boolean" },
} as const;

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliParse {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...CONNECTION_OPTIONS,
        "log-level": { type: "string" },
        "sessions-per-connection": { type: "string" },
        "connections-per-vm": { type: "string" },
        "history-max-age-days": { type: "string" },
        "history-max-records": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    }));
  } catch (err) {
    // parseArgs messages are already one readable line; the usage hint says where to look.
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { kind: "error", message: `${message} (see --help)` };
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  const token = env.AGENT_TOKEN?.trim();
  if (!token)
    return { kind: "error", message: "AGENT_TOKEN is not set: the agent needs its token to connect to the edge" };

  const edgeUrl = str(values.edge) ?? str(env.EDGE_URL) ?? "http://127.0.0.1:8787";
  const allowInsecure =
    values["allow-insecure-edge"] === true || env.TELECOMMANDE_ALLOW_INSECURE_EDGE?.trim().toLowerCase() === "true";
  try {
    const problem = insecureEdgeProblem(edgeUrl, allowInsecure);
    if (problem) return { kind: "error", message: problem };
  } catch (err) {
    return { kind: "error", message: err instanceof Error ? err.message : String(err) };
  }

  const name = str(values.name) ?? str(env.AGENT_NAME) ?? "default";
  if (!/^[\w.-]{1,64}$/.test(name)) {
    return { kind: "error", message: `agent name "${name}" must be 1-64 letters, digits, dots, dashes or underscores` };
  }
  const logLevel = str(values["log-level"]) ?? str(env.LOG_LEVEL);
  if (logLevel && !["debug", "info", "warn", "error"].includes(logLevel)) {
    return { kind: "error", message: `log level "${logLevel}" must be debug, info, warn or error` };
  }
  const knownHosts = str(values["known-hosts"]);
  const strictEnv = flagOf(env.TELECOMMANDE_STRICT_HOST_KEYS, "TELECOMMANDE_STRICT_HOST_KEYS");
  if (typeof strictEnv === "string") return { kind: "error", message: strictEnv };
  const sessions = count(str(values["sessions-per-connection"]), "--sessions-per-connection", 64);
  if (typeof sessions === "string") return { kind: "error", message: sessions };
  const connections = count(str(values["connections-per-vm"]), "--connections-per-vm", 32);
  if (typeof connections === "string") return { kind: "error", message: connections };
  const limits = historyLimitsOf({ age: values["history-max-age-days"], records: values["history-max-records"] }, env);
  if (typeof limits === "string") return { kind: "error", message: limits };
  return {
    kind: "run",
    options: {
      configPath: expandHome(str(values.config) ?? str(env.CONFIG) ?? "./config.yaml"),
      edgeUrl,
      name,
      token,
      dataDir: dataDirOf(values["data-dir"], env),
      knownHostsFile: knownHosts ? expandHome(knownHosts) : undefined,
      strictHostKeys: values["strict-host-keys"] === true || strictEnv === true,
      logLevel,
      sessionsPerConnection: sessions,
      connectionsPerVm: connections,
      historyMaxAgeDays: limits.maxAgeDays,
      historyMaxRecords: limits.maxRecords,
    },
  };
}

/**
 * A true/false environment switch: unset or empty is false; anything but true/false/1/0 is a
 * problem, so a typo never silently turns a safety switch off.
 */
export function flagOf(raw: string | undefined, name: string): boolean | string {
  const v = raw?.trim().toLowerCase() ?? "";
  if (v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  return `${name} must be true or false, got "${raw}"`;
}

/** A whole number in 1..max, undefined when not given, or the problem as a message. */
function count(raw: string | undefined, flag: string, max: number): number | undefined | string {
  return whole(raw, flag, 1, max);
}

/** A whole number in min..max, undefined when not given, or the problem as a message. */
function whole(raw: string | undefined, flag: string, min: number, max: number): number | undefined | string {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return n >= min && n <= max ? n : `${flag} must be a whole number from ${min} to ${max}, got "${raw}"`;
}
