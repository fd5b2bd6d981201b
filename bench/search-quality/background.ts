/**
 * @module The routine operations that make up most of the simulated history: checks that
 * find nothing wrong, installs that work, restarts that succeed, and searches for problems
 * that come back empty (a `grep "out of memory"` with no hit shares the question's words but
 * answers nothing: plain word matching ranks it high, a good search must not). None of them
 * shows an incident, so every incident in the history is a planted one.
 */
import {
  aptInstalled,
  dfH,
  dfI,
  dockerPs,
  freeM,
  healthyMounts,
  ipBrAddr,
  osRelease,
  psAux,
  routineLogs,
  ssTlnp,
  statusRunning,
  unameA,
  uptimeLine,
} from "./outputs.js";
import { type Ctx, type Draft, journal, SERVICES, serviceConcepts } from "./world.js";

const ok = (command: string, stdout: string, labels: string[]): Draft => ({
  command,
  stdout,
  stderr: "",
  return_code: 0,
  labels,
});

const PACKAGES = ["htop", "jq", "curl", "tmux", "ncdu", "iotop", "rsync", "vim", "net-tools", "unzip", "git", "tree"];

const service = (ctx: Ctx) => ctx.rng.pick(SERVICES[ctx.vm.role]);

/** [weight, maker]: weights follow how often operators run these in practice. */
export const BACKGROUND: [number, (ctx: Ctx) => Draft][] = [
  [10, (ctx) => ok("uptime", uptimeLine(ctx, [0, 0, 0].map(() => ctx.rng.int(2, 280) / 100) as Load), ["uptime"])],
  [9, (ctx) => ok("df -h", dfH(ctx.vm, healthyMounts(ctx)), ["disk_usage"])],
  [2, (ctx) => ok("df -i", dfI(healthyMounts(ctx)), ["disk_usage"])],
  [8, (ctx) => ok("free -m", freeM(7954, ctx.rng.int(900, 5200), 2047, ctx.rng.int(0, 60)), ["memory_usage"])],
  [
    9,
    (ctx) => {
      const unit = service(ctx);
      return ok(`systemctl status ${unit}`, statusRunning(ctx, unit, routineLogs(ctx, unit, 3)), [
        "service_status",
        ...serviceConcepts(unit),
      ]);
    },
  ],
  [
    6,
    (ctx) => {
      const unit = service(ctx);
      const lines = routineLogs(ctx, unit, ctx.rng.int(3, 8)).map((m) => journal(ctx, unit, m, ctx.rng.int(10, 7200)));
      return ok(`journalctl -u ${unit} -n 50 --no-pager`, lines.join("\n"), ["logs", ...serviceConcepts(unit)]);
    },
  ],
  [
    4,
    (ctx) => {
      const unit = service(ctx);
      const labels = ["service_restart", ...serviceConcepts(unit)];
      return { ...ok(`sudo systemctl restart ${unit}`, "", labels), labels: [...labels, "sudo"] };
    },
  ],
  [
    5,
    (ctx) => {
      const pkg = ctx.rng.pick(PACKAGES);
      const version = `${ctx.rng.int(1, 3)}.${ctx.rng.int(0, 20)}-${ctx.rng.int(1, 4)}`;
      return ok(`sudo apt-get install -y ${pkg}`, aptInstalled(ctx.vm, pkg, version), ["package_install", "sudo"]);
    },
  ],
  [3, (ctx) => ok("sudo apt-get update", aptUpdate(ctx), ["sudo"])],
  [5, (ctx) => ok("dmesg | tail -n 5", quietDmesg(ctx), ["logs"])],
  [
    4,
    (ctx) =>
      ok(
        "docker ps",
        dockerPs(ctx, [
          { name: "api", image: "registry.local/api:2.14.1", status: `Up ${ctx.rng.int(2, 9)} days` },
          { name: "worker", image: "registry.local/worker:2.14.1", status: `Up ${ctx.rng.int(2, 9)} days (healthy)` },
        ]),
        ["docker"],
      ),
  ],
  [
    4,
    (ctx) =>
      ok(
        "tail -n 50 /var/log/nginx/error.log",
        [1, 2, 3]
          .map(
            () =>
              `2026/01/${ctx.rng.int(10, 28)} 0${ctx.rng.int(0, 9)}:1${ctx.rng.int(0, 9)}:0${ctx.rng.int(0, 9)} [notice] ${ctx.rng.int(800, 3000)}#${ctx.rng.int(800, 3000)}: signal process started`,
          )
          .join("\n"),
        ["nginx", "logs"],
      ),
  ],
  [4, (ctx) => ok("ls -la /var/www/html", lsWww(ctx), [])],
  [3, (ctx) => ok("cat /etc/os-release", osRelease(ctx.vm), ["os_version"])],
  [3, (ctx) => ok("uname -a", unameA(ctx.vm), ["kernel_version"])],
  [3, (ctx) => ok("ps aux --sort=-%mem | head -n 5", psAux(ctx, topProcesses(ctx)), ["process_list", "memory_usage"])],
  [3, (ctx) => ok("ps aux --sort=-%cpu | head -n 5", psAux(ctx, topProcesses(ctx)), ["process_list", "cpu_usage"])],
  [2, (ctx) => ok("ip -br addr", ipBrAddr(ctx.vm), ["network_interfaces"])],
  [2, (ctx) => ok("ss -tlnp", ssTlnp(ctx.vm), ["listening_ports"])],
  [2, () => ok("crontab -l", "# m h dom mon dow command\n*/5 * * * * /usr/local/bin/collect-metrics", ["cron"])],
  [2, (ctx) => ok("timedatectl", timedatectl(ctx), ["clock"])],
  [
    2,
    (ctx) =>
      ok("who", `deploy   pts/0        2026-01-${ctx.rng.int(10, 28)} 09:14 (10.0.9.${ctx.rng.int(2, 250)})`, [
        "ssh_login",
      ]),
  ],
  [2, () => ok("git -C /srv/app pull", "Already up to date.", ["deploy"])],
  [2, (ctx) => ok("hostname -f", `${ctx.vm.name}.prod.example.net`, ["hostname"])],
  [
    2,
    () => ok("tar czf /backup/etc-$(date +%F).tar.gz /etc", "tar: Removing leading `/' from member names", ["backup"]),
  ],
  // Searches for problems that find none: the question's words, no answer.
  [
    2,
    () => ({ command: 'grep -i "out of memory" /var/log/syslog', stdout: "", stderr: "", return_code: 1, labels: [] }),
  ],
  [
    2,
    () => ({ command: 'grep -c "No space left" /var/log/syslog', stdout: "0", stderr: "", return_code: 1, labels: [] }),
  ],
  [2, () => ok("journalctl -p err --since today --no-pager", "-- No entries --", ["logs"])],
  [2, () => ok("systemctl --failed", "  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.", ["service_status"])],
  [1, () => ({ command: "dmesg | grep -i -E 'error|fail'", stdout: "", stderr: "", return_code: 1, labels: ["logs"] })],
  [1, () => ok("openssl x509 -enddate -noout -in /etc/ssl/certs/site.pem", "notAfter=Nov 14 23:59:59 2026 GMT", [])],
  [1, () => ok("curl -sI https://localhost/healthz", "HTTP/2 200\nserver: nginx\ncontent-type: text/plain", [])],
];

type Load = [number, number, number];

function aptUpdate(ctx: Ctx): string {
  const c = ctx.vm.os.codename;
  return [
    `Hit:1 http://archive.ubuntu.com/ubuntu ${c} InRelease`,
    `Get:2 http://archive.ubuntu.com/ubuntu ${c}-updates InRelease [128 kB]`,
    `Hit:3 http://security.ubuntu.com/ubuntu ${c}-security InRelease`,
    `Fetched ${ctx.rng.int(128, 2400)} kB in 1s (${ctx.rng.int(200, 900)} kB/s)`,
    "Reading package lists...",
  ].join("\n");
}

function quietDmesg(ctx: Ctx): string {
  const msgs = [
    "e1000e: ens3 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None",
    'audit: type=1400 audit(1767225600.123:42): apparmor="STATUS" operation="profile_load" name="nvidia_modprobe"',
    "IPv6: ADDRCONF(NETDEV_CHANGE): ens3: link becomes ready",
    "systemd-journald[312]: Received client request to flush runtime journal.",
    "EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
  ];
  return Array.from(
    { length: 3 },
    () => `[${ctx.rng.int(2, 90)}.${ctx.rng.int(100000, 999999)}] ${ctx.rng.pick(msgs)}`,
  ).join("\n");
}

function lsWww(ctx: Ctx): string {
  return [
    `total ${ctx.rng.int(12, 40)}`,
    "drwxr-xr-x 3 www-data www-data 4096 Jan 12 10:02 .",
    "drwxr-xr-x 3 root     root     4096 Dec  2 09:40 ..",
    `-rw-r--r-- 1 www-data www-data ${ctx.rng.int(600, 20000)} Jan 12 10:02 index.html`,
    "drwxr-xr-x 2 www-data www-data 4096 Jan 12 10:02 assets",
  ].join("\n");
}

function topProcesses(ctx: Ctx): [string, number, number][] {
  const byRole: Record<string, string> = {
    web: "nginx: worker process",
    db: "postgres: checkpointer",
    app: "gunicorn: worker [app]",
    cache: "/usr/bin/redis-server 127.0.0.1:6379",
  };
  const main = byRole[ctx.vm.role] ?? "/usr/bin/prometheus";
  return [
    [main, ctx.rng.int(1, 40), ctx.rng.int(2, 30)],
    ["/usr/lib/systemd/systemd-journald", ctx.rng.int(0, 3), 0.4],
    ["/usr/sbin/sshd -D", 0, 0.1],
  ];
}

function timedatectl(ctx: Ctx): string {
  return [
    `               Local time: Mon 2026-01-19 ${ctx.rng.int(10, 23)}:02:11 UTC`,
    "                Time zone: Etc/UTC (UTC, +0000)",
    "System clock synchronized: yes",
    "              NTP service: active",
    "          RTC in local TZ: no",
  ].join("\n");
}
