/**
 * @module The agent's slice of the fleet config: the VMs it serves, each with its private
 * key loaded. Every problem is reported at once in one ConfigError.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { agentOf, type Config, ConfigError, type ConfigIssue, parseConfig, type Vm } from "@telecommande/shared";
import ssh2 from "ssh2";
import { parsePin } from "./ssh/known-hosts.js";

export interface ServedVm extends Vm {
  /** Key material, ready for ssh2. Never logged. */
  privateKey: string | Buffer;
  /** Why the key cannot be used (bad format, wrong passphrase); jobs on this VM then fail with ssh_auth. */
  keyProblem?: string;
}

export interface AgentConfig {
  /** Where the config came from, for messages. */
  source: string;
  vms: ServedVm[];
}

type ReadFile = (path: string) => Buffer;

/** The config file itself cannot be read: one line says which file and why. */
export class ConfigFileError extends Error {
  override name = "ConfigFileError";
}

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EISDIR: "is a directory",
  };
  return code ? `${reasons[code] ?? "cannot read"} (${code})` : String(err);
}

/** `~/x` → home; relative paths are taken from the config file's folder, not the daemon's cwd. */
export function resolveKeyPath(keyPath: string, configDir: string): string {
  if (keyPath === "~" || keyPath.startsWith("~/")) return resolve(homedir(), keyPath.slice(2));
  return isAbsolute(keyPath) ? keyPath : resolve(configDir, keyPath);
}

/** Checks the key parses; the message names the problem, never the key. */
function keyProblem(key: string | Buffer, passphrase: string | undefined): string | undefined {
  let parsed: ReturnType<typeof ssh2.utils.parseKey>;
  try {
    parsed = ssh2.utils.parseKey(key, passphrase);
  } catch (err) {
    parsed = err instanceof Error ? err : new Error(String(err));
  }
  if (parsed instanceof Error) {
    const detail = /passphrase/i.test(parsed.message) ? "wrong or missing passphrase" : "not a supported private key";
    return `the private key cannot be used: ${detail}`;
  }
  return undefined;
}

/** Selects and prepares the VMs `agentName` serves. Throws ConfigError listing every problem. */
export function selectServedVms(
  config: Config,
  agentName: string,
  options: { configDir?: string; source?: string; readFile?: ReadFile } = {},
): AgentConfig {
  const configDir = options.configDir ?? process.cwd();
  const read = options.readFile ?? ((p: string) => readFileSync(p));
  const issues: ConfigIssue[] = [];
  const vms: ServedVm[] = [];

  config.vms.forEach((vm, i) => {
    // Other agents' VMs may lack keys here: in production each agent gets only its part.
    if (agentOf(vm) !== agentName) return;
    const at = `vms[${i}]`;
    let privateKey: string | Buffer | undefined = vm.key;
    if (!vm.key && !vm.key_path) {
      issues.push({ path: at, message: `VM "${vm.name}" needs key or key_path (this agent serves it)` });
    } else if (vm.key_path) {
      const path = resolveKeyPath(vm.key_path, configDir);
      try {
        privateKey = read(path);
      } catch (err) {
        issues.push({
          path: `${at}.key_path`,
          message: `cannot read the private key of VM "${vm.name}" at ${path}: ${describeFsError(err)}`,
        });
      }
    }
    if (vm.host_key && !parsePin(vm.host_key)) {
      issues.push({
        path: `${at}.host_key`,
        message: "must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
      });
    }
    if (privateKey !== undefined) {
      const problem = keyProblem(privateKey, vm.passphrase);
      vms.push(problem ? { ...vm, privateKey, keyProblem: problem } : { ...vm, privateKey });
    }
  });

  if (issues.length) throw new ConfigError(issues, options.source ?? "config");
  return { source: options.source ?? "config", vms };
}

/** Reads, parses and selects in one step. Throws ConfigFileError (unreadable file) or ConfigError. */
export function loadAgentConfig(path: string, agentName: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigFileError(`cannot read config file ${path}: ${describeFsError(err)}`);
  }
  const config = parseConfig(text, path);
  return selectServedVms(config, agentName, { configDir: dirname(resolve(path)), source: path });
}
