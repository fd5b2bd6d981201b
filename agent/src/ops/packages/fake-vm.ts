/**
 * @module For the install tests: a TaskContext whose `run` answers the install task's three
 * scripts as a VM would (detection, read-only query, install) from recorded outputs, and
 * records every script and label it was given. The install answer is built the way
 * `installScript` prints it, so the parser is tested on the real section layout.
 */

import { readFileSync } from "node:fs";
import type { ExecResult } from "@telecommande/shared";
import type { ServedVm } from "../../config.js";
import { makeExecResult } from "../../ssh/exec.js";
import type { TaskContext } from "../task.js";
import { DETECT_SCRIPT } from "./detect.js";
import { ERROR_LINES } from "./scripts.js";

const FIXTURES = new URL("../fixtures/packages/", import.meta.url);

export function fixture(path: string): string {
  return readFileSync(new URL(path, FIXTURES), "utf8");
}

export interface FakeVm {
  /** A file under fixtures/packages/os-release/. */
  osRelease: string;
  /** What `command -v` finds (apt-get, dnf, …, sudo). */
  programs: string[];
  uid: number;
  /** Specs the query finds before the install. */
  installed?: string[];
  /** Specs the query finds after it; default: what was installed before. */
  installedAfter?: string[];
  updateOutput?: string;
  updateRc?: number;
  installOutput?: string;
  installRc?: number;
}

export interface Call {
  script: string;
  label: string | undefined;
}

function result(stdout: string, returnCode = 0): ExecResult {
  return makeExecResult({ stdout, return_code: returnCode, duration_ms: 12 });
}

const section = (name: string, body: string) => `\n@@tc:${name}\n${body}`;

/** The specs a query section asks about, in order, from the script's printf lines. */
export function queriedSpecs(script: string): string[] {
  return [...script.matchAll(/printf 'present %s\\n' '([^']*)'/g)].map((m) => m[1] ?? "");
}

function presence(specs: string[], installed: readonly string[]): string {
  return specs.map((spec) => `${installed.includes(spec) ? "present" : "absent"} ${spec}`).join("\n");
}

export function fakeContext(vm: FakeVm): { ctx: TaskContext; calls: Call[] } {
  const calls: Call[] = [];
  const before = vm.installed ?? [];
  const run = async (script: string, label?: string): Promise<ExecResult> => {
    calls.push({ script, label });
    if (script === DETECT_SCRIPT) {
      const stdout =
        section("os-release", fixture(`os-release/${vm.osRelease}`)) +
        section("programs", vm.programs.join("\n")) +
        section("uid", String(vm.uid)) +
        section("end", "");
      return result(stdout);
    }
    const specs = queriedSpecs(script);
    if (script.includes("\ns before\n")) return result(section("before", presence(specs, before)) + section("end", ""));
    const update = vm.updateOutput ?? "";
    const install = vm.installOutput ?? "";
    const rc = vm.installRc ?? 0;
    const errors = `${update}\n${install}`.split("\n").filter((line) => new RegExp(ERROR_LINES).test(line));
    const stdout =
      section("update-rc", script.includes("uout=$(") ? String(vm.updateRc ?? 0) : "") +
      section("install-rc", String(rc)) +
      section("after", presence(specs, vm.installedAfter ?? before)) +
      section("errors", errors.join("\n")) +
      section("install-tail", install.trimEnd().split("\n").slice(-5).join("\n")) +
      section("end", "") +
      section("update-output", update) +
      section("install-output", install);
    return result(stdout, rc);
  };
  const ctx: TaskContext = {
    vm: { name: "vm-1" } as unknown as ServedVm,
    run,
    memo: new Map(),
  };
  return { ctx, calls };
}
