/**
 * @module The agent's slice of the fleet config: the VMs it serves, each with its private
 * key loaded and parsed. Key problems are config problems: every one, with its YAML path,
 * in one ConfigError together with the structural and cross-reference ones.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import {
  agentOf,
  type Config,
  ConfigError,
  type ConfigIssue,
  type EntryView,
  inspectConfig,
  type Vm,
} from "@telecommande/shared";
import ssh2 from "ssh2";
import { parsePin } from "./ssh/known-hosts.js";

export interface ServedVm extends Vm {
  /** Key material, ready for ssh2 (it parsed at load). Never logged. */
  privateKey: string | Buffer;
}

export interface AgentConfig {
  /** Where the config came from, for messages. */
  source: string;
  vms: ServedVm[];
}

type ReadFile = (path: string) => Buffer;

export interface KeyOptions {
  /** Folder relative key paths are taken from: the config file's. Defaults to the cwd. */
  configDir?: string;
  /** Names the config in the error. */
  source?: string;
  readFile?: ReadFile;
}

/** Check and load the keys of every agent's VMs, as the dev launcher (which starts them all) needs. */
export const EVERY_AGENT = Symbol("every agent");
export type Served = string | typeof EVERY_AGENT;

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

/** Why ssh2 (what connects) cannot use a key, as a config issue; undefined when it can. Never shows the key. */
function keyIssue(
  at: string,
  key: string | Buffer,
  passphrase: string | undefined,
  file: string | undefined,
): ConfigIssue | undefined {
  let parsed: ReturnType<typeof ssh2.utils.parseKey>;
  try {
    parsed = ssh2.utils.parseKey(key, passphrase);
  } catch (err) {
    parsed = err instanceof Error ? err : new Error(String(err));
  }
  // The inline key is the field itself; a file is named: "vms[3].key_path: /etc/k is …".
  const problem = (message: string) => ({
    path: file ? `${at}.key_path` : `${at}.key`,
    message: file ? `${file} is ${message}` : message,
  });
  if (parsed instanceof Error) {
    if (!/passphrase/i.test(parsed.message)) return problem("not a private key (OpenSSH or PEM format expected)");
    if (passphrase === undefined) return problem("encrypted and the VM has no passphrase");
    return { path: `${at}.passphrase`, message: `does not decrypt the private key${file ? ` in ${file}` : ""}` };
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  return first?.isPrivateKey() ? undefined : problem("a public key, not a private key");
}

/** Reads (key_path) and parses one VM's key: the key, or the issue that stops it. */
function loadKey(entry: EntryView<Vm>, read: ReadFile, configDir: string): string | Buffer | ConfigIssue | undefined {
  const { path: at, fields: vm, given } = entry;
  // Both given is a shared check; a broken key, key_path or passphrase field was reported there.
  if (given.has("key") && given.has("key_path")) return undefined;
  if (!given.has("key") && !given.has("key_path")) return { path: at, message: "no private key: give key or key_path" };
  if (given.has("passphrase") && vm.passphrase === undefined) return undefined;
  let key: string | Buffer | undefined = vm.key;
  let file: string | undefined;
  if (vm.key_path !== undefined) {
    file = resolveKeyPath(vm.key_path, configDir);
    try {
      key = read(file);
    } catch (err) {
      return { path: `${at}.key_path`, message: `cannot read ${file}: ${describeFsError(err)}` };
    }
  }
  if (key === undefined) return undefined;
  return keyIssue(at, key, vm.passphrase, file) ?? key;
}

/**
 * The key problems of the VMs `served` selects, and their keys. Runs over VM entries as far
 * as they could be read, so it reports alongside structural problems elsewhere in the file.
 */
function checkKeys(vms: EntryView<Vm>[], served: Served, options: KeyOptions) {
  const configDir = options.configDir ?? process.cwd();
  const read = options.readFile ?? ((p: string) => readFileSync(p));
  const issues: ConfigIssue[] = [];
  const keys = new Map<number, string | Buffer>();
  for (const entry of vms) {
    const { fields: vm, given } = entry;
    // Other agents' VMs may lack keys here: in production each agent gets only its part.
    // A broken `agent` field leaves it unknown who serves the VM: reported already, skipped here.
    if (given.has("agent") && vm.agent === undefined) continue;
    if (served !== EVERY_AGENT && agentOf(vm) !== served) continue;
    const key = loadKey(entry, read, configDir);
    if (typeof key === "string" || Buffer.isBuffer(key)) keys.set(entry.index, key);
    else if (key) issues.push(key);
    if (vm.host_key !== undefined && !parsePin(vm.host_key)) {
      issues.push({
        path: `${entry.path}.host_key`,
        message: "must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
      });
    }
  }
  return { issues, keys };
}

function served(config: Config, keys: Map<number, string | Buffer>): ServedVm[] {
  return config.vms.flatMap((vm, i) => {
    const privateKey = keys.get(i);
    return privateKey === undefined ? [] : [{ ...vm, privateKey }];
  });
}

/** Views of an already checked config's VMs, for the key checks. */
function viewsOf(config: Config): EntryView<Vm>[] {
  return config.vms.map((vm, index) => ({
    index,
    path: `vms[${index}]`,
    fields: vm,
    given: new Set(Object.keys(vm).filter((k) => vm[k as keyof Vm] !== undefined)),
  }));
}

/** Selects and prepares the VMs `agentName` serves from a checked config. Throws ConfigError listing every key problem. */
export function selectServedVms(config: Config, agentName: Served, options: KeyOptions = {}): AgentConfig {
  const source = options.source ?? "config";
  const { issues, keys } = checkKeys(viewsOf(config), agentName, options);
  if (issues.length) throw new ConfigError(issues, source);
  return { source, vms: served(config, keys) };
}

/**
 * Parses config text and loads the keys of the VMs `agentName` serves (or every agent's).
 * Throws one ConfigError listing every problem: structural, cross-reference and key.
 */
export function parseAgentConfig(
  text: string,
  agentName: Served,
  options: KeyOptions = {},
): AgentConfig & { config: Config } {
  const source = options.source ?? "config";
  const inspection = inspectConfig(text);
  const { issues, keys } = checkKeys(inspection.vms, agentName, options);
  const all = [...inspection.issues, ...issues];
  if (!inspection.config || all.length) throw new ConfigError(all, source);
  return { source, config: inspection.config, vms: served(inspection.config, keys) };
}

/** Reads the file, then parseAgentConfig. Throws ConfigFileError (unreadable file) or ConfigError. */
export function loadAgentConfig(path: string, agentName: Served): AgentConfig & { config: Config } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigFileError(`cannot read config file ${path}: ${describeFsError(err)}`);
  }
  return parseAgentConfig(text, agentName, { configDir: dirname(resolve(path)), source: path });
}
