/**
 * The compiled agent (`npm run build:agent`): one ES module that plain Node runs with no
 * TypeScript loader. Built here, then run as the stack's agent: it connects to the real edge
 * and runs a command on a real sshd, and its history commands work.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOk } from "./harness/expect-tool.js";
import { AGENT_NAME, type Agent, sshdAvailable, startAgent, VM } from "./harness/index.js";
import { callTool } from "./harness/mcp.js";
import { useStack } from "./harness/use-stack.js";

const REPO = path.resolve(import.meta.dirname, "..");
const BUILT = path.join(REPO, "agent/dist/telecommande-agent.mjs");

describe.skipIf(!sshdAvailable())("the compiled agent", () => {
  const env = useStack();
  let agent: Agent | undefined;

  beforeAll(() => {
    const build = spawnSync(process.execPath, [path.join(REPO, "agent/scripts/build.mjs")], { encoding: "utf8" });
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
  });

  it("is one module that needs no TypeScript loader, and answers --version and --help", () => {
    const code = readFileSync(BUILT, "utf8");
    expect(code.startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(code).not.toMatch(/from ["']tsx|import\(["']tsx|require\(["']tsx/);
    expect(code).not.toMatch(/from ["'][^"']*\.ts["']/);
    const version = spawnSync(process.execPath, [BUILT, "--version"], { encoding: "utf8" });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = spawnSync(process.execPath, [BUILT, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: telecommande-agent");
  });

  it("serves the fleet in place of the sources: connects, runs a command, records it", async () => {
    const { stack, admin } = env;
    await stack.agent.stop();
    agent = await startAgent({
      dir: path.join(stack.dir, "agent-built"),
      configPath: stack.configPath,
      edgeUrl: stack.edge.url,
      token: stack.agentToken,
      name: AGENT_NAME,
      bin: BUILT,
    });
    const cmdline = readFileSync(`/proc/${agent.pid}/cmdline`, "utf8").split("\0");
    expect(cmdline).toContain(BUILT);
    const run = await runOk(admin, VM.alpha, "echo compiled");
    expect(run.stdout).toBe("compiled\n");
    const found = await callTool(admin, TOOL_NAMES.searchLogs, { query: "echo compiled", collection: "commands" });
    expect(JSON.stringify(found.structuredContent)).toContain("echo compiled");
  });
});
