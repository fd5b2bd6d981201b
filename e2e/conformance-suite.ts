/**
 * @module The official MCP conformance suite (`conformance server`, pinned 0.1.13) run
 * against the edge, and its per-scenario results read back from its output directory.
 *
 * How 0.1.13 treats `--expected-failures` (its dist/index.js): a scenario fails when any
 * of its checks is FAILURE or WARNING. It exits 1 when a scenario fails that the baseline
 * does not list, and also when a listed scenario passes (a stale entry: the baseline must
 * shrink); otherwise 0. Each scenario's checks land in `<out>/server-<scenario>-<time>/checks.json`;
 * a scenario that threw writes none.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "./harness/edge.js";
import { type ProgramRun, runToExit } from "./harness/inspector.js";
import { assertLoopback } from "./harness/ports.js";

const CONFORMANCE = path.join(REPO_ROOT, "node_modules/.bin/conformance");
export const BASELINE_PATH = path.join(REPO_ROOT, "e2e/conformance-baseline.yaml");
/** The whole active suite takes under 2 s against a local edge. */
const SUITE_TIMEOUT_MS = 90_000;

export interface Check {
  id: string;
  name: string;
  description: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
  details?: unknown;
}

export interface SuiteRun extends ProgramRun {
  /** Checks per scenario that wrote its results. */
  results: Map<string, Check[]>;
}

/** The scenarios the baseline lists (its `server` key), in file order. */
export function baselineScenarios(): string[] {
  const parsed = parse(readFileSync(BASELINE_PATH, "utf8")) as { server?: unknown[] } | null;
  return (parsed?.server ?? []).map(String);
}

/** Failed the way the suite counts it against the baseline: any FAILURE or WARNING check. */
export function scenarioFailed(checks: Check[]): boolean {
  return checks.some((c) => c.status === "FAILURE" || c.status === "WARNING");
}

/** The failing checks of a scenario, one line each, for a test's failure message. */
export function describeFailures(scenario: string, checks: Check[] | undefined, run: ProgramRun): string {
  if (!checks) {
    const said = `${run.stdout}\n${run.stderr}`.split("\n").filter((line) => line.includes(scenario));
    return `${scenario}: no results written (the scenario threw)\n${said.join("\n")}`;
  }
  const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
  const lines = bad.map((c) => `  [${c.status}] ${c.id}: ${c.errorMessage ?? c.description} ${detailsOf(c)}`);
  return `${scenario}:\n${lines.join("\n")}`;
}

function detailsOf(check: Check): string {
  return check.details === undefined ? "" : JSON.stringify(check.details).slice(0, 400);
}

/** Runs the active suite with the committed baseline; `outDir` receives the result files. */
export async function runConformance(mcpUrl: string, outDir: string): Promise<SuiteRun> {
  assertLoopback(new URL(mcpUrl).hostname);
  const args = ["server", "--url", mcpUrl, "--suite", "active", "--expected-failures", BASELINE_PATH, "-o", outDir];
  const run = await runToExit("conformance", CONFORMANCE, args, { dir: outDir, timeoutMs: SUITE_TIMEOUT_MS });
  return { ...run, results: readResults(outDir) };
}

/** `server-<scenario>-<ISO time with : and . as ->` → scenario. */
const RESULT_DIR = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

function readResults(outDir: string): Map<string, Check[]> {
  const results = new Map<string, Check[]>();
  for (const entry of readdirSync(outDir, { withFileTypes: true })) {
    const scenario = entry.isDirectory() ? RESULT_DIR.exec(entry.name)?.[1] : undefined;
    if (!scenario) continue;
    const checks = JSON.parse(readFileSync(path.join(outDir, entry.name, "checks.json"), "utf8")) as Check[];
    results.set(scenario, checks);
  }
  return results;
}
