import { readFileSync } from "node:fs";
import type { ExecResult } from "@telecommande/shared";
import { HealthReportSchema } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import type { ServedVm } from "../config.js";
import { makeExecResult } from "../ssh/exec.js";
import { HEALTH_LABEL, HEALTH_SCRIPT, parseHealth, runHealth } from "./health.js";
import type { TaskContext } from "./task.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/health/${name}.txt`, import.meta.url), "utf8");

const KiB = 1024;

describe("parseHealth on recorded outputs", () => {
  it("Debian with systemd: bind mount once, pseudo filesystems dropped, swap and failed unit found", () => {
    const report = parseHealth(fixture("debian-systemd"));
    expect(HealthReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      op: "health",
      hostname: "web-1",
      uptime_s: 864123,
      load: { one: 0.52, five: 0.58, fifteen: 0.59 },
      cpus: 4,
      memory: {
        total_bytes: 8136820 * KiB,
        available_bytes: 5123456 * KiB,
        used_bytes: 3013364 * KiB,
        used_percent: 37,
      },
      swap: { total_bytes: 1048572 * KiB, used_bytes: 917500 * KiB, used_percent: 87.5 },
      systemd: true,
      failed_units: ["nginx.service"],
    });
    expect(report.disks).toEqual([
      {
        mount: "/",
        filesystem: "/dev/vda1",
        fstype: "ext4",
        size_bytes: 31861548 * KiB,
        used_bytes: 12004424 * KiB,
        available_bytes: 18213060 * KiB,
        used_percent: 39.7,
      },
      {
        mount: "/boot/efi",
        filesystem: "/dev/vda15",
        fstype: "vfat",
        size_bytes: 126678 * KiB,
        used_bytes: 11840 * KiB,
        available_bytes: 114838 * KiB,
        used_percent: 9.3,
      },
      {
        mount: "/srv",
        filesystem: "/dev/vdb1",
        fstype: "xfs",
        size_bytes: 104805376 * KiB,
        used_bytes: 61203456 * KiB,
        available_bytes: 43601920 * KiB,
        used_percent: 58.4,
      },
    ]);
    expect(report.findings).toEqual([
      { kind: "swap", severity: "warning", message: "swap 87.5% used (896 MiB of 1024 MiB)" },
      { kind: "unit", severity: "warning", message: "systemd unit nginx.service has failed" },
    ]);
  });

  it("Alpine with busybox: df without -T typed from /proc/mounts (escaped space), no systemd, load critical", () => {
    const report = parseHealth(fixture("alpine-busybox"));
    expect(HealthReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      hostname: "alpine-edge",
      uptime_s: 3605,
      load: { one: 2.31, five: 1.2, fifteen: 0.8 },
      cpus: 1,
      memory: { total_bytes: 492340 * KiB, used_bytes: 191120 * KiB, used_percent: 38.8 },
      swap: { total_bytes: 0, used_bytes: 0, used_percent: 0 },
      systemd: false,
      failed_units: [],
    });
    expect(report.disks.map((d) => [d.mount, d.filesystem, d.fstype, d.used_percent])).toEqual([
      ["/", "/dev/vda3", "ext4", 16.3],
      ["/boot", "/dev/vda1", "ext4", 14.8],
      ["/mnt/backup disk", "/dev/vdb", "ext4", 50],
    ]);
    expect(report.findings).toEqual([
      {
        kind: "load",
        severity: "critical",
        message: "load 2.31 over the last minute on 1 CPU (5 min 1.2, 15 min 0.8)",
      },
    ]);
  });

  it("container: overlay root dropped, the host disk behind /etc/hosts kept once, no findings", () => {
    const report = parseHealth(fixture("container-overlay"));
    expect(HealthReportSchema.parse(report)).toEqual(report);
    expect(report.disks).toEqual([
      {
        mount: "/etc/hosts",
        filesystem: "/dev/sda1",
        fstype: "ext4",
        size_bytes: 514937088 * KiB,
        used_bytes: 201930252 * KiB,
        available_bytes: 286769292 * KiB,
        used_percent: 41.3,
      },
    ]);
    expect(report).toMatchObject({
      hostname: "3f2a9c1e7b4d",
      cpus: 8,
      memory: { used_percent: 38.7 },
      swap: { total_bytes: 2097148 * KiB, used_bytes: 0, used_percent: 0 },
      systemd: false,
      failed_units: [],
      findings: [],
    });
  });

  it("nearly full disk: critical and warning disks, squashfs and iso9660 ignored, load and memory warnings", () => {
    const report = parseHealth(fixture("disk-full"));
    expect(HealthReportSchema.parse(report)).toEqual(report);
    expect(report.disks.map((d) => [d.mount, d.fstype, d.used_percent])).toEqual([
      ["/", "ext4", 96.2],
      ["/boot/efi", "vfat", 5.8],
      ["/var/log", "ext4", 90.5],
    ]);
    expect(report.uptime_s).toBe(4000000);
    expect(report.memory?.used_percent).toBe(92);
    expect(report.systemd).toBe(true);
    expect(report.failed_units).toEqual([]);
    expect(report.findings).toEqual([
      { kind: "disk", severity: "critical", message: "disk / is 96.2% full (1.4 GiB free of 39 GiB)" },
      { kind: "disk", severity: "warning", message: "disk /var/log is 90.5% full (4.4 GiB free of 49 GiB)" },
      {
        kind: "load",
        severity: "warning",
        message: "load 3.1 over the last minute on 2 CPUs (5 min 2.9, 15 min 2.75)",
      },
      { kind: "memory", severity: "warning", message: "memory 92% used (314 MiB available of 3.8 GiB)" },
    ]);
  });
});

describe("parseHealth on broken output", () => {
  const EMPTY = {
    op: "health",
    hostname: null,
    uptime_s: null,
    load: null,
    cpus: null,
    memory: null,
    swap: null,
    disks: [],
    systemd: false,
    failed_units: [],
    findings: [],
  };

  it.each([
    ["empty", ""],
    ["whitespace", " \n\n\t\n"],
    ["garbage", "Segmentation fault\n\u0000\u00ff<html>502 Bad Gateway</html>\n"],
    ["a login banner", "Welcome to Ubuntu 22.04 LTS\n * Documentation: https://help.ubuntu.com\n"],
  ])("%s gives an all-null report", (_name, text) => {
    expect(parseHealth(text)).toEqual(EMPTY);
  });

  it("sections with nonsense values become null instead of NaN", () => {
    const report = parseHealth(
      [
        "@@tc:hostname",
        "@@tc:uptime",
        "up a while",
        "@@tc:loadavg",
        "0.5 high 0.1",
        "@@tc:cpus",
        "0",
        "@@tc:meminfo",
        "MemTotal: lots kB",
        "SwapTotal: 100 kB",
        "@@tc:df-T",
        "df: /proc: Permission denied",
        "/dev/sda1 ext4 100 - - - /",
        "@@tc:systemd",
        "maybe",
        "@@tc:failed-units",
        "nginx.service loaded failed failed",
      ].join("\n"),
    );
    expect(report).toEqual(EMPTY);
  });

  it("output cut in the middle keeps what arrived", () => {
    const cut = fixture("debian-systemd").split("@@tc:meminfo")[0] ?? "";
    const report = parseHealth(cut);
    expect(report).toMatchObject({ hostname: "web-1", cpus: 4, memory: null, swap: null, disks: [], systemd: false });
    expect(report.load?.one).toBe(0.52);
  });

  it("output from a previous line without a newline does not hide a section", () => {
    const report = parseHealth(`motd without newline\n@@tc:cpus\n3\n`);
    expect(report.cpus).toBe(3);
  });
});

function exec(over: Partial<ExecResult>): ExecResult {
  return makeExecResult({ duration_ms: 12, ...over });
}

function context(result: ExecResult, runs: { script: string; label?: string }[]): TaskContext {
  return {
    vm: { name: "vm-1" } as unknown as ServedVm,
    memo: new Map(),
    run: async (script, label) => {
      runs.push({ script, label });
      return result;
    },
  };
}

describe("runHealth", () => {
  it("runs the script once under its label and reports without an error", async () => {
    const runs: { script: string; label?: string }[] = [];
    const result = exec({ stdout: fixture("debian-systemd") });
    const out = await runHealth({ op: "health" }, context(result, runs));
    expect(runs).toEqual([{ script: HEALTH_SCRIPT, label: HEALTH_LABEL }]);
    expect(out.result).toBe(result);
    expect(out.result.error).toBeNull();
    expect(out.report.hostname).toBe("web-1");
  });

  it("a VM whose check printed nothing parseable fails with a one-line reason", async () => {
    const result = exec({ stdout: "", stderr: "sh: 1: cannot open /dev/null\nmore\n", return_code: 2 });
    const out = await runHealth({ op: "health" }, context(result, []));
    expect(out.result.error).toBe("health check printed nothing parseable (exit 2: sh: 1: cannot open /dev/null)");
    expect(out.result.stdout).toBe("");
    expect(out.report.disks).toEqual([]);
  });

  it("names the signal when the script was killed, and keeps an error already set", async () => {
    const killed = await runHealth({ op: "health" }, context(exec({ return_code: -1, signal: "SIGKILL" }), []));
    expect(killed.result.error).toBe("health check printed nothing parseable (signal SIGKILL)");
    const failed = await runHealth({ op: "health" }, context(exec({ error: "earlier reason" }), []));
    expect(failed.result.error).toBe("earlier reason");
  });

  it("a VM with findings still succeeds: findings are the report, not a failure", async () => {
    const out = await runHealth({ op: "health" }, context(exec({ stdout: fixture("disk-full") }), []));
    expect(out.result.error).toBeNull();
    expect(out.report.findings.map((f) => f.severity)).toEqual(["critical", "warning", "warning", "warning"]);
  });
});
