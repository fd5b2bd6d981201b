/**
 * @module What common commands print, for the simulated history: `df -h`, `free -m`,
 * `uptime`, `systemctl status`, `ps aux`, `ip addr`, `docker ps`… in the VM's locale. Both
 * the healthy background and the planted incidents are built from these, so an incident
 * differs from routine output only where the real incident would.
 */
import { type Ctx, clock, type Draft, journal, serviceConcepts, type Vm } from "./world.js";

export interface Mount {
  device: string;
  size: number;
  /** Use%, 0..100. */
  pct: number;
  mount: string;
}

/** The VM's usual mounts at healthy levels (below 90 %, so no background line looks full). */
export function healthyMounts(ctx: Ctx): Mount[] {
  const { rng } = ctx;
  const mounts: Mount[] = [{ device: "/dev/sda1", size: rng.pick([20, 40, 80]), pct: rng.int(18, 82), mount: "/" }];
  if (ctx.vm.role === "db")
    mounts.push({ device: "/dev/sdb1", size: 500, pct: rng.int(30, 85), mount: "/var/lib/postgresql" });
  if (ctx.vm.role === "web" || ctx.vm.role === "app") {
    mounts.push({ device: "/dev/sdb1", size: 100, pct: rng.int(10, 70), mount: "/var/www" });
  }
  mounts.push({ device: "/dev/sda15", size: 0.1, pct: rng.int(5, 7), mount: "/boot/efi" });
  return mounts;
}

const human = (gb: number) => (gb < 1 ? `${Math.round(gb * 1024)}M` : `${Math.round(gb)}G`);

export function dfH(vm: Vm, mounts: Mount[]): string {
  const header =
    vm.locale === "fr"
      ? "Sys. de fichiers Taille Utilisé Dispo Uti% Monté sur"
      : "Filesystem      Size  Used Avail Use% Mounted on";
  const rows = mounts.map((m) => {
    const used = (m.size * m.pct) / 100;
    const cols = [m.device.padEnd(15), human(m.size).padStart(5), human(used).padStart(5), human(m.size - used)];
    return `${cols.join(" ").padEnd(33)} ${`${m.pct}%`.padStart(4)} ${m.mount}`;
  });
  const tmpfs = ["tmpfs            1.6G  1.2M  1.6G   1% /run", "tmpfs            7.8G     0  7.8G   0% /dev/shm"];
  return [header, ...tmpfs.slice(0, 1), ...rows, ...tmpfs.slice(1)].join("\n");
}

export function dfI(mounts: Mount[]): string {
  const rows = mounts.map((m) => {
    const total = Math.round(m.size * 65536);
    const used = Math.round((total * m.pct) / 100);
    return `${m.device.padEnd(15)} ${String(total).padStart(8)} ${String(used).padStart(8)} ${String(total - used).padStart(8)} ${`${m.pct}%`.padStart(4)} ${m.mount}`;
  });
  return ["Filesystem       Inodes    IUsed    IFree IUse% Mounted on", ...rows].join("\n");
}

/** `free -m`: total and used MiB of RAM, used MiB of swap. */
export function freeM(totalMb: number, usedMb: number, swapTotal: number, swapUsed: number): string {
  const free = Math.max(0, totalMb - usedMb - 600);
  return [
    "               total        used        free      shared  buff/cache   available",
    `Mem:     ${[totalMb, usedMb, free, 64, 600, totalMb - usedMb].map((n) => String(n).padStart(11)).join(" ")}`,
    `Swap:    ${[swapTotal, swapUsed, swapTotal - swapUsed].map((n) => String(n).padStart(11)).join(" ")}`,
  ].join("\n");
}

export function uptimeLine(ctx: Ctx, loads: [number, number, number]): string {
  const days = ctx.rng.int(1, 180);
  const users = ctx.rng.int(0, 3);
  return ` ${clock(ctx.time)} up ${days} days, ${ctx.rng.int(0, 23)}:${String(ctx.rng.int(0, 59)).padStart(2, "0")},  ${users} user${users === 1 ? "" : "s"},  load average: ${loads.map((l) => l.toFixed(2)).join(", ")}`;
}

/** `systemctl status <unit>` of a running unit, with its last journal lines. */
export function statusRunning(ctx: Ctx, unit: string, logs: string[]): string {
  const pid = ctx.rng.int(400, 60000);
  return [
    `● ${unit}.service - ${DESCRIPTIONS[unit] ?? unit}`,
    `     Loaded: loaded (/lib/systemd/system/${unit}.service; enabled; vendor preset: enabled)`,
    `     Active: active (running) since Mon 2026-01-05 08:12:44 UTC; ${ctx.rng.int(1, 40)} days ago`,
    `   Main PID: ${pid} (${unit.split("-")[0]})`,
    `      Tasks: ${ctx.rng.int(2, 40)} (limit: 9389)`,
    `     Memory: ${ctx.rng.int(8, 900)}.${ctx.rng.int(0, 9)}M`,
    `        CPU: ${ctx.rng.int(1, 59)}min ${ctx.rng.int(0, 59)}.${ctx.rng.int(100, 999)}s`,
    "",
    ...logs.map((m) => journal(ctx, unit, m, ctx.rng.int(60, 86400))),
  ].join("\n");
}

export const DESCRIPTIONS: Record<string, string> = {
  nginx: "A high performance web server and a reverse proxy server",
  postgresql: "PostgreSQL RDBMS",
  mysql: "MySQL Community Server",
  "redis-server": "Advanced key-value store",
  docker: "Docker Application Container Engine",
  cron: "Regular background program processing daemon",
  ssh: "OpenBSD Secure Shell server",
  app: "Application backend (gunicorn)",
  haproxy: "HAProxy Load Balancer",
  "php8.1-fpm": "The PHP 8.1 FastCGI Process Manager",
  "gitlab-runner": "GitLab Runner",
  prometheus: "Monitoring system and time series database",
  "grafana-server": "Grafana instance",
  "node-exporter": "Prometheus exporter for machine metrics",
};

/** Routine journal messages of a unit: what `journalctl -u` shows on a quiet day. */
export function routineLogs(ctx: Ctx, unit: string, n: number): string[] {
  const pool: Record<string, string[]> = {
    nginx: ["Started A high performance web server and a reverse proxy server."],
    ssh: [`Accepted publickey for deploy from 10.0.9.${ctx.rng.int(2, 250)} port ${ctx.rng.int(30000, 60000)} ssh2`],
    cron: [`(root) CMD (/usr/local/bin/collect-metrics >/dev/null 2>&1)`, "(CRON) INFO (Running @reboot jobs)"],
    postgresql: ["Started PostgreSQL RDBMS."],
    docker: ["API listen on /run/docker.sock"],
  };
  const lines = pool[unit] ?? [`Started ${DESCRIPTIONS[unit] ?? unit}.`];
  return Array.from({ length: n }, () => ctx.rng.pick(lines));
}

export function osRelease(vm: Vm): string {
  const { os } = vm;
  return [
    `PRETTY_NAME="${os.pretty}"`,
    `NAME="${os.id === "ubuntu" ? "Ubuntu" : "Debian GNU/Linux"}"`,
    `VERSION_ID="${os.version}"`,
    `VERSION_CODENAME=${os.codename}`,
    `ID=${os.id}`,
    `HOME_URL="https://www.${os.id === "ubuntu" ? "ubuntu.com" : "debian.org"}/"`,
  ].join("\n");
}

export function unameA(vm: Vm): string {
  return `Linux ${vm.name} ${vm.os.kernel} #${112 + vm.name.length} SMP PREEMPT_DYNAMIC x86_64 GNU/Linux`;
}

export function psAux(ctx: Ctx, rows: [string, number, number][]): string {
  const lines = rows.map(([cmd, cpu, mem]) => {
    const user = cmd.startsWith("postgres") ? "postgres" : cmd.includes("nginx") ? "www-data" : "root";
    return `${user.padEnd(10)} ${String(ctx.rng.int(300, 60000)).padStart(6)} ${cpu.toFixed(1).padStart(4)} ${mem.toFixed(1).padStart(4)} ${String(ctx.rng.int(10000, 4000000)).padStart(8)} ${String(ctx.rng.int(5000, 900000)).padStart(7)} ?        Ss   Jan05  12:01 ${cmd}`;
  });
  return ["USER         PID %CPU %MEM      VSZ     RSS TTY      STAT START   TIME COMMAND", ...lines].join("\n");
}

export function ipBrAddr(vm: Vm): string {
  return [
    "lo               UNKNOWN        127.0.0.1/8 ::1/128",
    `ens3             UP             ${vm.host}/16 fe80::5054:ff:fe${vm.host.split(".").slice(2).join(":")}/64`,
  ].join("\n");
}

export function ssTlnp(vm: Vm): string {
  const ports: Record<string, [number, string]> = {
    web: [443, "nginx"],
    lb: [443, "haproxy"],
    db: [5432, "postgres"],
    app: [8000, "gunicorn"],
    cache: [6379, "redis-server"],
    ci: [8093, "gitlab-runner"],
    mon: [9090, "prometheus"],
  };
  const [port, proc] = ports[vm.role] ?? [80, "nginx"];
  return [
    "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
    `LISTEN 0      128          0.0.0.0:22        0.0.0.0:*     users:(("sshd",pid=812,fd=3))`,
    `LISTEN 0      511          0.0.0.0:${port}      0.0.0.0:*     users:(("${proc}",pid=1204,fd=6))`,
  ].join("\n");
}

export interface Container {
  name: string;
  image: string;
  status: string;
}

export function dockerPs(ctx: Ctx, containers: Container[]): string {
  const rows = containers.map((c) => {
    const id = Array.from({ length: 12 }, () => "0123456789abcdef"[ctx.rng.int(0, 15)]).join("");
    return `${id}   ${c.image.padEnd(28)} "/entrypoint.sh"   ${ctx.rng.int(2, 9)} days ago   ${c.status.padEnd(24)} ${c.name}`;
  });
  return [
    "CONTAINER ID   IMAGE                        COMMAND           CREATED      STATUS                   NAMES",
    ...rows,
  ].join("\n");
}

/** `apt-get install -y <pkg>` that worked. */
export function aptInstalled(vm: Vm, pkg: string, version: string): string {
  return [
    "Reading package lists...",
    "Building dependency tree...",
    "Reading state information...",
    "The following NEW packages will be installed:",
    `  ${pkg}`,
    "0 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.",
    `Get:1 http://archive.ubuntu.com/ubuntu ${vm.os.codename}/main amd64 ${pkg} amd64 ${version} [${(pkg.length * 37) % 900}+ kB]`,
    `Selecting previously unselected package ${pkg}.`,
    `Unpacking ${pkg} (${version}) ...`,
    `Setting up ${pkg} (${version}) ...`,
    "Processing triggers for man-db (2.10.2-1) ...",
  ].join("\n");
}

/** The message a libc error prints in the VM's locale. */
export function libc(vm: Vm, en: string): string {
  if (vm.locale === "en") return en;
  const fr: Record<string, string> = {
    "No such file or directory": "Aucun fichier ou dossier de ce type",
    "Permission denied": "Permission non accordée",
    "No space left on device": "Aucun espace disponible sur le périphérique",
    "Read-only file system": "Système de fichiers accessible en lecture seule",
    "Connection refused": "Connexion refusée",
    "Operation not permitted": "Opération non permise",
  };
  return fr[en] ?? en;
}

/** `systemctl status` of a unit that failed to start, with why in its journal lines. */
export const failedUnit = (ctx: Ctx, unit: string, why: string[]): Draft => ({
  command: `systemctl status ${unit}`,
  stdout: [
    `× ${unit}.service`,
    `     Loaded: loaded (/lib/systemd/system/${unit}.service; enabled; vendor preset: enabled)`,
    `     Active: failed (Result: exit-code) since Wed 2026-01-21 04:10:33 UTC; ${ctx.rng.int(2, 50)}min ago`,
    `    Process: ${ctx.rng.int(900, 60000)} ExecStart=/usr/sbin/${unit} (code=exited, status=1/FAILURE)`,
    "",
    ...why.map((m) => journal(ctx, unit, m, 1800)),
    journal(ctx, "systemd", `${unit}.service: Failed with result 'exit-code'.`, 1799),
    journal(ctx, "systemd", `Failed to start ${unit}.service.`, 1799),
  ].join("\n"),
  stderr: "",
  return_code: 3,
  labels: ["service_failed", "service_status", ...serviceConcepts(unit)],
});
