/**
 * @module The history bench's data: the search-quality generator's operations (the same
 * commands, outputs, incidents and 30 days of timestamps) at 10k or 100k records, spread
 * over 50 VMs, each output grown to 1–5 KB with more lines of the kind its command prints
 * (a longer journal, a longer process list), as real outputs are, and the questions asked
 * of it, each with a host to filter on.
 */
import type { OperationRecord } from "../../agent/src/history/record.js";
import { generate } from "../search-quality/generate.js";
import { Rng } from "../search-quality/world.js";

/** Extra VMs beside the generator's 40: one more of each of 10 of its VMs' roles. */
const EXTRA_VMS = 10;
/** Each stream pair (stdout + stderr) is grown to a size drawn in this range, bytes. */
const OUTPUT_MIN = 1024;
const OUTPUT_MAX = 5120;
/** Lines kept per command to grow outputs from. */
const POOL_LINES = 400;

export interface VmRef {
  name: string;
  host: string;
}

export interface BenchQuery {
  text: string;
  /** A host to filter on (a VM's host, as `host_filter` takes it). */
  host: string;
}

export interface HistoryData {
  records: OperationRecord[];
  vms: VmRef[];
  queries: BenchQuery[];
  /** The newest record's timestamp: "the last 24 hours" are counted back from here. */
  end: number;
  /** Mean stdout + stderr characters per record. */
  meanOutput: number;
}

/** The generator's VMs and 10 more: web-13 on 10.0.1.23 beside web-01…web-12, and so on. */
function widenFleet(records: OperationRecord[]): { vms: VmRef[]; extra: Map<string, VmRef> } {
  const byName = new Map(records.map((r) => [r.vm, { name: r.vm, host: r.host }]));
  const base = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const count = new Map<string, number>();
  for (const vm of base) {
    const role = vm.name.split("-")[0] ?? vm.name;
    count.set(role, (count.get(role) ?? 0) + 1);
  }
  const extra = new Map<string, VmRef>();
  const step = Math.max(1, Math.floor(base.length / EXTRA_VMS));
  for (let i = 0; i < EXTRA_VMS && i * step < base.length; i++) {
    const source = base[i * step] as VmRef;
    const role = source.name.split("-")[0] ?? source.name;
    const n = (count.get(role) ?? 0) + 1;
    count.set(role, n);
    const subnet = source.host.split(".").slice(0, 3).join(".");
    extra.set(source.name, { name: `${role}-${String(n).padStart(2, "0")}`, host: `${subnet}.${10 + n}` });
  }
  return { vms: [...base, ...extra.values()], extra };
}

/** Output lines of each command, from records that answer no question (no incident leaks into others). */
function linePools(
  records: OperationRecord[],
  answers: Set<string>,
): { byCommand: Map<string, string[]>; all: string[] } {
  const byCommand = new Map<string, string[]>();
  const all: string[] = [];
  for (const r of records) {
    if (answers.has(r.id)) continue;
    const pool = byCommand.get(r.command) ?? [];
    for (const line of `${r.stdout}\n${r.stderr}`.split("\n")) {
      if (!line.trim()) continue;
      if (pool.length < POOL_LINES) pool.push(line);
      if (all.length < POOL_LINES * 20) all.push(line);
    }
    byCommand.set(r.command, pool);
  }
  return { byCommand, all };
}

function grow(rng: Rng, text: string, target: number, pool: readonly string[]): string {
  if (!pool.length || text.length >= target) return text;
  const lines = text ? [text] : [];
  let length = text.length;
  while (length < target) {
    const line = rng.pick(pool);
    lines.push(line);
    length += line.length + 1;
  }
  return lines.join("\n");
}

export function historyData(size: number, seed: number, queryCount: number): HistoryData {
  const base = generate({ seed, records: size });
  const rng = new Rng(seed ^ 0x5eed);
  const answers = new Set(base.questions.flatMap((q) => q.relevant));
  const pools = linePools(base.records, answers);
  const { vms, extra } = widenFleet(base.records);

  let outputChars = 0;
  const records = base.records.map((r) => {
    // Half the operations of a VM that has a twin go to the twin, its name in the output too.
    const twin = extra.get(r.vm);
    const moved = twin && rng.chance(0.5) ? twin : undefined;
    const rename = (s: string) => (moved ? s.replaceAll(r.vm, moved.name) : s);
    const pool =
      (pools.byCommand.get(r.command)?.length ?? 0) >= 5 ? (pools.byCommand.get(r.command) ?? []) : pools.all;
    const target = rng.int(OUTPUT_MIN, OUTPUT_MAX);
    // A failure's lines go on stderr, where it printed them; anything else grows stdout.
    const onStderr = r.stderr.length > 0 && r.stdout.length === 0;
    const stdout = onStderr ? r.stdout : grow(rng, r.stdout, target - r.stderr.length, pool);
    const stderr = onStderr ? grow(rng, r.stderr, target, pool) : r.stderr;
    outputChars += stdout.length + stderr.length;
    const vm = moved ?? { name: r.vm, host: r.host };
    return {
      ...r,
      id: `${r.job_id}:${vm.name}`,
      vm: vm.name,
      host: vm.host,
      command: rename(r.command),
      stdout: rename(stdout),
      stderr: rename(stderr),
    };
  });

  const texts = base.questions.map((q) => q.q);
  const queries = Array.from({ length: queryCount }, (_, i) => ({
    text: texts[i % texts.length] as string,
    host: rng.pick(vms).host,
  }));
  const end = records.reduce((max, r) => Math.max(max, r.timestamp), 0);
  return { records, vms, queries, end, meanOutput: outputChars / Math.max(1, records.length) };
}
