/**
 * The real health script run on this machine through local shells (no SSH): it must parse
 * into a sane report on whatever Linux runs the tests, with each shell available here, and
 * take the busybox path (df without -T) when df refuses -T.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HealthReport } from "@telecommande/shared";
import { HealthReportSchema } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import { parseSections } from "../distro.js";
import { HEALTH_SCRIPT, parseHealth } from "./health.js";

const linux = process.platform === "linux";

function has(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function run(shell: string[], env: NodeJS.ProcessEnv = process.env): string {
  const [file = "sh", ...args] = shell;
  return execFileSync(file, [...args, "-c", HEALTH_SCRIPT], { encoding: "utf8", env, timeout: 30_000 });
}

function expectSane(stdout: string): HealthReport {
  const report = parseHealth(stdout);
  expect(HealthReportSchema.parse(report)).toEqual(report);
  expect(parseSections(stdout).has("end")).toBe(true);
  expect(report.hostname).toBeTruthy();
  expect(report.uptime_s).toBeGreaterThan(0);
  expect(report.load).not.toBeNull();
  expect(report.cpus).toBeGreaterThanOrEqual(1);
  expect(report.memory?.total_bytes).toBeGreaterThan(0);
  expect(report.memory?.used_percent).toBeGreaterThanOrEqual(0);
  expect(report.memory?.used_percent).toBeLessThanOrEqual(100);
  expect(report.swap).not.toBeNull();
  // "/" on a VM; in a container only the host disk behind a bind mount such as /etc/hosts.
  expect(report.disks.length).toBeGreaterThan(0);
  for (const disk of report.disks) {
    expect(disk.mount.startsWith("/")).toBe(true);
    expect(["tmpfs", "devtmpfs", "overlay", "proc", "sysfs"]).not.toContain(disk.fstype);
    expect(disk.size_bytes).toBeGreaterThan(0);
  }
  const devices = report.disks.map((d) => d.filesystem);
  expect(new Set(devices).size).toBe(devices.length);
  if (!report.systemd) expect(report.failed_units).toEqual([]);
  return report;
}

const shells: [string, string[]][] = [
  ["sh", ["sh"]],
  ["dash", ["dash"]],
  ["bash --posix", ["bash", "--posix"]],
  ["busybox ash", ["busybox", "sh"]],
];

describe.skipIf(!linux)("the health script on this machine", () => {
  for (const [name, shell] of shells) {
    // Every shell is required (busybox: `apt-get install busybox-static`, as .ci/run does):
    // a missing one fails rather than silently testing less.
    it(`${name}: exits 0 and parses into a sane report`, () => {
      expect(has(shell[0] ?? "sh"), `${shell[0]} is not installed`).toBe(true);
      expectSane(run(shell));
    });
  }

  const dir = mkdtempSync(join(tmpdir(), "health-df-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a df without -T (old busybox): plain df typed from /proc/mounts", () => {
    const realDf = execFileSync("sh", ["-c", "command -v df"], { encoding: "utf8" }).trim();
    writeFileSync(
      join(dir, "df"),
      `#!/bin/sh\nfor a; do case $a in -T) echo "df: unrecognized option: T" >&2; exit 1;; esac; done\nexec ${realDf} "$@"\n`,
    );
    chmodSync(join(dir, "df"), 0o755);
    const stdout = run(["sh"], { ...process.env, PATH: `${dir}:${process.env.PATH ?? ""}` });
    const sections = parseSections(stdout);
    expect(sections.has("df-T")).toBe(false);
    expect(sections.get("mounts")?.length).toBeGreaterThan(0);
    const typed = expectSane(run(["sh"]));
    const plain = expectSane(stdout);
    expect(plain.disks.map((d) => [d.mount, d.fstype])).toEqual(typed.disks.map((d) => [d.mount, d.fstype]));
  });
});
