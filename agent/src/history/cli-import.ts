/**
 * @module `telecommande-agent history import FILE.jsonl`: brings records from a JSONL file
 * (the original's Qdrant history, an export of another agent, an evaluation set) into the
 * embedded store, a line at a time so a file of any size reads in bounded memory.
 *
 * Each line's VM is its `vm`, else the VM of this agent whose host is the line's `host`
 * (or whose name it is). A line whose VM cannot be found is skipped, never given a default
 * VM: a record is seen by whoever may use its VM, so filing another machine's commands and
 * output under some VM would show them to that VM's users.
 */

import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { agentOf, type Vm } from "@telecommande/shared";
import { importedRecord, parseImportLine } from "./import-line.js";
import type { OperationRecord } from "./record.js";

/**
 * Records written per transaction, and the text they hold at most: one commit per batch,
 * and a transaction short enough (tens of milliseconds; indexing is what takes the time)
 * that the running agent, whose own writes wait for it, barely notices.
 */
export const IMPORT_BATCH = 500;
export const IMPORT_BATCH_CHARS = 500_000;
/** Lines between two progress lines on stderr. */
export const PROGRESS_EVERY = 10_000;
/** Skipped lines reported one by one; the rest are only counted (a wrong file would flood the terminal). */
const SKIPS_SHOWN = 20;

export type SkipKind = "invalid" | "unknown VM" | "another agent's VM" | "unknown host";

export interface ImportSummary {
  /** Non-empty lines read. */
  lines: number;
  imported: number;
  /** Lines whose record was already in the history (imported before, or recorded by the agent itself). */
  duplicates: number;
  skipped: number;
  skippedBy: Partial<Record<SkipKind, number>>;
  /** Imported records older than `maxAgeS`, which the running agent's retention will remove. */
  older: number;
}

export interface ImportOptions {
  /** Adds records, saying how many were new. */
  add(records: OperationRecord[]): Promise<number>;
  input: Readable;
  /** Every VM of the config, and the agent whose history this is. */
  vms: readonly Vm[];
  agent: string;
  /** Warnings and progress, a line each. */
  note(line: string): void;
  progressEvery?: number;
  /** The retention's maximum age, to warn about records it would remove (0: none). */
  maxAgeS?: number;
  now?: () => number;
}

type Resolution = { vm: string } | { kind: SkipKind; problem: string };

/** Finds each line's VM among the config's, remembering the hosts it has already warned about. */
class VmFinder {
  private readonly byName = new Map<string, Vm>();
  private readonly byHost = new Map<string, Vm[]>();
  private readonly warned = new Set<string>();

  constructor(
    vms: readonly Vm[],
    private readonly agent: string,
    private readonly note: (line: string) => void,
  ) {
    for (const vm of vms) {
      this.byName.set(vm.name, vm);
      this.byHost.set(vm.host, [...(this.byHost.get(vm.host) ?? []), vm]);
    }
  }

  find(vmName: string, host: string): Resolution {
    if (vmName) {
      const vm = this.byName.get(vmName);
      if (!vm) return { kind: "unknown VM", problem: `VM "${vmName}" is not in the config` };
      return this.ours(vm) ?? { vm: vm.name };
    }
    const all = this.byHost.get(host) ?? (this.byName.has(host) ? [this.byName.get(host) as Vm] : []);
    const mine = all.filter((vm) => agentOf(vm) === this.agent);
    if (!mine.length) {
      const other = all[0];
      return other
        ? (this.ours(other) as Resolution)
        : { kind: "unknown host", problem: `no VM in the config has host "${host}" (give the line a "vm")` };
    }
    const [first] = mine as [Vm, ...Vm[]];
    if (mine.length > 1 && !this.warned.has(host)) {
      this.warned.add(host);
      this.note(
        `host "${host}" is the host of VMs ${mine.map((vm) => vm.name).join(", ")}: its lines without "vm" go to ${first.name}`,
      );
    }
    return { vm: first.name };
  }

  /** Undefined when this agent serves the VM; otherwise why its records do not belong here. */
  private ours(vm: Vm): Resolution | undefined {
    const served = agentOf(vm);
    if (served === this.agent) return undefined;
    return {
      kind: "another agent's VM",
      problem: `VM "${vm.name}" is served by agent "${served}", not "${this.agent}": import it into that agent's history`,
    };
  }
}

export async function importJsonl(options: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, imported: 0, duplicates: 0, skipped: 0, skippedBy: {}, older: 0 };
  const finder = new VmFinder(options.vms, options.agent, options.note);
  const progressEvery = options.progressEvery ?? PROGRESS_EVERY;
  const cutoff = options.maxAgeS ? (options.now?.() ?? Date.now() / 1000) - options.maxAgeS : undefined;
  let batch: OperationRecord[] = [];
  let batchChars = 0;

  const flush = async () => {
    if (!batch.length) return;
    const added = await options.add(batch);
    summary.imported += added;
    summary.duplicates += batch.length - added;
    batch = [];
    batchChars = 0;
  };
  const skip = (lineNo: number, kind: SkipKind, problem: string) => {
    summary.skipped++;
    summary.skippedBy[kind] = (summary.skippedBy[kind] ?? 0) + 1;
    if (summary.skipped <= SKIPS_SHOWN) options.note(`line ${lineNo}: ${problem}; skipped`);
    if (summary.skipped === SKIPS_SHOWN) options.note("further skipped lines are only counted");
  };

  // A read error (a directory, a file gone) would otherwise end the lines silently.
  let readError: Error | undefined;
  const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
  options.input.once("error", (error) => {
    readError = error;
    lines.close();
  });
  let lineNo = 0;
  for await (const text of lines) {
    lineNo++;
    if (!text.trim()) continue;
    summary.lines++;
    const parsed = parseImportLine(text);
    if ("problem" in parsed) skip(lineNo, "invalid", parsed.problem);
    else {
      const found = finder.find(parsed.line.vm, parsed.line.host);
      if ("problem" in found) skip(lineNo, found.kind, found.problem);
      else {
        const record = importedRecord(parsed.line, parsed.timestamp, found.vm);
        batch.push(record);
        batchChars += record.command.length + record.stdout.length + record.stderr.length;
        if (cutoff !== undefined && parsed.timestamp < cutoff) summary.older++;
        if (batch.length >= IMPORT_BATCH || batchChars >= IMPORT_BATCH_CHARS) await flush();
      }
    }
    if (summary.lines % progressEvery === 0) {
      options.note(
        `${summary.lines} lines read: ${summary.imported} imported, ${summary.duplicates} already there, ${summary.skipped} skipped`,
      );
    }
  }
  if (readError) throw readError;
  await flush();
  return summary;
}
