/**
 * @module The peer tools as fleet-bench rows, each invoked the way its users run it over
 * OpenSSH with the generated client config: xargs -P + ssh, parallel-ssh, pdsh and Ansible
 * ad-hoc. Every invocation is cold (new connections); failures are reported per host.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ClientFiles } from "./client-files.js";
import { killProcessesMentioning, linesOf, type ProcessResult, runProcess } from "./spawn.js";
import { COMMAND, type FleetRow, type HostOutcome } from "./types.js";

/** Reads a file that the tool may not have written (host never reached). */
const readOr = (file: string, fallback = ""): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
};

/** A fresh, empty directory per repetition under `base`. */
function repDir(base: string, label: string): string {
  const dir = path.join(base, `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const exitDetail = (r: ProcessResult) => (r.signal ? `killed by ${r.signal}` : `exit ${r.code}`);

/** `xargs -P N` running one `ssh -F cfg <alias> uname -a` per host. */
export function xargsRow(files: ClientFiles, work: string): FleetRow {
  return {
    id: "xargs",
    label: "xargs -P N + ssh",
    async run(hosts, signal) {
      const out = repDir(work, "xargs");
      // A dash per host only to give each ssh its own output files, so hosts can be told apart.
      const script = 'exec ssh -F "$0" "$1" "$3" >"$2/$1.out" 2>"$2/$1.err"';
      const result = await runProcess(
        "xargs",
        ["-P", String(hosts.length), "-I{}", "sh", "-c", script, files.sshConfig, "{}", out, COMMAND],
        { input: hosts.map((h) => `${h.name}\n`).join(""), signal },
      );
      // GNU xargs stops starting commands once one exits 255 (ssh's own failures) and exits
      // 124 without waiting for the running ones: hosts after that never ran, or were cut off.
      const xargsSays = result.stderr.trim().split("\n")[0] ?? "";
      return hosts.map((h): HostOutcome => {
        const stdout = readOr(path.join(out, `${h.name}.out`), "\0missing");
        if (stdout === "\0missing")
          return { name: h.name, error: `never started: ${exitDetail(result)}, ${xargsSays}` };
        const stderr = readOr(path.join(out, `${h.name}.err`)).trim();
        if (!stderr && stdout) return { name: h.name, stdout };
        return { name: h.name, stdout, error: stderr || `no output: ${exitDetail(result)}, ${xargsSays}` };
      });
    },
  };
}

/** `parallel-ssh -p N` with per-host output files (`-o`, `-e`). */
export function psshRow(files: ClientFiles, work: string): FleetRow {
  return {
    id: "pssh",
    label: "parallel-ssh -p N",
    async run(hosts, signal) {
      const out = repDir(work, "pssh");
      const args = ["-h", files.hostsFile(hosts.length), "-x", `-F ${files.sshConfig}`, "-p", String(hosts.length)];
      args.push("-t", "60", "-o", path.join(out, "out"), "-e", path.join(out, "err"), COMMAND);
      const result = await runProcess("parallel-ssh", args, { signal });
      // Status lines: "[3] 15:30:01 [FAILURE] h003 Exited with error code 255".
      const status = new Map<string, string>();
      for (const m of result.stdout.matchAll(/^\[\d+\] \S+ \[(SUCCESS|FAILURE)\] (\S+)(.*)$/gm)) {
        status.set(m[2] as string, m[1] === "SUCCESS" ? "" : (m[3] ?? "").trim() || "FAILURE");
      }
      return hosts.map((h): HostOutcome => {
        const stdout = readOr(path.join(out, "out", h.name));
        const failure = status.get(h.name);
        if (failure === "") return { name: h.name, stdout };
        const stderr = readOr(path.join(out, "err", h.name)).trim();
        const why = [failure ?? `no status line (${exitDetail(result)})`, stderr].filter(Boolean).join(": ");
        return { name: h.name, stdout, error: why };
      });
    },
  };
}

/** `pdsh -R ssh -f N`: ssh gets the config through PDSH_SSH_ARGS_APPEND. */
export function pdshRow(files: ClientFiles, work: string): FleetRow {
  return {
    id: "pdsh",
    label: "pdsh -R ssh -f N",
    async run(hosts, signal) {
      const user = hosts[0]?.user ?? "";
      // -l: pdsh passes `-l <local user>` to ssh otherwise, which beats the config's User.
      const args = ["-R", "ssh", "-f", String(hosts.length), "-l", user, "-w", `^${files.hostsFile(hosts.length)}`];
      const env = { ...process.env, PDSH_SSH_ARGS_APPEND: `-F ${files.sshConfig}` };
      const result = await runProcess("pdsh", [...args, COMMAND], { env, signal, cwd: work });
      return hosts.map((h): HostOutcome => {
        const lines = linesOf(result.stdout, h.name);
        // ssh's own errors come as "h003: kex_exchange…", pdsh's as "pdsh@x: h003: ssh exited with exit code 255".
        const errors = [
          ...linesOf(result.stderr, h.name),
          ...result.stderr.split("\n").filter((l) => l.includes(`: ${h.name}: `)),
        ];
        const stdout = lines.length ? `${lines.join("\n")}\n` : "";
        return { name: h.name, stdout, ...(errors.length ? { error: errors.join("; ") } : {}) };
      });
    },
  };
}

interface AnsibleHostResult {
  rc?: number;
  stdout?: string;
  stderr?: string;
  msg?: string;
  unreachable?: boolean;
  failed?: boolean;
}

/**
 * Ansible ad-hoc `command` module at `-f forks`, with Ansible's stock SSH settings
 * (ControlMaster=auto, ControlPersist=60s, so one TCP connection per host within a run)
 * but a fresh control-socket dir per repetition whose masters are closed afterwards:
 * each repetition is cold. Output through the `json` callback, per host.
 */
export function ansibleRow(files: ClientFiles, work: string, forks: number | "N"): FleetRow {
  const home = path.join(work, "ansible-home");
  mkdirSync(home, { recursive: true });
  const config = path.join(home, "ansible.cfg");
  writeFileSync(config, ""); // read no /etc/ansible/ansible.cfg: stock settings only
  let controlDir: string | undefined;
  const closeMasters = async () => {
    const dir = controlDir;
    controlDir = undefined;
    if (!dir) return;
    const sockets = readdirSync(dir).map((f) => path.join(dir, f));
    await Promise.all(
      sockets.map((s) => runProcess("ssh", ["-o", `ControlPath=${s}`, "-O", "exit", "ignored"]).catch(() => undefined)),
    );
    // Belt and braces: a master that ignored `-O exit` must not outlive the bench.
    killProcessesMentioning(dir);
  };
  return {
    id: forks === "N" ? "ansible-fN" : `ansible-f${forks}`,
    label: `ansible -m command -f ${forks}`,
    async run(hosts, signal) {
      controlDir = repDir(work, "ansible-cp");
      const env = {
        ...process.env,
        ANSIBLE_CONFIG: config,
        ANSIBLE_HOME: home,
        ANSIBLE_LOCAL_TEMP: path.join(home, "tmp"),
        ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir,
        ANSIBLE_HOST_KEY_CHECKING: "True",
        ANSIBLE_LOAD_CALLBACK_PLUGINS: "1",
        ANSIBLE_STDOUT_CALLBACK: "json",
        ANSIBLE_NOCOLOR: "1",
      };
      const f = String(forks === "N" ? hosts.length : forks);
      const args = ["all", "-i", files.inventory(hosts.length), "-m", "command", "-a", COMMAND, "-f", f];
      const result = await runProcess("ansible", args, { env, signal, cwd: work });
      let byHost: Record<string, AnsibleHostResult> = {};
      try {
        const json = JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as {
          plays?: { tasks?: { hosts?: Record<string, AnsibleHostResult> }[] }[];
        };
        byHost = json.plays?.[0]?.tasks?.[0]?.hosts ?? {};
      } catch {
        // no JSON at all: every host fails below with Ansible's stderr
      }
      return hosts.map((h): HostOutcome => {
        const r = byHost[h.name];
        if (!r)
          return { name: h.name, error: `no result (${exitDetail(result)}): ${result.stderr.trim().slice(0, 300)}` };
        const bad = r.unreachable || r.failed || r.rc !== 0;
        const why = r.unreachable ? "UNREACHABLE" : `rc=${r.rc ?? "?"}`;
        return {
          name: h.name,
          stdout: r.stdout === undefined ? undefined : `${r.stdout}\n`,
          ...(bad ? { error: `${why}: ${(r.msg ?? r.stderr ?? "").trim()}` } : {}),
        };
      });
    },
    afterRep: closeMasters,
    teardown: closeMasters,
  };
}
