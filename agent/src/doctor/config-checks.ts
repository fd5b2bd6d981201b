/**
 * @module Doctor: the config and the private key of each VM this agent serves. The checks are
 * the config loader's own (parseAgentConfig), so doctor and daemon never disagree on what is
 * valid; its problems are then sorted by VM, so a broken key shows on that VM's row and the
 * VMs whose entries are sound still get their network checks.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { agentOf, ConfigError, type ConfigIssue, type EntryView, inspectConfig, type Vm } from "@telecommande/shared";
import ssh2 from "ssh2";
import { parseAgentConfig, resolveKeyPath, type ServedVm } from "../config.js";
import { fail, ok, type Row, warn } from "./report.js";

export interface ConfigCheck {
  rows: Row[];
  /** The served VMs whose entry and key are sound: ready for the network checks. */
  vms: ServedVm[];
  /** Passphrases met on the way, to mask in the output (the messages never hold them; belt and braces). */
  secrets: string[];
}

const KEY_FIELD = /\.(key|key_path|passphrase)$/;

function describeFsCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file",
    EACCES: "permission denied",
    EISDIR: "a directory",
  };
  return code ? `${reasons[code] ?? "cannot read"} (${code})` : String(err);
}

/** The problems that belong to one VM entry: its own path or a field under it. */
function issuesOf(view: EntryView<Vm>, issues: ConfigIssue[]): ConfigIssue[] {
  return issues.filter((i) => i.path === view.path || i.path.startsWith(`${view.path}.`));
}

/** How to fix a key problem, by what it says. */
function keyFix(issue: ConfigIssue): string {
  if (issue.path.endsWith(".passphrase")) return "correct the VM's passphrase in the config";
  if (/encrypted/.test(issue.message)) return "add the key's passphrase to the VM (passphrase:)";
  if (/cannot read/.test(issue.message))
    return "check the path (relative paths start at the config's folder) and that the agent's user can read it";
  if (/public key/.test(issue.message)) return "point key_path at the private half of the key pair";
  if (/no private key/.test(issue.message)) return "give the VM a key_path (or an inline key)";
  return "give an OpenSSH or PEM private key (ssh-keygen -t ed25519 makes one)";
}

/** What the key row says of a sound key: where it comes from, its type, and a loose file mode. */
function keyRow(vm: ServedVm, target: string, configDir: string): Row {
  const parsed = ssh2.utils.parseKey(vm.privateKey, vm.passphrase);
  const type = parsed instanceof Error ? "private key" : (Array.isArray(parsed) ? parsed[0] : parsed)?.type;
  const encrypted = vm.passphrase !== undefined ? ", passphrase ok" : "";
  if (vm.key_path === undefined) return ok("key", target, `inline ${type} key parses${encrypted}`);
  const file = resolveKeyPath(vm.key_path, configDir);
  let mode = 0;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    // It was just read; a race with an edit is not worth a row of its own.
  }
  const detail = `${file}: ${type} key parses${encrypted}`;
  // OpenSSH refuses such a key; the agent does not, but anyone on the machine can take it.
  if (mode & 0o077) {
    return warn("key", target, `${detail}; readable by others (mode ${mode.toString(8)})`, `chmod 600 ${file}`);
  }
  return ok("key", target, detail);
}

export const vmTarget = (vm: { name?: string | undefined; host?: string | undefined; port?: number | undefined }) =>
  `${vm.name ?? "?"} (${vm.host ?? "?"}:${vm.port ?? 22})`;

export function checkConfig(path: string, agentName: string): ConfigCheck {
  const secrets: string[] = [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const row = fail("config", path, `cannot read the config file: ${describeFsCode(err)}`, "pass --config or CONFIG");
    return { rows: [row], vms: [], secrets };
  }
  const configDir = dirname(resolve(path));
  const inspection = inspectConfig(text);
  const served = inspection.vms.filter((v) => !(v.given.has("agent") && v.fields.agent === undefined));
  const mine = served.filter((v) => agentOf(v.fields) === agentName);
  for (const v of mine) if (v.fields.passphrase) secrets.push(v.fields.passphrase);

  let issues: ConfigIssue[] = [];
  let loaded: ServedVm[] = [];
  try {
    loaded = parseAgentConfig(text, agentName, { configDir, source: path }).vms;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues = err.issues;
  }

  const rows: Row[] = [];
  const total = inspection.vms.length;
  const servedText = `${mine.length} of ${total} VM${total === 1 ? "" : "s"} served by agent "${agentName}"`;
  if (issues.length) {
    const n = issues.length;
    const list = issues.map((i) => `- ${i.path ? `${i.path}: ` : ""}${i.message}`).join("\n");
    rows.push(
      fail(
        "config",
        path,
        `${n} problem${n === 1 ? "" : "s"} (the agent refuses to start):\n${list}`,
        "correct each entry listed; the key problems show again on their VM's key row",
      ),
    );
  } else if (!mine.length) {
    rows.push(
      warn(
        "config",
        path,
        `valid; ${servedText}: this agent would serve nothing`,
        `set \`agent: ${agentName}\` on the VMs it should serve, or run with the --name they give`,
      ),
    );
  } else rows.push(ok("config", path, `valid; ${servedText}`));

  const vms: ServedVm[] = [];
  for (const view of mine) {
    const target = vmTarget(view.fields);
    const own = issuesOf(view, issues);
    const keyIssues = own.filter((i) => KEY_FIELD.test(i.path) || /private key/.test(i.message));
    const skipped = own.length ? " (network checks skipped until the entry is fixed)" : "";
    if (keyIssues.length) {
      const detail = keyIssues.map((i) => `${i.path}: ${i.message}`).join("\n") + skipped;
      rows.push(fail("key", target, detail, keyIssues.map(keyFix).join("; ")));
      continue;
    }
    const vm = issues.length ? soundVm(view, configDir) : loaded.find((v) => v.name === view.fields.name);
    if (!vm) {
      rows.push(fail("key", target, `not checked: ${view.path} has other problems${skipped}`, "see the config row"));
      continue;
    }
    const row = keyRow(vm, target, configDir);
    if (own.length) {
      rows.push({ ...row, detail: row.detail + skipped });
      continue;
    }
    rows.push(row);
    vms.push(vm);
  }
  return { rows, vms, secrets };
}

/**
 * A served VM from an entry with no problem of its own, in a config broken elsewhere: its key
 * passed the loader's checks, so reading it again can only fail on a race (then: not checked).
 */
function soundVm(view: EntryView<Vm>, configDir: string): ServedVm | undefined {
  const f = view.fields;
  if (!f.name || !f.host || !f.user) return undefined;
  try {
    const privateKey = f.key ?? (f.key_path ? readFileSync(resolveKeyPath(f.key_path, configDir)) : undefined);
    if (privateKey === undefined) return undefined;
    return { ...f, name: f.name, host: f.host, user: f.user, port: f.port ?? 22, privateKey };
  } catch {
    return undefined;
  }
}
