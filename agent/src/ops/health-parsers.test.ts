import { describe, expect, it } from "vitest";
import { decodeMountPath, parseDf, parseProcMounts, realDisks, UNKNOWN_FSTYPE } from "./health-disks.js";
import { findingsOf, formatBytes } from "./health-findings.js";
import {
  memoryOf,
  parseCpus,
  parseFailedUnits,
  parseLoad,
  parseMeminfo,
  parseUptime,
  percent,
  swapOf,
} from "./health-proc.js";

const KiB = 1024;

describe("/proc sections", () => {
  it("percent rounds to one decimal and is 0 without a whole", () => {
    expect(percent(1, 3)).toBe(33.3);
    expect(percent(2, 3)).toBe(66.7);
    expect(percent(5, 0)).toBe(0);
  });

  it("uptime, load and CPUs", () => {
    expect(parseUptime(["12.99 40.00"])).toBe(12);
    expect(parseUptime([])).toBeNull();
    expect(parseLoad(["12.50 8.00 4.25 9/900 1"])).toEqual({ one: 12.5, five: 8, fifteen: 4.25 });
    expect(parseLoad(["0.1 0.2"])).toBeNull();
    expect(parseCpus(["16"])).toBe(16);
    expect(parseCpus(["nproc: not found"])).toBeNull();
    expect(parseCpus([])).toBeNull();
  });

  it("a kernel without MemAvailable: free + buffers + cached", () => {
    const meminfo = parseMeminfo([
      "MemTotal:        1000000 kB",
      "MemFree:          100000 kB",
      "Buffers:           50000 kB",
      "Cached:           250000 kB",
      "SwapTotal:        500000 kB",
      "SwapFree:          50000 kB",
    ]);
    expect(memoryOf(meminfo)).toEqual({
      total_bytes: 1000000 * KiB,
      used_bytes: 600000 * KiB,
      available_bytes: 400000 * KiB,
      used_percent: 60,
    });
    expect(swapOf(meminfo)).toEqual({ total_bytes: 500000 * KiB, used_bytes: 450000 * KiB, used_percent: 90 });
  });

  it("memory and swap are null when meminfo lacks what they need", () => {
    expect(memoryOf(parseMeminfo(["MemFree: 10 kB"]))).toBeNull();
    expect(memoryOf(parseMeminfo(["MemTotal: 100 kB"]))).toBeNull();
    expect(memoryOf(parseMeminfo(["MemTotal: 0 kB", "MemAvailable: 0 kB"]))).toBeNull();
    expect(swapOf(parseMeminfo(["SwapTotal: 100 kB"]))).toBeNull();
    expect(memoryOf(new Map())).toBeNull();
  });

  it("failed units: first column, markers of older systemd, no legend, each once", () => {
    expect(
      parseFailedUnits([
        "● nginx.service loaded failed failed nginx",
        "* user@1000.service loaded failed failed User Manager",
        "systemd-networkd-wait-online.service loaded failed failed Wait",
        "nginx.service loaded failed failed nginx",
        "mnt-data.mount loaded failed failed /mnt/data",
        "0 loaded units listed.",
        "LOAD   = Reflects whether the unit definition was properly loaded.",
      ]),
    ).toEqual(["nginx.service", "user@1000.service", "systemd-networkd-wait-online.service", "mnt-data.mount"]);
  });
});

describe("disks", () => {
  it("decodes the octal escapes of /proc/mounts", () => {
    expect(decodeMountPath("/mnt/a\\040b\\011c\\134d")).toBe("/mnt/a b\tc\\d");
    expect(parseProcMounts(["/dev/sdb1 /mnt/a\\040b ext4 rw 0 0", "garbage", "x"])).toEqual(
      new Map([["/mnt/a b", "ext4"]]),
    );
  });

  it("the last mount on a path gives its type", () => {
    const types = parseProcMounts(["/dev/vda1 /data ext4 rw 0 0", "tmpfs /data tmpfs rw 0 0"]);
    expect(types.get("/data")).toBe("tmpfs");
  });

  it("plain df: a mount missing from /proc/mounts is unknown, dropped only if its device is a pseudo one", () => {
    const disks = parseDf(
      [
        "Filesystem 1024-blocks Used Available Capacity Mounted on",
        "/dev/vda1 1000 500 500 50% /",
        "tmpfs 1000 0 1000 0% /run",
        "/dev/vdb 2000 100 1900 5% /data",
      ],
      false,
      new Map([["/", "ext4"]]),
    );
    expect(disks.map((d) => [d.mount, d.fstype])).toEqual([
      ["/", "ext4"],
      ["/run", UNKNOWN_FSTYPE],
      ["/data", UNKNOWN_FSTYPE],
    ]);
    expect(realDisks(disks).map((d) => d.mount)).toEqual(["/", "/data"]);
  });

  it("keeps one line per device, the shortest mount point, at the device's first place", () => {
    const disks = parseDf(
      [
        "/dev/sda2 btrfs 1000 400 600 40% /home",
        "/dev/sda1 vfat 100 10 90 10% /boot/efi",
        "/dev/sda2 btrfs 1000 400 600 40% /",
        "/dev/sda2 btrfs 1000 400 600 40% /var/lib/docker/btrfs",
      ],
      true,
    );
    expect(realDisks(disks).map((d) => [d.filesystem, d.mount])).toEqual([
      ["/dev/sda2", "/"],
      ["/dev/sda1", "/boot/efi"],
    ]);
  });

  it("drops pseudo and read-only image filesystems and zero-sized ones", () => {
    const types = ["squashfs", "iso9660", "fuse.lxcfs", "cgroup2", "efivarfs", "nfsd", "rootfs", "overlay"];
    const lines = types.map((t, i) => `dev${i} ${t} 100 100 0 100% /m${i}`);
    lines.push("/dev/zero-size ext4 0 0 0 0% /empty", "server:/export nfs4 1000 950 50 95% /mnt/nfs share");
    const kept = realDisks(parseDf(lines, true));
    expect(kept.map((d) => [d.mount, d.fstype, d.used_percent])).toEqual([["/mnt/nfs share", "nfs4", 95]]);
  });
});

describe("findings", () => {
  const none = { disks: [], load: null, cpus: null, memory: null, swap: null, failed_units: [] };
  const disk = (used_percent: number) => ({
    mount: "/data",
    filesystem: "/dev/vdb",
    fstype: "ext4",
    size_bytes: 100 * 2 ** 30,
    used_bytes: used_percent * 2 ** 30,
    available_bytes: (100 - used_percent) * 2 ** 30,
    used_percent,
  });

  it("disk thresholds: 90 warning, 95 critical", () => {
    const severities = (p: number) => findingsOf({ ...none, disks: [disk(p)] }).map((f) => f.severity);
    expect(severities(89.9)).toEqual([]);
    expect(severities(90)).toEqual(["warning"]);
    expect(severities(94.9)).toEqual(["warning"]);
    expect(severities(95)).toEqual(["critical"]);
    expect(findingsOf({ ...none, disks: [disk(95)] })[0]?.message).toBe(
      "disk /data is 95% full (5 GiB free of 100 GiB)",
    );
  });

  it("load thresholds: above the CPU count warning, above twice critical; nothing without a CPU count", () => {
    const severities = (one: number, cpus: number | null) =>
      findingsOf({ ...none, cpus, load: { one, five: 0, fifteen: 0 } }).map((f) => f.severity);
    expect(severities(4, 4)).toEqual([]);
    expect(severities(4.01, 4)).toEqual(["warning"]);
    expect(severities(8, 4)).toEqual(["warning"]);
    expect(severities(8.01, 4)).toEqual(["critical"]);
    expect(severities(50, null)).toEqual([]);
  });

  it("memory at 90 %, swap at 80 %, no swap finding without swap", () => {
    const memory = (used_percent: number) => ({
      total_bytes: 100,
      used_bytes: used_percent,
      available_bytes: 100 - used_percent,
      used_percent,
    });
    const swap = (used_percent: number, total_bytes = 100) => ({ total_bytes, used_bytes: used_percent, used_percent });
    expect(findingsOf({ ...none, memory: memory(89.9), swap: swap(79.9) })).toEqual([]);
    expect(findingsOf({ ...none, memory: memory(90), swap: swap(80) }).map((f) => f.kind)).toEqual(["memory", "swap"]);
    expect(findingsOf({ ...none, swap: swap(0, 0) })).toEqual([]);
  });

  it("one finding per failed unit", () => {
    expect(findingsOf({ ...none, failed_units: ["a.service", "b.timer"] }).map((f) => f.message)).toEqual([
      "systemd unit a.service has failed",
      "systemd unit b.timer has failed",
    ]);
  });

  it("formatBytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(10 * 2 ** 20)).toBe("10 MiB");
    expect(formatBytes(2 ** 30)).toBe("1 GiB");
    expect(formatBytes(3.25 * 2 ** 40)).toBe("3.3 TiB");
  });
});
