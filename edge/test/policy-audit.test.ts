import { afterEach, describe, expect, it, vi } from "vitest";
import { connectReady, execResult } from "./fake-agent.js";
import { call, policyClient } from "./policy-fixtures.js";

/** Every audit line logged while `run` ran, parsed, in order. */
async function auditLines(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  };
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  await run();
  vi.restoreAllMocks();
  return lines
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === "audit");
}

afterEach(() => vi.restoreAllMocks());

describe("audit lines", () => {
  it("logs one line per call: allow with return code, deny with the rule, the single denial, a confirmation", async () => {
    const agent = await connectReady();
    const erin = await policyClient("erin-key");
    const frank = await policyClient("frank-key");
    const secret = "echo hunter2-password-secret";
    const lines = await auditLines(async () => {
      const ran = call(erin, "ssh_run_command", { vm_name: "vm1", command: secret });
      const job = await agent.next("job");
      agent.send({ type: "result", id: job.id, result: execResult("", 3) });
      await ran;
      await call(erin, "ssh_run_command", { vm_name: "vm1", command: "rm -rf /" });
      await call(erin, "ssh_run_command", { vm_name: "vm2", command: "id" });
      await call(frank, "ssh_run_command", { vm_name: "vm2", command: "reboot" });
    });
    expect(lines).toHaveLength(4);
    const [allowed, denied, notPermitted, confirm] = lines;
    expect(allowed).toMatchObject({
      level: "info",
      caller: "erin",
      tool: "ssh_run_command",
      vms: ["vm1"],
      decision: "allow",
      reason: null,
      is_error: true,
      return_code: 3,
      command_chars: secret.length,
    });
    expect(typeof allowed?.time).toBe("string");
    expect(typeof allowed?.duration_ms).toBe("number");
    expect(denied).toMatchObject({
      level: "warn",
      decision: "deny",
      reason: 'command matches deny rule "rm -rf *" of group "prod"',
      is_error: true,
    });
    expect(notPermitted).toMatchObject({ level: "warn", decision: "deny", reason: "not permitted", vms: [] });
    expect(notPermitted).not.toHaveProperty("command_chars");
    expect(confirm).toMatchObject({
      caller: "frank",
      decision: "confirm",
      reason: 'group "careful" asks to confirm destructive tools',
      vms: ["vm2"],
    });
    // Argument contents never reach the log.
    const text = JSON.stringify(lines);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("reboot");
  });

  it("logs the call of an edge-only tool too", async () => {
    const dave = await policyClient("dave-key");
    const lines = await auditLines(async () => {
      await call(dave, "ssh_list_vms", {});
    });
    expect(lines).toEqual([
      expect.objectContaining({ caller: "dave", tool: "ssh_list_vms", decision: "allow", vms: [] }),
    ]);
  });
});
