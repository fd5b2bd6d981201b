/**
 * @module Planted incidents of services and packages: failed units, restarts, apt errors and
 * locks, pending updates, cron, backups, log rotation, nginx and database errors.
 */
import { failedUnit } from "./outputs.js";
import { type Ctx, type Draft, failure, journal, type Scenario, serviceConcepts } from "./world.js";

const restart = (ctx: Ctx, unit: string): Draft => {
  const labels = ["service_restart", ...serviceConcepts(unit)];
  return ctx.rng.pick<Draft>([
    { command: `sudo systemctl restart ${unit}`, stdout: "", stderr: "", return_code: 0, labels: [...labels, "sudo"] },
    {
      command: `systemctl restart ${unit} && systemctl is-active ${unit}`,
      stdout: "active",
      stderr: "",
      return_code: 0,
      labels,
    },
    { command: `sudo service ${unit} restart`, stdout: "", stderr: "", return_code: 0, labels: [...labels, "sudo"] },
  ]);
};

export const SERVICES: Record<string, Scenario> = {
  service_failed: (ctx) =>
    ctx.rng.pick([
      failedUnit(ctx, "nginx", [
        'nginx: [emerg] open() "/etc/nginx/sites-enabled/shop" failed (2: No such file or directory)',
      ]),
      failedUnit(ctx, "app", ["ModuleNotFoundError: No module named 'psycopg2'"]),
      failedUnit(ctx, "haproxy", ["[ALERT] config : parsing [/etc/haproxy/haproxy.cfg:41] : unknown keyword 'timout'"]),
    ]),
  nginx_restart: (ctx) => restart(ctx, "nginx"),
  postgres_restart: (ctx) => restart(ctx, "postgresql"),
  mysql_crash: (ctx) =>
    failedUnit(ctx, "mysql", [
      "mysqld got signal 11 ;",
      "InnoDB: Assertion failure in thread 140212 in file btr0cur.cc line 336",
    ]),
  package_install: (ctx) => {
    const pkg = ctx.subject ?? "fail2ban";
    return {
      command: `sudo apt-get install -y ${pkg}`,
      stdout: `Reading package lists...\nThe following NEW packages will be installed:\n  ${pkg}\n0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.\nUnpacking ${pkg} (1.0.2-2) ...\nSetting up ${pkg} (1.0.2-2) ...`,
      stderr: "",
      return_code: 0,
      labels: ["package_install", "sudo"],
    };
  },
  package_missing: (ctx) => {
    const pkg = ctx.subject ?? ctx.rng.pick(["python-pip", "libssl1.0.0", "php7.2-fpm", "nginx-extras-full"]);
    return failure(
      `sudo apt-get install -y ${pkg}`,
      ctx.vm.locale === "fr" ? `E: Impossible de trouver le paquet ${pkg}` : `E: Unable to locate package ${pkg}`,
      ["package_missing", "package_install", "sudo"],
      100,
      "Reading package lists...\nBuilding dependency tree...\nReading state information...",
    );
  },
  package_broken: () =>
    failure(
      "sudo apt-get install -y mongodb-org",
      "E: Unable to correct problems, you have held broken packages.",
      ["package_broken", "package_install", "sudo"],
      100,
      "Some packages could not be installed. This may mean that you have\nrequested an impossible situation.\nThe following packages have unmet dependencies:\n mongodb-org-mongos : Depends: libssl1.1 (>= 1.1.1) but it is not installable",
    ),
  package_lock: () =>
    failure(
      "sudo apt-get upgrade -y",
      "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2211 (unattended-upgr)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?",
      ["package_lock", "updates", "sudo"],
      100,
    ),
  updates_pending: (ctx) => ({
    command: "cat /var/lib/update-notifier/updates-available",
    stdout: `\n${ctx.rng.int(8, 60)} updates can be applied immediately.\n${ctx.rng.int(2, 9)} of these updates are standard security updates.\nTo see these additional updates run: apt list --upgradable\n`,
    stderr: "",
    return_code: 0,
    labels: ["updates"],
  }),
  cron_failure: (ctx) => ({
    command: "grep CRON /var/log/syslog | tail -n 3",
    stdout: [
      journal(ctx, "CRON", "(root) CMD (/usr/local/bin/nightly-report.sh)", 3600),
      journal(ctx, "CRON", "(CRON) info (No MTA installed, discarding output)", 3590),
      journal(
        ctx,
        "CRON",
        "(root) CMD (/usr/local/bin/nightly-report.sh) -> exit status 127: /usr/local/bin/nightly-report.sh: not found",
        3590,
      ),
    ].join("\n"),
    stderr: "",
    return_code: 0,
    labels: ["cron", "logs"],
  }),
  backup_failed: (ctx) =>
    ctx.rng.pick([
      failure(
        "/usr/local/bin/backup.sh",
        "rsync: [sender] write error: Broken pipe (32)\nrsync error: error in rsync protocol data stream (code 12) at io.c(823) [sender=3.2.7]\nBackup FAILED after 00:41:12",
        ["backup", "backup_failed"],
        12,
      ),
      failure(
        "sudo -u postgres pg_dump shop > /backup/shop.sql",
        'pg_dump: error: query failed: ERROR:  could not read block 4093 in file "base/16384/24718": read only 0 of 8192 bytes',
        ["backup", "backup_failed", "postgres", "database", "sudo"],
        1,
      ),
    ]),
  log_rotation: () =>
    failure(
      "sudo logrotate -v /etc/logrotate.d/nginx",
      'error: skipping "/var/log/nginx/access.log" because parent directory has insecure permissions (It\'s world writable or writable by group which is not "root") Set "su" directive in config file to tell logrotate which user/group should be used for rotation.',
      ["log_rotation", "nginx", "sudo"],
      1,
      "reading config file /etc/logrotate.d/nginx\nrotating pattern: /var/log/nginx/*.log  after 1 days (14 rotations)",
    ),
  http_errors: (ctx) => ({
    command: "tail -n 50 /var/log/nginx/error.log",
    stdout: [1, 2, 3]
      .map(
        (i) =>
          `2026/01/21 09:4${i}:0${ctx.rng.int(0, 9)} [error] 1204#1204: *${ctx.rng.int(10000, 99999)} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.5.${ctx.rng.int(2, 200)}, server: shop.example.com, request: "GET /api/cart HTTP/1.1", upstream: "http://10.0.4.12:8000/api/cart"`,
      )
      .join("\n"),
    stderr: "",
    return_code: 0,
    labels: ["http_errors", "nginx", "logs", "timeout"],
  }),
  db_connections: (ctx) => ({
    command: "journalctl -u postgresql -n 20 --no-pager",
    stdout: [1, 2].map(() => journal(ctx, "postgres", "FATAL:  sorry, too many clients already", 120)).join("\n"),
    stderr: "",
    return_code: 0,
    labels: ["db_connections", "postgres", "database", "logs"],
  }),
  config_error: () =>
    failure(
      "sudo nginx -t",
      'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/sites-enabled/shop:14\nnginx: configuration file /etc/nginx/nginx.conf test failed',
      ["config_error", "nginx", "config", "sudo"],
      1,
    ),
  port_in_use: (ctx) => {
    const draft = failedUnit(ctx, "nginx", [
      "nginx: [emerg] bind() to 0.0.0.0:443 failed (98: Address already in use)",
      "nginx: [emerg] still could not bind()",
    ]);
    return { ...draft, labels: [...draft.labels, "port_in_use"] };
  },
};
