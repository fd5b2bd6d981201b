/**
 * @module Judging and reporting fleet-bench repetitions: a host is right when its stdout is
 * this machine's `uname -a`; rows get median wall time, a ratio to the reference row, and
 * their failures grouped by message.
 */
import os from "node:os";
import { median, printTable } from "../stats.js";
import { COMMAND, type HostOutcome } from "./types.js";

export interface RowResult {
  size: number;
  id: string;
  label: string;
  /** Wall time of each repetition, ms. */
  times: number[];
  /** Hosts with the right output, per repetition. */
  ok: number[];
  /** Failure message (host names and addresses blurred) → how many host-repetitions hit it. */
  failures: Map<string, number>;
  /** Set when setup failed: the row has no repetitions. */
  setupError?: string;
}

/** Same message for every host: `h017`, addresses and ports blurred so failures group. */
const blur = (message: string) =>
  message
    .replace(/\bh\d{3,}\b/g, "hNNN")
    .replace(/127\.\d+\.\d+\.\d+/g, "127.x.x.x")
    .replace(/\bport \d+\b/g, "port P")
    .replace(/:\d{4,5}\b/g, ":P")
    .replace(/\s+/g, " ")
    .slice(0, 240);

/** Counts the right answers of one repetition and records what went wrong for the others. */
export function judge(result: RowResult, hosts: string[], outcomes: HostOutcome[], expected: string): void {
  const byName = new Map(outcomes.map((o) => [o.name, o]));
  let ok = 0;
  for (const name of hosts) {
    const o = byName.get(name);
    const right = o?.stdout?.trim() === expected;
    if (right && !o?.error) {
      ok++;
      continue;
    }
    const why = !o
      ? "no outcome for this host"
      : o.error
        ? blur(o.error)
        : `wrong output: ${JSON.stringify((o.stdout ?? "").slice(0, 120))}`;
    result.failures.set(why, (result.failures.get(why) ?? 0) + 1);
  }
  result.ok.push(ok);
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "-");

/** The table: one line per size and row, ratio to the reference row of the same size. */
export function printResults(results: RowResult[], referenceId: string): void {
  const rows = results.map((r) => {
    if (r.setupError) return [String(r.size), r.label, "0", "setup failed", "", "", "", ""];
    const ref = results.find((x) => x.size === r.size && x.id === referenceId && !x.setupError);
    const m = median(r.times);
    const ratio = ref ? m / median(ref.times) : Number.NaN;
    const worst = Math.min(...r.ok);
    const total = r.ok.reduce((a, b) => a + b, 0);
    return [
      String(r.size),
      r.label,
      String(r.times.length),
      ms(m),
      ms(Math.min(...r.times)),
      ms(Math.max(...r.times)),
      Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : "-",
      `${worst}/${r.size}`,
      `${total}/${r.size * r.times.length}`,
    ];
  });
  printTable(["N", "row", "reps", "median ms", "min ms", "max ms", "×ref", "ok worst rep", "ok all reps"], rows, 2);
}

/** Every row's failures, grouped by message, most frequent first. */
export function printFailures(results: RowResult[]): void {
  const failing = results.filter((r) => r.setupError || r.failures.size);
  if (!failing.length) {
    console.log("\nfailures: none, every host answered right in every repetition");
    return;
  }
  console.log("\nfailures (host-repetitions, message with host names and addresses blurred):");
  for (const r of failing) {
    console.log(`  N=${r.size} ${r.label}:`);
    if (r.setupError) console.log(`    setup failed: ${r.setupError}`);
    const sorted = [...r.failures].sort((a, b) => b[1] - a[1]);
    for (const [why, count] of sorted.slice(0, 5)) console.log(`    ${String(count).padStart(4)} × ${why}`);
    if (sorted.length > 5) console.log(`    … and ${sorted.length - 5} other messages`);
  }
}

export interface Setup {
  hosts: number;
  sshds: number;
  /** sshd's MaxStartups when the bench set it; stock otherwise. */
  maxStartups: string | undefined;
  versions: Record<string, string>;
  reference: string;
}

/** What ran where, printed above the table so a pasted table carries its context. */
export function printLegend(setup: Setup): void {
  const cpus = os.cpus();
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  const limits = setup.maxStartups
    ? `MaxStartups ${setup.maxStartups}`
    : "stock limits (MaxSessions 10, MaxStartups 10:30:100)";
  const lines = [
    `\nmachine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), ${gib} GiB, Node ${process.version}, Linux ${os.release()}`,
    `hosts: ${setup.hosts} loopback addresses (127.0.1.1…) on ${setup.sshds} sshd (≤ 16 each), ${limits}`,
    `command: \`${COMMAND}\` as the test user; right = stdout is this machine's \`uname -a\``,
    "versions:",
    ...Object.entries(setup.versions).map(([k, v]) => `  ${k}: ${v}`),
    "rows (every peer goes through one generated ssh config: host aliases, known_hosts, StrictHostKeyChecking yes):",
    "  xargs: xargs -P N -I{} sh -c 'exec ssh -F cfg {} uname -a >out/{}.out 2>out/{}.err' (the sh only splits output",
    "    per host); GNU xargs stops starting commands once one exits 255, as ssh does when it cannot connect",
    "  parallel-ssh: -h hosts -x '-F cfg' -p N -t 60 -o outdir -e errdir",
    "  pdsh: -R ssh -f N -l <user> -w ^hosts, PDSH_SSH_ARGS_APPEND='-F cfg'",
    "  ansible: all -i inventory -m command -a 'uname -a' -f 5|N; host key checking on, python pinned (no discovery),",
    "    stock ControlPersist within a repetition, masters closed after it: every repetition is cold",
    "  ssh2 fresh: N new connections at once, exec, close; ssh2 warm: one open connection per host (untimed), N execs at once",
    `  ×ref: median / median of ${setup.reference} at the same N; times are wall time of the whole fleet run`,
    "",
  ];
  console.log(lines.join("\n"));
}
