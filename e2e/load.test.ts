/**
 * Right answers under load: 1,000 short commands, 32 at a time, on one VM served by a
 * real sshd at its stock session limits, through the whole MCP path, beside the same load
 * through plain ssh2 as the control. Every answer must be the command's own.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { RunCommand } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { wrapCommand } from "../agent/src/ssh/quote.js";
import { runCommand } from "./harness/expect-tool.js";
import { sshdAvailable, textOf, VM } from "./harness/index.js";
import { rawRunner } from "./harness/ssh-client.js";
import { useStack } from "./harness/use-stack.js";

const TOTAL = 1_000;
const IN_FLIGHT = 32;

/** Runs `task(0..total-1)` with at most `width` at once; results by index. */
async function inFlight<T>(total: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** What is wrong with one answer, or undefined when it is the command's own. */
function wrongMcp(i: number, result: CallToolResult): string | undefined {
  const run = result.structuredContent as RunCommand | undefined;
  if (!run) return `#${i}: no structured result: ${textOf(result).slice(0, 200)}`;
  if (result.isError || run.status !== "executed" || run.return_code !== 0 || run.stdout !== `${i}\n`) {
    const { status, return_code, stdout, error } = run;
    return `#${i}: ${JSON.stringify({ isError: result.isError, status, return_code, stdout, error })}`;
  }
  return undefined;
}

describe.skipIf(!sshdAvailable())("under load on a stock sshd (MaxSessions 10)", () => {
  const env = useStack();

  it("runs with sshd's stock session limits", () => {
    const effective = execFileSync("/usr/sbin/sshd", ["-T", "-f", path.join(env.stack.sshd.dir, "sshd_config")], {
      encoding: "utf8",
    });
    expect(effective).toMatch(/^maxsessions 10$/m);
    expect(effective).toMatch(/^maxstartups 10:30:100$/m);
  });

  it(`the control: ${TOTAL} commands through plain ssh2, ${IN_FLIGHT} at a time, all report their exit status`, async () => {
    const { sshd } = env.stack;
    const raw = await rawRunner(
      {
        host: "127.0.0.1",
        port: sshd.port,
        user: sshd.user,
        privateKey: sshd.clientKey,
        hostKeyFingerprint: sshd.hostKeyFingerprint,
      },
      { connections: 4, perConnection: 8 },
    );
    try {
      const outcomes = await inFlight(TOTAL, IN_FLIGHT, (i) => raw.run(wrapCommand(`echo ${i}`)));
      const wrong = outcomes.flatMap((o, i) =>
        o.code === 0 && o.stdout === `${i}\n` ? [] : [`#${i}: ${JSON.stringify(o)}`],
      );
      expect(wrong).toEqual([]);
    } finally {
      raw.close();
    }
  });

  it(`${TOTAL} commands through MCP, ${IN_FLIGHT} at a time on one VM: every answer is the command's own`, async () => {
    const since = env.stack.agent.mark();
    const results = await inFlight(TOTAL, IN_FLIGHT, (i) => runCommand(env.admin, VM.alpha, `echo ${i}`));
    const wrong = results.flatMap((result, i) => wrongMcp(i, result) ?? []);
    expect(wrong.slice(0, 10), `${wrong.length} wrong answers of ${TOTAL}`).toEqual([]);

    const events = env.stack.agent.events.slice(since);
    const named = (name: string) => events.filter((e) => e.event === name);
    // Busy is not dead: no connection was closed or given up on while the load ran.
    expect(named("ssh_disconnected")).toEqual([]);
    expect(named("ssh_stale_connection")).toEqual([]);
    expect(named("ssh_connected").length).toBeLessThanOrEqual(4);
    expect(named("job_end").length).toBe(TOTAL);
  });
});
