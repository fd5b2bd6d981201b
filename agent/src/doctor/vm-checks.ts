/**
 * @module Doctor: each served VM from this machine, the way the daemon reaches it: a TCP
 * connect (timed), then an SSH connection with the agent's own connect code and host key
 * policy (read-only, see host-key-policy.ts), then `true` run on it. VMs are checked in
 * parallel, a bounded number at once, each within one time budget.
 */
import type { ServedVm } from "../config.js";
import { formatDuration, JobError } from "../errors.js";
import { createLogger } from "../log.js";
import { probeTcp } from "../probe.js";
import { connectSsh, type SshConnection } from "../ssh/connect.js";
import { mismatchMessage } from "../ssh/host-keys.js";
import { vmTarget } from "./config-checks.js";
import type { ReadOnlyHostKeys } from "./host-key-policy.js";
import { fail, ok, type Row, warn } from "./report.js";

export interface VmCheckOptions {
  hostKeys: ReadOnlyHostKeys;
  /** Each VM's whole check, TCP to command, must end within this. */
  timeoutMs: number;
  /** VMs checked at once: a large fleet must not open hundreds of connections in one go. */
  parallel?: number;
}

/** The connect code logs as the daemon does; doctor reports in its table instead. */
const quiet = createLogger({ agent: "doctor", sink: () => undefined });

/** Runs `work` over `items`, at most `limit` at once, keeping the results in input order. */
export async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function checkVms(vms: ServedVm[], options: VmCheckOptions): Promise<Row[]> {
  const perVm = await mapBounded(vms, options.parallel ?? 16, (vm) => checkVm(vm, options));
  return perVm.flat();
}

async function checkVm(vm: ServedVm, options: VmCheckOptions): Promise<Row[]> {
  const target = vmTarget(vm);
  const deadline = performance.now() + options.timeoutMs;
  const left = () => Math.max(1, Math.round(deadline - performance.now()));
  const rows: Row[] = [];

  const probe = await probeTcp(vm.host, vm.port, left());
  if (!probe.reachable) {
    rows.push(
      fail(
        "tcp",
        target,
        `not reachable from this machine: ${probe.reason}`,
        `check that the VM is up, sshd listens on port ${vm.port}, and no firewall drops this machine`,
      ),
    );
    return rows;
  }
  rows.push(ok("tcp", target, `port ${vm.port} open (${probe.latency_ms} ms)`));

  let conn: SshConnection | undefined;
  const started = performance.now();
  try {
    conn = await connectSsh(vm, { hostKeys: options.hostKeys, log: quiet, readyTimeoutMs: left() });
  } catch (err) {
    rows.push(...connectFailure(vm, target, options.hostKeys, err));
    return rows;
  }
  try {
    rows.push(hostKeyRow(vm, target, options.hostKeys));
    rows.push(ok("ssh", target, `logged in as ${vm.user} (${Math.round(performance.now() - started)} ms)`));
    rows.push(await runTrue(conn, target, left()));
  } finally {
    await conn.end();
  }
  return rows;
}

/** The host key row of a connection that got through: how the key was trusted. */
function hostKeyRow(vm: ServedVm, target: string, hostKeys: ReadOnlyHostKeys): Row {
  const d = hostKeys.decisions.get(vm.name);
  if (!d?.ok) return ok("host key", target, "checked");
  if (d.source === "pinned") return ok("host key", target, `${d.fingerprint} matches the pinned host_key`);
  if (d.source === "known_hosts") return ok("host key", target, `${d.fingerprint} is in ${d.file}`);
  return warn(
    "host key",
    target,
    `${d.fingerprint} is not pinned; the agent would trust it on first use (doctor recorded nothing)`,
    `pin it: host_key: "${d.fingerprint}" on the VM in the config (after checking it with the VM's admin)`,
  );
}

/** Why the SSH connection failed, as rows: the host key's own when it was the cause. */
function connectFailure(vm: ServedVm, target: string, hostKeys: ReadOnlyHostKeys, err: unknown): Row[] {
  const d = hostKeys.decisions.get(vm.name);
  if (d && !d.ok) {
    const fix =
      d.source === "unknown"
        ? `pin it as host_key on the VM, or add it to a known_hosts file (ssh-keyscan -p ${vm.port} ${vm.host}), after checking ${d.got} with the VM's admin`
        : d.source === "pinned"
          ? "if the VM was reinstalled or its key rotated, check the new key with its admin and update host_key; otherwise something is impersonating it"
          : `if the VM's key changed on purpose, remove its old line from ${d.file ?? "known_hosts"}; otherwise something is impersonating it`;
    return [fail("host key", target, mismatchMessage(vm, d), fix)];
  }
  const message = err instanceof Error ? err.message : String(err);
  const rows: Row[] = d?.ok ? [hostKeyRow(vm, target, hostKeys)] : [];
  if (err instanceof JobError && err.code === "ssh_auth") {
    rows.push(
      fail(
        "ssh",
        target,
        message,
        `add the key's public half to ~${vm.user}/.ssh/authorized_keys on the VM, and check the user name`,
      ),
    );
  } else {
    rows.push(fail("ssh", target, message, "check that the port is sshd's and that sshd accepts this machine"));
  }
  return rows;
}

/** `true` on the VM: a session opens and a command runs to exit status 0. */
function runTrue(conn: SshConnection, target: string, timeoutMs: number): Promise<Row> {
  const started = performance.now();
  const failed = (detail: string) =>
    fail("command", target, detail, "check the user's shell and sshd's limits (MaxSessions, ForceCommand)");
  return new Promise<Row>((resolve) => {
    const timer = setTimeout(
      () => resolve(failed(`\`true\` did not end within ${formatDuration(timeoutMs)}`)),
      timeoutMs,
    );
    const done = (row: Row) => {
      clearTimeout(timer);
      resolve(row);
    };
    conn.client.exec("true", (err, channel) => {
      if (err) return done(failed(`cannot run a command: ${err.message}`));
      let code: number | null = null;
      let signal: string | undefined;
      channel.once("exit", (c: number | null, s?: string) => {
        code = typeof c === "number" ? c : null;
        signal = s;
      });
      channel.resume();
      channel.stderr.resume();
      channel.once("close", () => {
        const ms = Math.round(performance.now() - started);
        if (code === 0) done(ok("command", target, `\`true\` ran (${ms} ms)`));
        else done(failed(`\`true\` ended with ${signal ? `signal ${signal}` : `exit status ${code ?? "unknown"}`}`));
      });
    });
  });
}
