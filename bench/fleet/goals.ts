/**
 * @module The fleet goals, per size, from the medians: MCP warm against raw ssh2 warm
 * (≤ 1.5×), MCP cold against raw ssh2 fresh connections (≤ 1.5×), and how many times
 * faster than parallel-ssh MCP is, cold and warm (≥ 10×). A goal whose rows were not run,
 * or lost hosts, says so instead of a number.
 */
import { median } from "../stats.js";
import type { RowResult } from "./report.js";

interface Goal {
  label: string;
  /** Median of `a` divided by median of `b`. */
  a: string;
  b: string;
  /** Met when the ratio is at most (`max`) or at least (`min`) this. */
  max?: number;
  min?: number;
}

const GOALS: Goal[] = [
  { label: "MCP warm / raw ssh2 warm", a: "mcp-warm", b: "ssh2-warm", max: 1.5 },
  { label: "MCP cold / raw ssh2 fresh", a: "mcp-cold", b: "ssh2-fresh", max: 1.5 },
  { label: "parallel-ssh / MCP cold", a: "pssh", b: "mcp-cold", min: 10 },
  { label: "parallel-ssh / MCP warm", a: "pssh", b: "mcp-warm", min: 10 },
];

export function printGoals(results: RowResult[]): void {
  const sizes = [...new Set(results.map((r) => r.size))];
  console.log("\ngoals (medians; a row that lost hosts is marked, its time is not comparable):");
  for (const goal of GOALS) {
    const cells = sizes.map((size) => {
      const a = results.find((r) => r.size === size && r.id === goal.a);
      const b = results.find((r) => r.size === size && r.id === goal.b);
      if (!a?.times.length || !b?.times.length) return `N=${size}: not run`;
      const ratio = median(a.times) / median(b.times);
      const lost = [a, b].filter((r) => Math.min(...r.ok) < size).map((r) => r.label);
      const met = goal.max !== undefined ? ratio <= goal.max : ratio >= (goal.min ?? 0);
      const mark = lost.length ? ` (lost hosts: ${lost.join(", ")})` : met ? " met" : " MISSED";
      return `N=${size}: ${ratio.toFixed(2)}×${mark}`;
    });
    const target = goal.max !== undefined ? `≤ ${goal.max}×` : `≥ ${goal.min}×`;
    console.log(`  ${goal.label} (goal ${target}): ${cells.join("; ")}`);
  }
}
