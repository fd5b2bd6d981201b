/**
 * @module `npm run dev`'s inputs: flags, the PORT and CONFIG variables, and the config file
 * (or none, which means the self-contained demo). Bad input is a typed error the launcher
 * turns into exit code 2 and a message, never a stack trace.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Config } from "@telecommande/shared";
import { EVERY_AGENT, parseAgentConfig } from "../config.js";

export const DEFAULT_PORT = 8787;

export const USAGE = `Usage: npm run dev [-- --config <path>] [-- --port <n>]

Runs La Télécommande locally: the edge (wrangler dev, 127.0.0.1) and an agent dialing it.

  --config <path>  fleet config (default: $CONFIG, else ./config.yaml)
  --port <n>       edge port on 127.0.0.1 (default: $PORT, else ${DEFAULT_PORT})
  -h, --help       this text

With no config at all it starts a self-contained demo: an SSH server inside this process,
on loopback, running commands as the current user, and a demo API key.
Ctrl-C stops everything.`;

/** Bad flags or values: exit code 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type DevOptions = { help: true } | { help: false; port: number; configPath: string | undefined };

function parsePort(text: string, where: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${where} must be a TCP port (1-65535), got "${text}"`);
  }
  return port;
}

/** Flags win over environment variables; a flag missing its value is an error, not a default. */
export function parseDevArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DevOptions {
  let configPath = env.CONFIG || undefined;
  let port = env.PORT ? parsePort(env.PORT, "PORT") : DEFAULT_PORT;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return { help: true };
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag !== "--config" && flag !== "--port") throw new UsageError(`unknown argument "${arg}"`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
    if (flag === "--config") configPath = value;
    else port = parsePort(value, "--port");
  }
  return { help: false, port, configPath };
}

export type DevConfig = { mode: "file"; path: string; config: Config } | { mode: "demo" };

/**
 * The config to run: the named file (it must exist), else ./config.yaml if there is one,
 * else the demo. The file gets the agents' own checks too, keys of every agent's VMs
 * included (the session starts them all), so a bad key stops the launch before wrangler
 * starts, reported once, rather than in an agent's log after the edge is up.
 * Throws ConfigError (listing every problem) or UsageError.
 */
export async function loadDevConfig(configPath: string | undefined, cwd: string): Promise<DevConfig> {
  const path = resolve(cwd, configPath ?? "config.yaml");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && configPath === undefined) return { mode: "demo" };
    throw new UsageError(`cannot read the config ${path}: ${code === "ENOENT" ? "no such file" : code}`);
  }
  const { config } = parseAgentConfig(text, EVERY_AGENT, { configDir: dirname(path), source: path });
  return { mode: "file", path, config };
}
