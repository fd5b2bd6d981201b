/**
 * ssh_install_packages end to end through the MCP path, for real on this Debian target: a
 * tiny package from a local apt source (no network) installed by the unprivileged SSH user
 * through `sudo -n`, then found already present; sudo without a password, dry runs,
 * hostile names, an unreachable VM and a denial.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type InstallPackages, type SearchLogs, TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AptRepo, grantSudo, PROBE_PACKAGE, startAptRepo } from "./harness/apt-repo.js";
import { expectDenied, expectOk, expectTextMirrorsStructured, expectToolError } from "./harness/expect-tool.js";
import { callTool, sshdAvailable, TEST_USER, textOf, VM } from "./harness/index.js";
import { useStack } from "./harness/use-stack.js";

const MISSING = "telecommande-e2e-no-such-package";

describe.skipIf(!sshdAvailable())("ssh_install_packages on a real Debian target", () => {
  const env = useStack();
  let repo: AptRepo;
  let revokeSudo: (() => void) | undefined;

  const install = (args: Record<string, unknown>, client = env.admin) =>
    callTool(client, TOOL_NAMES.installPackages, args, 120_000);
  /** The structured answer of a call that ran (ok or with failed VMs). */
  const answerOf = (result: CallToolResult): InstallPackages => {
    expectTextMirrorsStructured(result);
    return result.structuredContent as InstallPackages;
  };

  beforeAll(() => {
    repo = startAptRepo();
    repo.purge();
  });
  afterAll(() => {
    revokeSudo?.();
    repo?.remove();
  });

  it("without passwordless sudo, fails every package with a clear sudo error and installs nothing", async () => {
    const result = await install({ packages: [PROBE_PACKAGE], vm_names: [VM.alpha] });
    expect(result.isError).toBe(true);
    const [entry] = answerOf(result).results;
    expect(entry?.status).toBe("failed");
    expect(entry?.manager).toBe("apt");
    expect(entry?.error).toMatch(/sudo/i);
    expect(entry?.error).toMatch(/password/i);
    expect(entry?.failed.map((f) => f.package)).toEqual([PROBE_PACKAGE]);
    expect(entry?.installed).toEqual([]);
    expect(repo.installed()).toBe(false);
  });

  it("dry_run returns the exact commands and changes nothing", async () => {
    revokeSudo = grantSudo(TEST_USER);
    const answer = expectOk<InstallPackages>(
      await install({ packages: [PROBE_PACKAGE], vm_names: [VM.alpha], dry_run: true, update_index: true }),
    );
    expect(answer.dry_run).toBe(true);
    const [entry] = answer.results;
    expect(entry?.status).toBe("ok");
    expect(entry?.manager).toBe("apt");
    expect(entry?.installed).toEqual([]);
    expect(entry?.command).toContain("sudo -n");
    expect(entry?.command).toContain("apt-get install -y");
    expect(entry?.command).toContain(`'${PROBE_PACKAGE}'`);
    expect(entry?.commands.at(-1)).toBe(entry?.command);
    expect(entry?.commands[0]).toContain("apt-get update");
    expect(repo.installed()).toBe(false);
  });

  it("installs a package through sudo -n, then finds it already present beside one that does not exist", async () => {
    const first = expectOk<InstallPackages>(await install({ packages: [PROBE_PACKAGE], vm_names: [VM.alpha] }));
    expect(first.summary).toMatchObject({ total: 1, ok: 1, failed: 0, unreachable: 0 });
    expect(first.results[0]).toMatchObject({
      vm: VM.alpha,
      status: "ok",
      manager: "apt",
      installed: [PROBE_PACKAGE],
      already_present: [],
      failed: [],
      return_code: 0,
    });
    expect(repo.installed()).toBe(true);
    // The install is in the history under the command that ran.
    const history = expectOk<SearchLogs>(
      await callTool(env.admin, TOOL_NAMES.searchLogs, { query: PROBE_PACKAGE, collection: "commands", limit: 20 }),
    );
    // Both runs of that command: refused by sudo in the first test, then installed.
    const recorded = history.results.filter((r) => r.command === first.results[0]?.command);
    expect(recorded.map((r) => [r.vm, r.return_code]).sort()).toEqual([
      [VM.alpha, 0],
      [VM.alpha, 1],
    ]);
    expect(recorded[0]?.command).toContain("apt-get install -y");

    const again = await install({ packages: [PROBE_PACKAGE, MISSING], vm_names: [VM.alpha] });
    expect(again.isError).toBe(true);
    const entry = answerOf(again).results[0];
    expect(entry?.status).toBe("failed");
    expect(entry?.already_present).toEqual([PROBE_PACKAGE]);
    expect(entry?.installed).toEqual([]);
    expect(entry?.failed).toEqual([{ package: MISSING, error: expect.stringMatching(/locate|not found/i) }]);
    expect(entry?.command ?? "").not.toContain(`'${PROBE_PACKAGE}'`);
  });

  it("refuses hostile package names before anything reaches a VM", async () => {
    const marker = path.join(env.stack.sshd.runDir, "install-marker");
    for (const name of [`x; touch ${marker}`, `$(touch ${marker})`, "-y", `a\ntouch ${marker}`, "p".repeat(5000)]) {
      const refused = await install({ packages: [name], vm_names: [VM.alpha] }).catch((err: Error) => err);
      const text = refused instanceof Error ? refused.message : expectToolError(refused);
      expect(text).toMatch(/packages|package name|Invalid/i);
    }
    expect(existsSync(marker)).toBe(false);
    rmSync(marker, { force: true });
  });

  it("reports an unreachable VM as its own entry and refuses VMs the caller may not use", async () => {
    const result = await install({ packages: [PROBE_PACKAGE], vm_names: [VM.alpha, VM.down], dry_run: true });
    expect(result.isError).toBe(true);
    const answer = answerOf(result);
    expect(answer.results.map((r) => [r.vm, r.status])).toEqual([
      [VM.alpha, "ok"],
      [VM.down, "unreachable"],
    ]);
    expect(answer.results[1]?.failed.map((f) => f.package)).toEqual([PROBE_PACKAGE]);
    expect(answer.summary).toMatchObject({ total: 2, ok: 1, unreachable: 1 });

    const alice = await env.stack.connect(env.stack.keys.alice);
    expectDenied(await install({ packages: [PROBE_PACKAGE], vm_names: [VM.beta] }, alice));
    expectDenied(await install({ packages: [PROBE_PACKAGE], groups: ["ops"] }, alice));
    expect(textOf(await install({ packages: [PROBE_PACKAGE] }))).toMatch(/vm_names|groups/);
  });
});
