/**
 * @module `telecommande-agent doctor`: checks what the daemon needs (config, keys, each VM's
 * reachability, host key and login, the edge, its token and protocol) and prints one row per
 * check. Same flags and environment as the daemon where they apply; a missing token or an
 * insecure edge URL are findings here, not usage errors. Exit codes: 0 no check failed, 1 one
 * did, 2 wrong usage.
 */
import { join } from "node:path";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { agentVersion } from "../agent.js";
import { CONNECTION_OPTIONS, dataDirOf, expandHome, flagOf } from "../cli.js";
import { maskSecrets } from "../log.js";
import { checkConfig } from "./config-checks.js";
import { checkEdge } from "./edge-checks.js";
import { ReadOnlyHostKeys } from "./host-key-policy.js";
import { exitCodeOf, renderJson, renderTable } from "./report.js";
import { checkVms } from "./vm-checks.js";

export const DOCTOR_USAGE = `Usage: telecommande-agent doctor [options]

Checks, from this machine, everything the agent needs, and prints one row per check with
its verdict (ok, warn, FAIL) and what to do: the config and each served VM's key; each
VM's TCP reachability, host key (pinned, known_hosts, or would-be trust on first use),
SSH login and a trivial command (\`true\`); the edge URL, its reachability, the token and
the protocol version. Nothing is written: no known_hosts entry, no history, no job.
A running agent of the same name is not disturbed.

Options (as the agent's, with the same environment fallbacks):
  --config <path>         fleet config (YAML)      env CONFIG, default ./config.yaml
  --edge <url>            edge base URL            env EDGE_URL, default http://127.0.0.1:8787
  --allow-insecure-edge   accept a plain-text edge not on loopback
                          env TELECOMMANDE_ALLOW_INSECURE_EDGE=true
  --name <name>           agent name               env AGENT_NAME, default "default"
  --data-dir <dir>        agent state (known_hosts) env TELECOMMANDE_DATA_DIR, default ~/.la-telecommande
  --known-hosts <file>    extra read-only known_hosts file
  --strict-host-keys      an unknown host key fails instead of warning
                          env TELECOMMANDE_STRICT_HOST_KEYS=true
  --timeout-s <n>         time allowed per VM and for the edge, 1-300     default 10
  --json                  print the rows as JSON instead of a table
  -h, --help              show this help

Environment: AGENT_TOKEN, the agent's token (never printed).
Exit codes: 0 no check failed (warnings allowed), 1 a check failed, 2 wrong usage.
`;

export interface DoctorIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
}

interface DoctorOptions {
  configPath: string;
  edgeUrl: string;
  allowInsecure: boolean;
  name: string;
  token: string | undefined;
  dataDir: string;
  knownHostsFile: string | undefined;
  strictHostKeys: boolean;
  timeoutMs: number;
  json: boolean;
}

const str = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** A true/false environment switch, as the daemon reads it: a typo is an error, never "off". */
const envFlag = (env: NodeJS.ProcessEnv, name: string) => flagOf(env[name], name);

/** The options, or the usage problem as a message; `help` when asked for. */
export function parseDoctorArgs(argv: string[], env: NodeJS.ProcessEnv): DoctorOptions | "help" | string {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...CONNECTION_OPTIONS,
        "timeout-s": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return `${(err as Error).message.split("\n")[0]} (see --help)`;
  }
  if (values.help) return "help";
  const name = str(values.name) ?? str(env.AGENT_NAME) ?? "default";
  if (!/^[\w.-]{1,64}$/.test(name))
    return `agent name "${name}" must be 1-64 letters, digits, dots, dashes or underscores`;
  const timeoutText = str(values["timeout-s"]) ?? "10";
  const timeoutS = /^\d+$/.test(timeoutText) ? Number(timeoutText) : Number.NaN;
  if (!(timeoutS >= 1 && timeoutS <= 300))
    return `--timeout-s must be a whole number from 1 to 300, got "${timeoutText}"`;
  const strict = envFlag(env, "TELECOMMANDE_STRICT_HOST_KEYS");
  if (typeof strict === "string") return strict;
  const insecure = envFlag(env, "TELECOMMANDE_ALLOW_INSECURE_EDGE");
  if (typeof insecure === "string") return insecure;
  const knownHosts = str(values["known-hosts"]);
  return {
    configPath: expandHome(str(values.config) ?? str(env.CONFIG) ?? "./config.yaml"),
    edgeUrl: str(values.edge) ?? str(env.EDGE_URL) ?? "http://127.0.0.1:8787",
    allowInsecure: values["allow-insecure-edge"] === true || insecure,
    name,
    token: env.AGENT_TOKEN?.trim() || undefined,
    dataDir: dataDirOf(values["data-dir"], env),
    knownHostsFile: knownHosts ? expandHome(knownHosts) : undefined,
    strictHostKeys: values["strict-host-keys"] === true || strict,
    timeoutMs: timeoutS * 1000,
    json: values.json === true,
  };
}

/** Runs every check and prints the report; returns the exit code. Never throws. */
export async function runDoctorCli(argv: string[], io: DoctorIo): Promise<number> {
  const parsed = parseDoctorArgs(argv, io.env);
  if (parsed === "help") {
    io.stdout.write(DOCTOR_USAGE);
    return 0;
  }
  if (typeof parsed === "string") {
    io.stderr.write(`telecommande-agent doctor: ${parsed}\n`);
    return 2;
  }
  const secrets = parsed.token ? [parsed.token] : [];
  try {
    const config = checkConfig(parsed.configPath, parsed.name);
    secrets.push(...config.secrets);
    const hostKeys = new ReadOnlyHostKeys({
      ownFile: join(parsed.dataDir, "known_hosts"),
      extraFiles: parsed.knownHostsFile ? [parsed.knownHostsFile] : [],
      strict: parsed.strictHostKeys,
    });
    // The VMs and the edge are independent: checked side by side, reported in a fixed order.
    const [vmRows, edgeRows] = await Promise.all([
      checkVms(config.vms, { hostKeys, timeoutMs: parsed.timeoutMs }),
      checkEdge({
        edgeUrl: parsed.edgeUrl,
        allowInsecure: parsed.allowInsecure,
        token: parsed.token,
        name: parsed.name,
        version: agentVersion(),
        vms: config.vms.map((vm) => vm.name),
        timeoutMs: parsed.timeoutMs,
      }),
    ]);
    const rows = [...config.rows, ...vmRows, ...edgeRows];
    // JSON-escaped forms too: a secret with a quote or backslash appears escaped in JSON.
    const masked = [...secrets, ...secrets.map((s) => JSON.stringify(s).slice(1, -1))];
    io.stdout.write(parsed.json ? renderJson(rows, masked) : renderTable(rows, masked));
    return exitCodeOf(rows);
  } catch (err) {
    // A check that broke is a doctor bug, not a finding: one line, no stack, no secret.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`telecommande-agent doctor: internal error: ${maskSecrets(message, secrets)}\n`);
    return 1;
  }
}
