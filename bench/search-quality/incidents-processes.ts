/**
 * @module Planted incidents of processes, the kernel and files: CPU hogs, zombies, panics,
 * segfaults, reboots, an unsynchronised clock, descriptor limits, missing files, denied access.
 */
import { libc, psAux } from "./outputs.js";
import { type Draft, dmesgLine, failure, journal, type Scenario } from "./world.js";

export const PROCESSES: Record<string, Scenario> = {
  cpu_hog(ctx) {
    const rows: [string, number, number][] = [
      [ctx.subject ?? "/usr/bin/python3 /srv/app/report.py", 398.2, 6.1],
      ["nginx: worker process", 3.1, 0.8],
    ];
    return {
      command: "ps aux --sort=-%cpu | head -n 5",
      stdout: psAux(ctx, rows),
      stderr: "",
      return_code: 0,
      labels: ["cpu_usage", "process_list"],
    };
  },
  zombie(ctx) {
    return ctx.rng.pick<Draft>([
      {
        command: "top -b -n 1 | head -n 5",
        stdout: `top - 11:02:51 up 41 days,  3:10,  1 user,  load average: 0.41, 0.38, 0.35\nTasks: 214 total,   1 running, 171 sleeping,   0 stopped,  ${ctx.rng.int(12, 80)} zombie\n%Cpu(s):  2.1 us,  0.8 sy,  0.0 ni, 96.9 id,  0.1 wa,  0.0 hi,  0.1 si,  0.0 st`,
        stderr: "",
        return_code: 0,
        labels: ["zombie", "cpu_usage"],
      },
      {
        command: "ps -eo pid,ppid,stat,cmd | grep ' Z'",
        stdout: [1, 2, 3].map((i) => `${ctx.rng.int(2000, 9000)}  ${1400 + i} Z    [php-fpm8.1] <defunct>`).join("\n"),
        stderr: "",
        return_code: 0,
        labels: ["zombie", "process_list"],
      },
    ]);
  },
  kernel_panic(ctx) {
    return {
      command: "journalctl -k -b -1 --no-pager | tail -n 8",
      stdout: [
        "BUG: soft lockup - CPU#2 stuck for 22s! [kworker/2:1:1234]",
        "Kernel panic - not syncing: softlockup: hung tasks",
        "CPU: 2 PID: 1234 Comm: kworker/2:1 Tainted: G             L    5.15.0-105-generic",
        "Call Trace:",
        " <IRQ>",
        " dump_stack_lvl+0x4a/0x63",
      ]
        .map((m) => journal(ctx, "kernel", m, 86400))
        .join("\n"),
      stderr: "",
      return_code: 0,
      labels: ["kernel_panic", "logs"],
    };
  },
  segfault(ctx) {
    const proc = ctx.subject ?? ctx.rng.pick(["php-fpm8.1", "node", "python3", "haproxy"]);
    return ctx.rng.pick<Draft>([
      {
        command: "dmesg | tail -n 3",
        stdout: dmesgLine(
          ctx,
          `${proc}[${ctx.rng.int(1000, 60000)}]: segfault at 0 ip 00007f3a9c2d1e4b sp 00007ffd2a1b9e10 error 4 in libc.so.6[7f3a9c28f000+195000]`,
        ),
        stderr: "",
        return_code: 0,
        labels: ["segfault", "logs"],
      },
      {
        command: "/srv/app/bin/worker --once",
        stdout: "",
        stderr: ctx.vm.locale === "fr" ? "Erreur de segmentation (core dumped)" : "Segmentation fault (core dumped)",
        return_code: 139,
        labels: ["segfault"],
      },
    ]);
  },
  reboot(ctx) {
    return ctx.rng.pick<Draft>([
      {
        command: "last -x reboot | head -n 3",
        stdout: `reboot   system boot  ${ctx.vm.os.kernel} Tue Jan 20 03:14   still running\nreboot   system boot  ${ctx.vm.os.kernel} Sat Dec 13 22:01 - 03:12 (37+05:11)`,
        stderr: "",
        return_code: 0,
        labels: ["reboot"],
      },
      { command: "sudo reboot", stdout: "", stderr: "", return_code: null, labels: ["reboot", "sudo"] },
      {
        command: "who -b",
        stdout: "         system boot  2026-01-20 03:14",
        stderr: "",
        return_code: 0,
        labels: ["reboot"],
      },
    ]);
  },
  clock_unsynced() {
    return {
      command: "timedatectl",
      stdout: `               Local time: Mon 2026-01-19 14:02:11 UTC\n                Time zone: Etc/UTC (UTC, +0000)\nSystem clock synchronized: no\n              NTP service: inactive\n          RTC in local TZ: no`,
      stderr: "",
      return_code: 0,
      labels: ["clock", "clock_unsync"],
    };
  },
  open_files(ctx) {
    return {
      command: "tail -n 3 /var/log/nginx/error.log",
      stdout: `2026/01/21 10:1${ctx.rng.int(0, 9)}:44 [crit] 2211#2211: accept4() failed (24: Too many open files)\n2026/01/21 10:1${ctx.rng.int(0, 9)}:44 [alert] 2211#2211: socket() failed (24: Too many open files) while connecting to upstream`,
      stderr: "",
      return_code: 0,
      labels: ["open_files", "nginx", "logs"],
    };
  },
  file_not_found(ctx) {
    const path = ctx.subject ?? ctx.rng.pick(["/etc/app/config.yml", "/srv/app/.env", "/opt/scripts/rotate.sh"]);
    return ctx.rng.pick<Draft>([
      {
        command: `cat ${path}`,
        stdout: "",
        stderr: `cat: ${path}: ${libc(ctx.vm, "No such file or directory")}`,
        return_code: 1,
        labels: ["file_not_found"],
      },
      {
        command: `ls -l ${path}`,
        stdout: "",
        stderr: `ls: cannot access '${path}': ${libc(ctx.vm, "No such file or directory")}`,
        return_code: 2,
        labels: ["file_not_found"],
      },
    ]);
  },
  permission_denied(ctx) {
    const path = ctx.subject ?? ctx.rng.pick(["/etc/shadow", "/var/log/auth.log", "/root/.ssh/authorized_keys"]);
    return ctx.rng.pick<Draft>([
      {
        command: `cat ${path}`,
        stdout: "",
        stderr: `cat: ${path}: ${libc(ctx.vm, "Permission denied")}`,
        return_code: 1,
        labels: ["permission_denied"],
        user: "deploy",
      },
      {
        command: `cp build.tar.gz ${path}`,
        stdout: "",
        stderr: `cp: cannot create regular file '${path}': ${libc(ctx.vm, "Permission denied")}`,
        return_code: 1,
        labels: ["permission_denied"],
        user: "deploy",
      },
    ]);
  },
  permission_write: (ctx) =>
    failure(
      "echo 1 > /proc/sys/vm/drop_caches",
      `bash: /proc/sys/vm/drop_caches: ${libc(ctx.vm, "Permission denied")}`,
      ["permission_denied"],
      1,
    ),
  command_not_found: (ctx) => {
    const cmd = ctx.subject ?? ctx.rng.pick(["htop", "jq", "netstat", "docker-compose"]);
    return failure(`${cmd} --version`, `bash: ${cmd}: command not found`, ["command_not_found"], 127);
  },
  kernel_version: (ctx) => ({
    command: "uname -r",
    stdout: ctx.vm.os.kernel,
    stderr: "",
    return_code: 0,
    labels: ["kernel_version"],
  }),
};
