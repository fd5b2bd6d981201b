/**
 * @module Planted incidents of memory, disks and filesystems: OOM kills, full disks and
 * inodes, read-only remounts, I/O errors, swapping, load. Each scenario has a few shapes (the
 * command an operator would have run when it happened) and its labels say what it shows.
 */
import { dfH, dfI, freeM, healthyMounts, libc, uptimeLine } from "./outputs.js";
import { type Ctx, type Draft, dmesgLine, journal, type Scenario } from "./world.js";

const VICTIMS = ["java", "postgres", "node", "python3", "mysqld", "gunicorn", "clickhouse-server"];

function oomLines(ctx: Ctx, victim: string): string[] {
  const pid = ctx.rng.int(1000, 90000);
  const rss = ctx.rng.int(2_000_000, 7_000_000);
  return [
    dmesgLine(
      ctx,
      `${victim} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0`,
    ),
    dmesgLine(ctx, "Mem-Info:"),
    dmesgLine(
      ctx,
      `active_anon:${ctx.rng.int(900000, 1900000)} inactive_anon:${ctx.rng.int(1000, 90000)} isolated_anon:0`,
    ),
    dmesgLine(
      ctx,
      `Out of memory: Killed process ${pid} (${victim}) total-vm:${rss + 900000}kB, anon-rss:${rss}kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:${ctx.rng.int(8000, 14000)}kB oom_score_adj:0`,
    ),
    dmesgLine(ctx, `oom_reaper: reaped process ${pid} (${victim}), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB`),
  ];
}

export const SYSTEM: Record<string, Scenario> = {
  oom(ctx) {
    const victim = ctx.subject ?? ctx.rng.pick(VICTIMS);
    const lines = oomLines(ctx, victim);
    return ctx.rng.pick<Draft>([
      { command: "dmesg | tail -n 20", stdout: lines.join("\n"), stderr: "", return_code: 0, labels: ["oom", "logs"] },
      {
        command: "journalctl -k --since '-2h' --no-pager",
        stdout: lines.map((l) => journal(ctx, "kernel", l.replace(/^\[[^\]]*\] /, ""), 300)).join("\n"),
        stderr: "",
        return_code: 0,
        labels: ["oom", "logs"],
      },
      {
        command: `systemctl status ${victim === "postgres" ? "postgresql" : "app"}`,
        stdout: `× app.service - Application backend\n     Active: failed (Result: oom-kill) since Tue 2026-01-20 03:12:09 UTC; 2h ago\n   Main PID: ${ctx.rng.int(900, 9000)} (${victim}) (code=killed, signal=KILL)\n${journal(ctx, "systemd", "app.service: A process of this unit has been killed by the OOM killer.", 7200)}\n${journal(ctx, "systemd", "app.service: Failed with result 'oom-kill'.", 7200)}`,
        stderr: "",
        return_code: 3,
        labels: ["oom", "service_failed", "service_status"],
      },
    ]);
  },
  disk_full(ctx) {
    const mounts = healthyMounts(ctx);
    const full = mounts[mounts.length > 2 ? 1 : 0] as (typeof mounts)[number];
    full.pct = ctx.rng.pick([96, 98, 99, 100, 100]);
    return {
      command: ctx.rng.pick(["df -h", "df -h /"]),
      stdout: dfH(ctx.vm, mounts),
      stderr: "",
      return_code: 0,
      labels: ["disk_full", "disk_usage"],
    };
  },
  enospc(ctx) {
    const msg = libc(ctx.vm, "No space left on device");
    return ctx.rng.pick<Draft>([
      {
        command: "cp /tmp/release-2.14.tar.gz /var/www/releases/",
        stdout: "",
        stderr: `cp: error writing '/var/www/releases/release-2.14.tar.gz': ${msg}`,
        return_code: 1,
        labels: ["disk_full"],
      },
      {
        command: "tar czf /backup/db-$(date +%F).tar.gz /var/lib/postgresql/dumps",
        stdout: "",
        stderr: `tar: /backup/db-2026-01-21.tar.gz: Wrote only 4096 of 10240 bytes\ntar: Error is not recoverable: exiting now\ngzip: stdout: ${msg}`,
        return_code: 2,
        labels: ["disk_full", "backup", "backup_failed"],
      },
      {
        command: "journalctl -u postgresql -n 20 --no-pager",
        stdout: [
          journal(ctx, "postgres", `PANIC:  could not write to file "pg_wal/xlogtemp.2214": ${msg}`, 600),
          journal(
            ctx,
            "systemd",
            "postgresql@14-main.service: Main process exited, code=exited, status=1/FAILURE",
            590,
          ),
        ].join("\n"),
        stderr: "",
        return_code: 0,
        labels: ["disk_full", "postgres", "database", "logs", "service_failed"],
      },
    ]);
  },
  inode_exhaustion(ctx) {
    const mounts = healthyMounts(ctx);
    const full = mounts[0] as (typeof mounts)[number];
    full.pct = ctx.rng.pick([97, 100]);
    const labels = ["inode_exhaustion", "disk_usage"];
    return ctx.rng.pick<Draft>([
      { command: "df -i", stdout: dfI(mounts), stderr: "", return_code: 0, labels },
      { command: "df -i /", stdout: dfI([full]), stderr: "", return_code: 0, labels },
    ]);
  },
  read_only_fs(ctx) {
    return ctx.rng.pick<Draft>([
      {
        command: "touch /var/log/app/probe",
        stdout: "",
        stderr: `touch: cannot touch '/var/log/app/probe': ${libc(ctx.vm, "Read-only file system")}`,
        return_code: 1,
        labels: ["read_only_fs"],
      },
      {
        command: "dmesg | tail -n 5",
        stdout: [
          dmesgLine(
            ctx,
            "EXT4-fs error (device sda1): ext4_journal_check_start:83: comm kworker/u4:2: Detected aborted journal",
          ),
          dmesgLine(ctx, "EXT4-fs (sda1): Remounting filesystem read-only"),
        ].join("\n"),
        stderr: "",
        return_code: 0,
        labels: ["read_only_fs", "disk_io_error", "logs"],
      },
    ]);
  },
  disk_io_error(ctx) {
    return ctx.rng.pick<Draft>([
      {
        command: "dmesg -T | grep -i error",
        stdout: [
          dmesgLine(
            ctx,
            "blk_update_request: I/O error, dev sdb, sector 19482112 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 0",
          ),
          dmesgLine(ctx, "Buffer I/O error on dev sdb1, logical block 2435264, async page read"),
        ].join("\n"),
        stderr: "",
        return_code: 0,
        labels: ["disk_io_error", "logs"],
      },
      {
        command: "sudo smartctl -H /dev/sdb",
        stdout:
          "smartctl 7.2 2020-12-30 r5155 [x86_64-linux] (local build)\n=== START OF READ SMART DATA SECTION ===\nSMART overall-health self-assessment test result: FAILED!\nDrive failure expected in less than 24 hours. SAVE ALL DATA.",
        stderr: "",
        return_code: 8,
        labels: ["disk_io_error", "sudo"],
      },
      {
        command: "cat /var/lib/postgresql/14/main/base/16384/2619",
        stdout: "",
        stderr: `cat: /var/lib/postgresql/14/main/base/16384/2619: ${ctx.vm.locale === "fr" ? "Erreur d'entrée/sortie" : "Input/output error"}`,
        return_code: 1,
        labels: ["disk_io_error"],
      },
    ]);
  },
  swap(ctx) {
    return ctx.rng.pick<Draft>([
      {
        command: "free -m",
        stdout: freeM(7954, 7650, 2047, ctx.rng.int(1700, 2040)),
        stderr: "",
        return_code: 0,
        labels: ["swap", "memory_usage"],
      },
      {
        command: "swapon --show",
        stdout: `NAME      TYPE SIZE USED PRIO\n/swap.img file   2G ${(ctx.rng.int(17, 20) / 10).toFixed(1)}G   -2`,
        stderr: "",
        return_code: 0,
        labels: ["swap"],
      },
    ]);
  },
  high_load(ctx) {
    const l = ctx.rng.int(18, 64);
    return ctx.rng.pick<Draft>([
      {
        command: "uptime",
        stdout: uptimeLine(ctx, [l + 0.37, l - 3.1, l - 6.52]),
        stderr: "",
        return_code: 0,
        labels: ["high_load", "uptime"],
      },
      {
        command: "cat /proc/loadavg",
        stdout: `${l}.12 ${l - 2}.40 ${l - 5}.03 ${ctx.rng.int(20, 60)}/1204 ${ctx.rng.int(10000, 99999)}`,
        stderr: "",
        return_code: 0,
        labels: ["high_load"],
      },
    ]);
  },
};
