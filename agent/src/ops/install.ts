/**
 * @module The `install` task of `ssh_install_packages`, on one VM: find its package manager
 * (once, then from the memo), refuse names the manager would misread, ask which packages are
 * already installed (read-only), then install the rest in one script: optional index
 * refresh, install, query after. The query comes first in its own run because the install
 * command, which names only the missing packages, is also the run's label in the history.
 * With dry_run only the read-only runs happen.
 */

import type { ExecResult, InstallReport } from "@telecommande/shared";
import { parseSections } from "../distro.js";
import { makeExecResult } from "../ssh/exec.js";
import { installCommand, queryArgs, queryFunction, queryLabel, updateCommand } from "./packages/commands.js";
import {
  DETECT_LABEL,
  DETECT_SCRIPT,
  type PackageSetup,
  parseDetection,
  rememberedSetup,
  rememberSetup,
} from "./packages/detect.js";
import { checkPackage, type PackageSpec } from "./packages/names.js";
import { failureSummary, NO_SUDO, packageErrors, parseCode, parsePresence, sudoRefusal } from "./packages/outcome.js";
import { installScript, type QueryLine, queryScript } from "./packages/scripts.js";
import type { TaskContext, TaskOutput, TaskRunner } from "./task.js";

/** When nothing ran on the VM (every name refused): no exit status, as the protocol says -1. */
function nothingRan(): ExecResult {
  return makeExecResult({ return_code: -1 });
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim().slice(0, 200) ?? "";
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim().slice(0, 200) ?? "";
}

/** The memo's setup, or a detection run's; a string is why there is none. */
async function setupOf(ctx: TaskContext): Promise<{ setup: PackageSetup | string; ran: ExecResult | null }> {
  const known = rememberedSetup(ctx.memo);
  if (known) return { setup: known, ran: null };
  const ran = await ctx.run(DETECT_SCRIPT, DETECT_LABEL);
  const { setup } = parseDetection(ran.stdout);
  if (setup) {
    rememberSetup(ctx.memo, setup);
    return { setup, ran };
  }
  if (!parseSections(ran.stdout).has("end")) {
    const why = ran.error ?? (firstLine(ran.stderr) || `exit ${ran.return_code}`);
    return { setup: `could not detect the package manager: ${why}`, ran };
  }
  return { setup: "no supported package manager on this VM (looked for apt-get, dnf, yum, zypper, pacman, apk)", ran };
}

export const runInstall: TaskRunner<"install"> = async (task, ctx) => {
  const requested = [...new Set(task.packages)];
  const report: InstallReport = {
    op: "install",
    manager: null,
    installed: [],
    already_present: [],
    failed: [],
    command: null,
    commands: [],
    dry_run: task.dry_run,
    return_code: null,
  };
  const fail = (pkgs: readonly string[], error: string) => {
    for (const spec of pkgs) report.failed.push({ package: spec, error });
  };
  const finish = (result: ExecResult): TaskOutput<"install"> => ({
    report,
    result: { ...result, error: failureSummary(report.failed, requested.length) ?? result.error },
  });

  const { setup, ran } = await setupOf(ctx);
  if (typeof setup === "string") {
    fail(requested, setup);
    return finish(ran ?? nothingRan());
  }
  const { manager, privilege } = setup;
  report.manager = manager;

  const valid: PackageSpec[] = [];
  for (const spec of requested) {
    const checked = checkPackage(manager, spec);
    if (checked.ok) valid.push(checked.pkg);
    else fail([spec], checked.error);
  }
  if (!valid.length) return finish(ran ?? nothingRan());

  const lineOf = (pkg: PackageSpec): QueryLine => ({ args: queryArgs(manager, pkg), spec: pkg.spec });
  const qf = queryFunction(manager);
  const before = await ctx.run(queryScript(qf, valid.map(lineOf)), queryLabel(manager, valid));
  const present = parsePresence(parseSections(before.stdout).get("before") ?? []);
  // A package the query did not answer for goes to the manager, which knows better.
  const missing = valid.filter((p) => present.get(p.spec) !== true);
  report.already_present = valid.filter((p) => present.get(p.spec) === true).map((p) => p.spec);
  if (!missing.length) return finish(before);
  if (privilege === "none") {
    fail(
      missing.map((p) => p.spec),
      NO_SUDO,
    );
    return finish(before);
  }

  const update = updateCommand(manager, privilege, task.update_index);
  const install = installCommand(
    manager,
    privilege,
    missing.map((p) => p.spec),
    task.update_index,
  );
  report.command = install;
  report.commands = update ? [update, install] : [install];
  if (task.dry_run) return finish(before);

  const result = await ctx.run(
    installScript({ queryFunction: qf, update, install, after: missing.map(lineOf) }),
    install,
  );
  const sections = parseSections(result.stdout);
  const code = parseCode(sections.get("install-rc"));
  report.return_code = code;
  const after = parsePresence(sections.get("after") ?? []);
  const errorLines = sections.get("errors") ?? [];
  const refusal = privilege === "sudo" ? sudoRefusal([...errorLines, ...result.stderr.split("\n")]) : null;
  const errors = packageErrors(manager, errorLines, missing);
  const last = (sections.get("install-tail") ?? []).at(-1) ?? lastLine(result.stderr);
  const generic =
    code === null
      ? `the install did not finish${result.error ? `: ${result.error}` : ""}`
      : `the install failed (exit ${code})${last ? `: ${last}` : ""}`;

  for (const pkg of missing) {
    const error =
      after.get(pkg.spec) === true ? null : (refusal ?? errors.get(pkg.spec) ?? (code === 0 ? null : generic));
    // Exit 0 without a line against it: installed, possibly under another name (a virtual
    // package such as apt's `awk`), which the query after cannot see.
    if (error === null) report.installed.push(pkg.spec);
    else fail([pkg.spec], error);
  }
  return finish(result);
};
