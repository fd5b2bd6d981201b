/**
 * @module Running `uname -a` on N loopback hosts (N = 10, 50, 200 by default), one run, same
 * hosts: the peer tools over OpenSSH (xargs -P + ssh, parallel-ssh, pdsh, Ansible ad-hoc at
 * -f 5 and -f N), raw ssh2 (fresh and warm connections), and the MCP rows once they exist
 * (bench/fleet/mcp-rows.ts). Median wall time per row, ratio to a reference row, and how
 * many hosts answered with this machine's `uname -a`.
 *
 *   npm run bench:fleet -- [--sizes 10,50,200] [--reps <n>] [--reference ssh2-warm]
 *                          [--rows id,id] [--timeout 300] [--max-startups 10:30:100]
 *
 * Hosts are real sshd (at most 16 addresses each) on 127.0.1.1 onwards, at sshd's stock
 * limits unless --max-startups is given. Missing peers are installed with apt-get. Exit 1
 * when setup fails; failed hosts are counted and shown, never retried or hidden.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { type ManyHosts, sshdAvailable, startManyHosts } from "../e2e/harness/index.js";
import { onProcessExit } from "../e2e/harness/proc.js";
import { writeClientFiles } from "./fleet/client-files.js";
import { printGoals } from "./fleet/goals.js";
import { mcpRows } from "./fleet/mcp-rows.js";
import { ansibleRow, pdshRow, psshRow, xargsRow } from "./fleet/peer-rows.js";
import { installPeers, peerVersions } from "./fleet/peers-install.js";
import { judge, printFailures, printLegend, printResults, type RowResult } from "./fleet/report.js";
import { killProcessesMentioning, runProcess } from "./fleet/spawn.js";
import { ssh2FreshRow, ssh2WarmRow } from "./fleet/ssh2-rows.js";
import { COMMAND, type FleetRow, type HostOutcome } from "./fleet/types.js";

const USAGE =
  "usage: bench/fleet.ts [--sizes 10,50,200] [--reps <n>] [--reference <row id>] [--rows id,id] [--timeout <s>] [--max-startups a:b:c]";
/** Row ids that need the Debian peer packages. */
const PEER_IDS = ["xargs", "pssh", "pdsh", "ansible-f5", "ansible-fN"];

class SetupError extends Error {}

/** Default repetitions: 5 for small fleets, 3 at 200 where Ansible -f 5 takes a while. */
const defaultReps = (size: number) => (size <= 50 ? 5 : 3);

function parse() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10,50,200" },
      reps: { type: "string" },
      reference: { type: "string", default: "ssh2-warm" },
      rows: { type: "string" },
      timeout: { type: "string", default: "300" },
      "max-startups": { type: "string" },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  const timeoutMs = Number(values.timeout) * 1000;
  const isCount = (v: number) => Number.isInteger(v) && v >= 1;
  if (!sizes.every(isCount) || (reps !== undefined && !isCount(reps)) || !(timeoutMs > 0)) {
    throw new SetupError(USAGE);
  }
  return { ...values, sizes, reps, timeoutMs, only: values.rows?.split(",") };
}

/** Runs one timed repetition; a row that overruns `timeoutMs` is aborted and all its hosts fail. */
async function timedRun(row: FleetRow, hosts: Parameters<FleetRow["run"]>[0], timeoutMs: number) {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<HostOutcome[]>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve(hosts.map((h) => ({ name: h.name, error: `repetition timed out after ${timeoutMs / 1000} s` })));
    }, timeoutMs);
  });
  const start = performance.now();
  const outcomes = await Promise.race([
    row
      .run(hosts, abort.signal)
      .catch((error: Error) => hosts.map((h) => ({ name: h.name, error: `row threw: ${error.message}` }))),
    timedOut,
  ]);
  const elapsed = performance.now() - start;
  clearTimeout(timer);
  return { outcomes, elapsed };
}

async function main(): Promise<number> {
  const options = parse();
  const log = (line: string) => console.error(line);
  if (!sshdAvailable()) throw new SetupError("the fleet bench needs sshd, ssh-keygen and root (see above)");

  const work = mkdtempSync(path.join(os.tmpdir(), "tlc-bench-fleet-"));
  // The test user must traverse it to read each sshd's authorized_keys.
  chmodSync(work, 0o711);
  // Interrupted: sshd and peer process groups go by their own hooks; this catches what
  // escaped a group (ssh control masters) and the temp dir.
  const forget = onProcessExit(() => {
    killProcessesMentioning(work);
    rmSync(work, { recursive: true, force: true });
  });
  let fleet: ManyHosts | undefined;
  let rows: FleetRow[] = [];
  try {
    const maxSize = Math.max(...options.sizes);
    const limits = options["max-startups"] ? { maxStartups: options["max-startups"] } : {};
    log(`starting ${maxSize} loopback hosts…`);
    fleet = await startManyHosts(path.join(work, "hosts"), maxSize, { limits });
    const files = writeClientFiles(work, fleet.hosts);
    const peerWork = path.join(work, "peers");
    mkdirSync(peerWork);

    /** Lines for the report, the latest per kind (e.g. the agent's memory per size). */
    const notes = new Map<string, string>();
    rows = [
      xargsRow(files, peerWork),
      psshRow(files, peerWork),
      pdshRow(files, peerWork),
      ansibleRow(files, peerWork, 5),
      ansibleRow(files, peerWork, "N"),
      ssh2FreshRow(),
      ssh2WarmRow(false),
      ssh2WarmRow(true),
      // The MCP rows (ssh_run_parallel) plug in here.
      ...mcpRows({ work, note: (line) => notes.set(line.replace(/\d+ MiB$/, ""), line) }),
    ];
    const unknown = options.only?.filter((id) => !rows.some((r) => r.id === id)) ?? [];
    if (unknown.length)
      throw new SetupError(`unknown row ids ${unknown.join(", ")}; known: ${rows.map((r) => r.id).join(", ")}`);
    if (options.only) rows = rows.filter((r) => options.only?.includes(r.id));
    if (!rows.some((r) => r.id === options.reference)) {
      throw new SetupError(
        `reference row ${options.reference} is not among the rows run (${rows.map((r) => r.id).join(", ")})`,
      );
    }
    if (rows.some((r) => PEER_IDS.includes(r.id))) {
      try {
        installPeers(log);
      } catch (error) {
        throw new SetupError((error as Error).message);
      }
    }

    // The hosts are this machine: each must print exactly what `uname -a` prints here.
    const expected = execFileSync("uname", ["-a"], { encoding: "utf8" }).trim();
    // Preflight through the same config the peers use: a broken setup fails here, clearly.
    const first = fleet.hosts[0]?.name ?? "";
    const pre = await runProcess("ssh", ["-F", files.sshConfig, first, COMMAND]);
    if (pre.code !== 0 || pre.stdout.trim() !== expected) {
      throw new SetupError(
        `preflight \`ssh -F ${files.sshConfig} ${first} ${COMMAND}\` failed (exit ${pre.code}): ${pre.stderr.trim()}`,
      );
    }

    const results: RowResult[] = [];
    const started = performance.now();
    for (const size of options.sizes) {
      const hosts = fleet.hosts.slice(0, size);
      const names = hosts.map((h) => h.name);
      const reps = options.reps ?? defaultReps(size);
      const sized = rows.map((row) => {
        const result: RowResult = { size, id: row.id, label: row.label, times: [], ok: [], failures: new Map() };
        results.push(result);
        return { row, result };
      });
      for (const { row, result } of sized) {
        try {
          await row.setup?.(hosts);
        } catch (error) {
          result.setupError = (error as Error).message;
        }
      }
      // Repetitions interleave the rows, so a slow phase of the machine hits all of them.
      for (let rep = 1; rep <= reps; rep++) {
        for (const { row, result } of sized) {
          if (result.setupError) continue;
          const { outcomes, elapsed } = await timedRun(row, hosts, options.timeoutMs);
          result.times.push(elapsed);
          judge(result, names, outcomes, expected);
          await row.afterRep?.();
          log(`N=${size} rep ${rep}/${reps} ${row.label}: ${elapsed.toFixed(0)} ms, ${result.ok.at(-1)}/${size} ok`);
        }
      }
      for (const { row } of sized) await row.teardown?.();
    }
    const benchSeconds = (performance.now() - started) / 1000;

    printLegend({
      hosts: fleet.hosts.length,
      sshds: fleet.sshds.length,
      maxStartups: options["max-startups"],
      versions: peerVersions(path.join(work, "versions")),
      reference: options.reference,
    });
    printResults(results, options.reference);
    printFailures(results);
    printGoals(results);
    for (const line of notes.values()) console.log(line);
    console.log(`\nbench time: ${benchSeconds.toFixed(0)} s (sizes ${options.sizes.join(",")})`);
    return 0;
  } finally {
    await Promise.allSettled(rows.map((r) => r.teardown?.()));
    await fleet?.stop();
    killProcessesMentioning(work);
    forget();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(
      error instanceof SetupError
        ? `bench:fleet setup failed: ${error.message}`
        : `bench:fleet failed: ${error.stack ?? error.message}`,
    );
    process.exit(1);
  },
);
