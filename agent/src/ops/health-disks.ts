/**
 * @module Disk usage for `ssh_fleet_health`: `df -P` lines (with or without the type column)
 * turned into the real mounts of a VM. Pseudo filesystems, read-only images (always "full")
 * and the second mount of the same device (bind mounts) are left out, so a disk finding
 * always points at space somebody can free.
 */
import type { DiskUsage } from "@telecommande/shared";
import { percent } from "./health-proc.js";

/**
 * Kernel and memory filesystems, container layers and read-only images: never "a disk" to
 * watch. squashfs (snaps), iso9660/udf (cloud-init config drives) and erofs are always 100 %
 * used by design and would raise a critical finding on every healthy VM.
 */
const PSEUDO_FSTYPES = new Set([
  "tmpfs",
  "devtmpfs",
  "overlay",
  "overlayfs",
  "aufs",
  "squashfs",
  "erofs",
  "iso9660",
  "udf",
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "devpts",
  "mqueue",
  "nsfs",
  "ramfs",
  "rootfs",
  "autofs",
  "tracefs",
  "debugfs",
  "securityfs",
  "selinuxfs",
  "pstore",
  "bpf",
  "configfs",
  "efivarfs",
  "fuse.lxcfs",
  "fusectl",
  "fuse.gvfsd-fuse",
  "fuse.portal",
  "fuse.snapfuse",
  "hugetlbfs",
  "binfmt_misc",
  "rpc_pipefs",
  "nfsd",
  "shm",
  "none",
]);

/**
 * Device names that only pseudo filesystems use. Checked as well as the type because busybox
 * `df` has no type column and a mount missing from /proc/mounts leaves the type unknown.
 */
const PSEUDO_SOURCES = new Set([
  "tmpfs",
  "devtmpfs",
  "udev",
  "shm",
  "none",
  "overlay",
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "rootfs",
]);

/** The type given when neither df nor /proc/mounts names one. */
export const UNKNOWN_FSTYPE = "unknown";

export function isPseudoFilesystem(filesystem: string, fstype: string): boolean {
  return PSEUDO_FSTYPES.has(fstype) || PSEUDO_SOURCES.has(filesystem);
}

/**
 * One `df -P -k` line, `-T` adding the type after the device. The device is matched lazily
 * and the mount point anchored on its leading `/`, so a mount point with spaces stays whole;
 * the header and lines with `-` for a capacity (no size) do not match.
 */
const DF_TYPED = /^(.+?)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+(\/.*)$/;
const DF_PLAIN = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+%\s+(\/.*)$/;

/** `df -P -k` lines as DiskUsage, every mount kept (see `realDisks`). */
export function parseDf(lines: string[], typed: boolean, types: Map<string, string> = new Map()): DiskUsage[] {
  const disks: DiskUsage[] = [];
  for (const line of lines) {
    let fields: [string, string, string, string, string, string] | undefined;
    if (typed) {
      const m = DF_TYPED.exec(line);
      if (m) fields = [m[1] ?? "", m[2] ?? "", m[3] ?? "", m[4] ?? "", m[5] ?? "", m[6] ?? ""];
    } else {
      const m = DF_PLAIN.exec(line);
      const mount = m?.[5] ?? "";
      if (m) fields = [m[1] ?? "", types.get(mount) ?? UNKNOWN_FSTYPE, m[2] ?? "", m[3] ?? "", m[4] ?? "", mount];
    }
    if (!fields) continue;
    const [filesystem, fstype, size, used, available, mount] = fields;
    const usedBytes = Number(used) * 1024;
    const availableBytes = Number(available) * 1024;
    disks.push({
      mount,
      filesystem,
      fstype,
      size_bytes: Number(size) * 1024,
      used_bytes: usedBytes,
      available_bytes: availableBytes,
      // Like df's Capacity: the share of what non-root users can use (root's reserve left out).
      used_percent: percent(usedBytes, usedBytes + availableBytes),
    });
  }
  return disks;
}

/** /proc/mounts writes space, tab, newline and backslash in paths as octal escapes (`\040`). */
export function decodeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** Mount point → type from /proc/mounts; the last mount on a path is the one df sees. */
export function parseProcMounts(lines: string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of lines) {
    const [, mount, fstype] = line.split(/\s+/);
    if (mount?.startsWith("/") && fstype) types.set(decodeMountPath(mount), fstype);
  }
  return types;
}

/**
 * Only real mounts with a size, each device once. Of a device mounted several times (bind
 * mounts, btrfs subvolumes, a container's /etc/hosts and /etc/hostname) the shortest mount
 * point is kept, at the place of the device's first line.
 */
export function realDisks(disks: DiskUsage[]): DiskUsage[] {
  const byDevice = new Map<string, DiskUsage>();
  for (const disk of disks) {
    if (disk.size_bytes <= 0 || isPseudoFilesystem(disk.filesystem, disk.fstype)) continue;
    const seen = byDevice.get(disk.filesystem);
    if (!seen || disk.mount.length < seen.mount.length) byDevice.set(disk.filesystem, disk);
  }
  return [...byDevice.values()];
}
