/**
 * @module Benchmark helpers shared by the benches: timed calls at a given concurrency,
 * percentiles, and a plain aligned table.
 */

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Median of unsorted `values`; NaN when empty. */
export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface Summary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export interface Run<W extends string> {
  /** Latency of every call, ms, wrong ones included. */
  samples: number[];
  /** Wall time of the whole run, ms. */
  wallMs: number;
  /** Calls that went wrong, by kind. */
  wrong: Record<W, number>;
  /** What the first wrong call of each kind got. */
  firstWrong: Partial<Record<W, string>>;
}

export const wrongCount = (run: Run<string>): number => Object.values<number>(run.wrong).reduce((a, b) => a + b, 0);

export interface WrongAnswer<W extends string> {
  kind: W;
  detail: string;
}

/**
 * Makes `n` calls with `concurrency` workers, each taking the next call index until all
 * are taken. `call(i)` returns undefined when the answer was right, else what was wrong;
 * a call that throws counts as `thrown`.
 */
export async function runCalls<W extends string>(
  n: number,
  concurrency: number,
  call: (i: number) => Promise<WrongAnswer<W> | undefined>,
  thrown: W,
): Promise<Run<W>> {
  const samples: number[] = [];
  const run: Run<W> = { samples, wallMs: 0, wrong: {} as Record<W, number>, firstWrong: {} };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const start = performance.now();
      const bad = await call(i).catch((error: Error) => ({ kind: thrown, detail: `threw ${error.message}` }));
      samples.push(performance.now() - start);
      if (!bad) continue;
      run.wrong[bad.kind] = (run.wrong[bad.kind] ?? 0) + 1;
      run.firstWrong[bad.kind] ??= bad.detail;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  run.wallMs = performance.now() - start;
  return run;
}

/** Prints rows under a header; the first `leftColumns` columns left-aligned, the rest right. */
export function printTable(header: string[], rows: string[][], leftColumns = 1): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}
