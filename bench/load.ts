/**
 * @module Load through the whole path (MCP client → wrangler dev edge → Durable Object →
 * agent → sshd): a burst of concurrent ssh_run_command calls spread over a fleet of VMs,
 * then a soak at a steady rate. Every call echoes a token unique to it and is checked.
 * Reports p50/p99 latency, failed calls, and the agent's and the edge's memory and open
 * file descriptors before, between and after (growth beyond noise is a leak).
 *
 *   npm run bench:load -- [--vms 50] [--burst 500] [--rate 20] [--soak-s 300] [--assert]
 *
 * `--assert` exits 1 when any call failed. Everything runs on loopback, sshd at its stock
 * limits; all is stopped at the end.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { callTool, fleetVm, type Stack, sshdAvailable, startManyHosts, startStack } from "../e2e/harness/index.js";
import { type Footprint, footprint } from "./load/proc.js";
import { printTable, summarize } from "./stats.js";

const USAGE = "usage: bench/load.ts [--vms <1-200>] [--burst <n>] [--rate <calls/s>] [--soak-s <s>] [--assert]";

interface Tally {
  samples: number[];
  failed: number;
  firstFailure?: string;
}

let seq = 0;

/** One checked call on `vm`: its latency, or why it failed. */
async function call(client: Client, vm: string, tally: Tally): Promise<void> {
  const token = `t${seq++}`;
  const start = performance.now();
  try {
    const result = await callTool(client, "ssh_run_command", { vm_name: vm, command: `echo ${token}` }, 120_000);
    const out = result.structuredContent as { return_code?: number; stdout?: string } | undefined;
    if (result.isError || out?.return_code !== 0 || out?.stdout !== `${token}\n`) {
      tally.failed++;
      tally.firstFailure ??= JSON.stringify(result.content).slice(0, 300);
      return;
    }
    tally.samples.push(performance.now() - start);
  } catch (error) {
    tally.failed++;
    tally.firstFailure ??= `threw ${(error as Error).message}`;
  }
}

async function burst(client: Client, vms: string[], n: number): Promise<Tally & { wallMs: number }> {
  const tally: Tally = { samples: [], failed: 0 };
  const start = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => call(client, vms[i % vms.length] as string, tally)));
  return { ...tally, wallMs: performance.now() - start };
}

/** Calls started at a steady rate for `seconds`, whatever the latency; then waits for the last. */
async function soak(
  client: Client,
  vms: string[],
  rate: number,
  seconds: number,
  everyMinute: (minute: number) => void,
): Promise<Tally & { wallMs: number }> {
  const tally: Tally = { samples: [], failed: 0 };
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(call(client, vms[i % vms.length] as string, tally));
    if (i > 0 && i % (rate * 60) === 0) {
      console.error(`  soak: ${i}/${total} calls started, ${tally.failed} failed`);
      everyMinute(i / (rate * 60));
    }
  }
  await Promise.all(inFlight);
  return { ...tally, wallMs: performance.now() - start };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      vms: { type: "string", default: "50" },
      burst: { type: "string", default: "500" },
      rate: { type: "string", default: "20" },
      "soak-s": { type: "string", default: "300" },
      assert: { type: "boolean", default: false },
    },
  });
  const [nVms, nBurst, rate, soakS] = [values.vms, values.burst, values.rate, values["soak-s"]].map(Number);
  const ok = (v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) =>
    v !== undefined && Number.isFinite(v) && v >= min && v <= max;
  if (!ok(nVms, 1, 200) || !ok(nBurst, 1) || !ok(rate, 0.1, 90) || !ok(soakS, 0)) {
    console.error(USAGE);
    return 2;
  }
  if (!sshdAvailable()) return process.env.CI ? 1 : 0;
  const work = mkdtempSync(path.join(os.tmpdir(), "tlc-load-"));
  chmodSync(work, 0o711);
  let stack: Stack | undefined;
  let hosts: Awaited<ReturnType<typeof startManyHosts>> | undefined;
  try {
    console.error(`starting ${nVms} hosts, wrangler dev and the agent…`);
    hosts = await startManyHosts(path.join(work, "hosts"), nVms as number);
    const vms = hosts.hosts.map(fleetVm);
    stack = await startStack({
      permissions: true,
      extra: { vms, groups: [{ name: "load", vms: vms.map((v) => v.name) }] },
    });
    const client = await stack.connect(stack.keys.admin);
    const names = vms.map((v) => v.name);
    const edgePid = stack.edge.pid;
    const agentPid = stack.agent.pid;
    const marks: [string, Footprint, Footprint][] = [];
    const mark = (label: string) => marks.push([label, footprint(agentPid), footprint(edgePid)]);

    console.error("warming up: one call per VM…");
    await burst(client, names, names.length);
    mark("after warm-up");
    console.error(`burst: ${nBurst} concurrent calls over ${names.length} VMs…`);
    const b = await burst(client, names, nBurst as number);
    mark("after the burst");
    console.error(`soak: ${rate} calls/s for ${soakS} s…`);
    const s = await soak(client, names, rate as number, soakS as number, (m) => mark(`soak, minute ${m}`));
    mark("after the soak");
    await new Promise((r) => setTimeout(r, 10_000));
    mark("after 10 s idle");

    const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "-");
    const cpus = os.cpus();
    console.log(`\nmachine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), Node ${process.version}`);
    console.log(
      `fleet: ${names.length} VMs on ${hosts.sshds.length} stock sshd (MaxSessions 10), one admin MCP client\n`,
    );
    printTable(
      ["phase", "calls", "failed", "p50 ms", "p99 ms", "max ms", "calls/s"],
      [
        ["burst", b],
        ["soak", s],
      ].map(([label, t]) => {
        const tally = t as Tally & { wallMs: number };
        const sum = summarize(tally.samples);
        const n = tally.samples.length + tally.failed;
        return [
          label as string,
          String(n),
          String(tally.failed),
          f(sum.p50),
          f(sum.p99),
          f(sum.max),
          f(n / (tally.wallMs / 1000)),
        ];
      }),
    );
    console.log("");
    printTable(
      ["when", "agent RSS MiB", "agent fds", "edge RSS MiB", "of it workerd", "edge fds", "edge procs"],
      marks.map(([label, a, e]) => [
        label,
        f(a.rssMiB),
        String(a.fds),
        f(e.rssMiB),
        f(e.byName.workerd ?? Number.NaN),
        String(e.fds),
        String(e.processes),
      ]),
    );
    for (const [label, t] of [
      ["burst", b],
      ["soak", s],
    ] as const) {
      if (t.firstFailure) console.log(`first failure in ${label}: ${t.firstFailure}`);
    }
    const failed = b.failed + s.failed;
    console.log(`\nfailed calls: ${failed}`);
    return values.assert && failed > 0 ? 1 : 0;
  } finally {
    await stack?.stop();
    await hosts?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
