/**
 * The generated scripts run for real with this machine's `sh`: detection and the read-only
 * dpkg-query on the Debian test host, and the install script's plumbing with the install
 * command replaced by a recorded output. Nothing is installed.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ExecResult } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import type { ServedVm } from "../config.js";
import { parseSections } from "../distro.js";
import { makeExecResult } from "../ssh/exec.js";
import { shellQuote } from "../ssh/quote.js";
import { runInstall } from "./install.js";
import { queryArgs, queryFunction } from "./packages/commands.js";
import { DETECT_SCRIPT, parseDetection } from "./packages/detect.js";
import { checkPackage, type PackageSpec } from "./packages/names.js";
import { packageErrors, parseCode, parsePresence } from "./packages/outcome.js";
import { installScript, queryScript } from "./packages/scripts.js";
import type { TaskContext } from "./task.js";

const hasDpkg = spawnSync("sh", ["-c", "command -v dpkg-query"]).status === 0;
/** A guard on top of the assertions: this suite must never hand a real install to sh. */
const STATE_CHANGING =
  /apt-get (install|update)|dnf (-y|makecache)|yum (-y|makecache)|zypper --|pacman -S|apk (add|update)|sudo -n/;

function sh(script: string): ExecResult {
  if (STATE_CHANGING.test(script)) throw new Error(`refusing to run a state-changing script:\n${script}`);
  const r = spawnSync("sh", ["-c", script], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return makeExecResult({
    stdout: r.stdout,
    stderr: r.stderr,
    return_code: r.status ?? -1,
    signal: r.signal,
    duration_ms: 1,
  });
}

const spec = (s: string): PackageSpec => {
  const checked = checkPackage("apt", s);
  if (!checked.ok) throw new Error(checked.error);
  return checked.pkg;
};

describe.runIf(hasDpkg)("on this Debian machine, with real sh and dpkg-query", () => {
  it("detects apt", () => {
    const { setup } = parseDetection(sh(DETECT_SCRIPT).stdout);
    expect(setup?.manager).toBe("apt");
    expect(setup?.privilege).toBe(process.getuid?.() === 0 ? "root" : expect.stringMatching(/^(sudo|none)$/));
  });

  it("queries what is installed, version included", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not JS.
    const version = execFileSync("dpkg-query", ["-W", "-f=${Version}", "bash"], { encoding: "utf8" });
    const pkgs = ["bash", "tc-no-such-package", `bash=${version}`, "bash=0.1-1", "bash:all"].map(spec);
    const lines = pkgs.map((p) => ({ args: queryArgs("apt", p), spec: p.spec }));
    const out = sh(queryScript(queryFunction("apt"), lines));
    expect(out.return_code).toBe(0);
    const found = parsePresence(parseSections(out.stdout).get("before") ?? []);
    expect(Object.fromEntries(found)).toEqual({
      bash: true,
      "tc-no-such-package": false,
      [`bash=${version}`]: true,
      "bash=0.1-1": false,
      "bash:all": false,
    });
  });

  it("dry run: already_present from the real query, the command that would run, nothing else run", async () => {
    const scripts: string[] = [];
    const ctx: TaskContext = {
      vm: { name: "localhost" } as unknown as ServedVm,
      memo: new Map(),
      run: async (script) => {
        scripts.push(script);
        return sh(script);
      },
    };
    const task = {
      op: "install" as const,
      packages: ["bash", "tc-no-such-package"],
      dry_run: true,
      update_index: true,
    };
    const { report, result } = await runInstall(task, ctx);
    const prefix = process.getuid?.() === 0 ? "" : "sudo -n ";
    const install = `${prefix === "" ? "" : `${prefix}env `}DEBIAN_FRONTEND=noninteractive apt-get install -y 'tc-no-such-package'`;
    expect(report).toEqual({
      op: "install",
      manager: "apt",
      installed: [],
      already_present: ["bash"],
      failed: [],
      command: install,
      commands: [`${prefix}apt-get update`, install],
      dry_run: true,
      return_code: null,
    });
    expect(result.error).toBeNull();
    expect(scripts).toHaveLength(2);
  });
});

describe("the install script under real sh, with recorded manager output", () => {
  const fixtures = fileURLToPath(new URL("./fixtures/packages/output/", import.meta.url));
  const pkgs = [spec("tree"), spec("nosuchpkg")];

  it.each([
    ["apt", 100, "E: Unable to locate package nosuchpkg"],
    ["dnf", 1, "No match for argument: nosuchpkg"],
    ["yum", 0, "No package nosuchpkg available."],
    ["zypper", 104, "No provider of 'nosuchpkg' found."],
    ["pacman", 1, "error: target not found: nosuchpkg"],
    ["apk", 1, "ERROR: unable to select packages: nosuchpkg (no such package)"],
  ] as const)("%s: exit code, errors and the query after come through", (manager, rc, error) => {
    // The recorded output stands in for the manager; `q` says only tree is installed.
    const install = `{ cat ${shellQuote(`${fixtures}${manager}-unknown.txt`)} >&2; exit ${rc}; }`;
    const script = installScript({
      queryFunction: `q() { [ "$1" = tree ]; }`,
      update: "echo refreshed",
      install,
      after: pkgs.map((p) => ({ args: shellQuote(p.spec), spec: p.spec })),
    });
    const out = sh(script);
    expect(out.return_code).toBe(rc);
    const sections = parseSections(out.stdout);
    expect(parseCode(sections.get("update-rc"))).toBe(0);
    expect(parseCode(sections.get("install-rc"))).toBe(rc);
    expect(Object.fromEntries(parsePresence(sections.get("after") ?? []))).toEqual({ tree: true, nosuchpkg: false });
    expect(packageErrors(manager, sections.get("errors") ?? [], pkgs).get("nosuchpkg")).toBe(error);
    expect(sections.has("end")).toBe(true);
    expect(out.stdout.trimEnd().endsWith(sections.get("install-output")?.at(-1) ?? "?")).toBe(true);
  });

  it("names with quotes and dollars stay inert words", () => {
    const out = sh(
      `${queryScript('q() { [ "$1" = "$2" ]; }', [{ args: `${shellQuote("$(echo hi)")} ${shellQuote("$(echo hi)")}`, spec: "x" }])}`,
    );
    expect(parseSections(out.stdout).get("before")).toEqual(["present x"]);
  });
});
