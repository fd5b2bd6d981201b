/**
 * The official MCP conformance suite against the edge under wrangler dev. The suite has no
 * way to send an Authorization header, so it runs against an open-mode stack (no `users`
 * key, allowed on loopback), which is also the case its DNS-rebinding scenario is about, and
 * against a stack with users through a loopback relay that adds an API key to each request.
 * Scenarios the server deliberately cannot pass are in e2e/conformance-baseline.yaml; any
 * other failure, or a baselined scenario that starts passing, fails this file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baselineScenarios,
  describeFailures,
  runConformance,
  type SuiteRun,
  scenarioFailed,
} from "./conformance-suite.js";
import { type HeaderProxy, startHeaderProxy } from "./harness/header-proxy.js";
import { sshdAvailable } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

/**
 * Scenarios that must pass. tools-call-simple-text and tools-call-error call fixture tools
 * the server does not have; they pass because an unknown tool is answered (by the SDK) as
 * a tool result with isError and a text message, which is what those two checks look for.
 */
const PASSING = [
  "server-initialize",
  "ping",
  "tools-list",
  "tools-call-simple-text",
  "tools-call-error",
  "dns-rebinding-protection",
];

/**
 * The suite once per way in: open mode (no users), and a permissions stack reached through a
 * loopback relay that adds alice's API key to every request, as the header-based clients do.
 */
const MODES = [
  { name: "open mode", permissions: false },
  { name: "with an API key", permissions: true },
] as const;

describe.skipIf(!sshdAvailable()).each(MODES)("MCP conformance suite ($name)", ({ permissions }) => {
  const env = useStack({ permissions });
  const baseline = baselineScenarios();
  let outDir: string;
  let suite: SuiteRun;
  let proxy: HeaderProxy | undefined;

  const isPass = (scenario: string) => {
    const checks = suite.results.get(scenario);
    return checks !== undefined && checks.length > 0 && !scenarioFailed(checks);
  };

  beforeAll(async () => {
    outDir = mkdtempSync(path.join(os.tmpdir(), "tlc-conformance-"));
    if (permissions)
      proxy = await startHeaderProxy(env.stack.edge.mcpUrl, "Authorization", `Bearer ${env.stack.keys.alice}`);
    suite = await runConformance(proxy?.mcpUrl ?? env.stack.edge.mcpUrl, outDir);
    const passed = [...suite.results.keys()].filter(isPass).length;
    const baselined = baseline.filter((s) => suite.results.has(s) && !isPass(s)).length;
    console.log(`conformance: passed ${passed}, baselined ${baselined} (suite ran in ${suite.ms} ms)`);
  });
  afterAll(async () => {
    await proxy?.stop();
    if (outDir && process.env.E2E_KEEP_TMP !== "1") rmSync(outDir, { recursive: true, force: true });
  });

  it("the baseline and the passing list do not overlap", () => {
    expect(PASSING.filter((s) => baseline.includes(s))).toEqual([]);
  });

  it("runs to completion within its deadline", () => {
    expect(suite.timedOut, "the suite ran past its deadline and was killed").toBe(false);
    expect(suite.results.size, `no results written\n${suite.stdout}\n${suite.stderr}`).toBeGreaterThan(0);
  });

  it("every scenario expected to pass passes", () => {
    const regressions = PASSING.filter((s) => !isPass(s));
    const report = regressions.map((s) => describeFailures(s, suite.results.get(s), suite)).join("\n");
    expect(regressions, `scenarios that no longer pass:\n${report}`).toEqual([]);
  });

  it("every baselined scenario still fails (else it leaves the baseline)", () => {
    const nowPassing = baseline.filter((s) => isPass(s));
    expect(nowPassing, "now passing: remove from e2e/conformance-baseline.yaml, add to PASSING").toEqual([]);
  });

  it("the suite ran no scenario that is neither expected to pass nor baselined", () => {
    const unknown = [...suite.results.keys()].filter((s) => !PASSING.includes(s) && !baseline.includes(s));
    const report = unknown.map((s) => describeFailures(s, suite.results.get(s), suite)).join("\n");
    expect(unknown, `scenarios new to this suite version:\n${report}`).toEqual([]);
  });

  it("exits 0 against the committed baseline (no unexpected failure, no stale entry)", () => {
    // The suite colours its output whatever NO_COLOR says.
    const plain = stripVTControlCharacters(suite.stdout);
    // Its verdict: the totals, then stale entries and unexpected failures (not the expected ones).
    const verdict = plain
      .slice(plain.lastIndexOf("Total:"))
      .split("\n")
      .filter((line) => line.trim() && !line.startsWith("  ~ "))
      .join("\n");
    expect(suite.code, `conformance exited ${suite.code}\n${verdict}\n${suite.stderr}`).toBe(0);
  });
});
