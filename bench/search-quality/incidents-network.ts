/**
 * @module Planted incidents of the network and security: DNS and TLS failures, refused and
 * timed-out connections, unreachable hosts, failed logins, broken containers, firewall rules,
 * new accounts, AppArmor denials.
 */
import { dockerPs, libc } from "./outputs.js";
import { failure, journal, type Scenario } from "./world.js";

export const NETWORK: Record<string, Scenario> = {
  dns_failure: (ctx) =>
    ctx.rng.pick([
      failure(
        "curl -fsS https://api.payments.example.com/health",
        "curl: (6) Could not resolve host: api.payments.example.com",
        ["dns_failure"],
        6,
      ),
      failure(
        "sudo apt-get update",
        "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy/InRelease  Temporary failure resolving 'archive.ubuntu.com'\nW: Some index files failed to download.",
        ["dns_failure", "sudo"],
        100,
      ),
      failure(
        "ping -c 3 db-01.prod.example.net",
        "ping: db-01.prod.example.net: Temporary failure in name resolution",
        ["dns_failure", "network_unreachable"],
        2,
      ),
    ]),
  cert_expired: (ctx) =>
    ctx.rng.pick([
      failure(
        "curl -fsS https://shop.example.com/",
        "curl: (60) SSL certificate problem: certificate has expired\nMore details here: https://curl.se/docs/sslcerts.html",
        ["cert_expired"],
        60,
      ),
      {
        command:
          "openssl x509 -enddate -noout -in /etc/letsencrypt/live/shop.example.com/cert.pem && openssl x509 -checkend 0 -noout -in /etc/letsencrypt/live/shop.example.com/cert.pem",
        stdout: "notAfter=Jan  9 23:59:59 2026 GMT\nCertificate will expire",
        stderr: "",
        return_code: 1,
        labels: ["cert_expired"],
      },
    ]),
  connection_refused: (ctx) => {
    const port = ctx.subject ?? "5432";
    return ctx.rng.pick([
      failure(
        `psql -h 10.0.2.11 -p ${port} -U app -c 'select 1'`,
        `psql: error: connection to server at "10.0.2.11", port ${port} failed: ${libc(ctx.vm, "Connection refused")}\n\tIs the server running on that host and accepting TCP/IP connections?`,
        ["connection_refused", "postgres", "database"],
        2,
      ),
      failure(
        `nc -zv 10.0.2.11 ${port}`,
        `nc: connect to 10.0.2.11 port ${port} (tcp) failed: ${libc(ctx.vm, "Connection refused")}`,
        ["connection_refused"],
        1,
      ),
    ]);
  },
  network_unreachable: (ctx) =>
    ctx.rng.pick([
      {
        command: "ping -c 4 10.0.3.14",
        stdout:
          "PING 10.0.3.14 (10.0.3.14) 56(84) bytes of data.\nFrom 10.0.1.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10.0.3.14 ping statistics ---\n4 packets transmitted, 0 received, +4 errors, 100% packet loss, time 3049ms",
        stderr: "",
        return_code: 1,
        labels: ["network_unreachable"],
      },
      failure(
        "ssh backup@10.0.7.12 true",
        "ssh: connect to host 10.0.7.12 port 22: No route to host",
        ["network_unreachable"],
        255,
      ),
    ]),
  timeout: (ctx) =>
    ctx.rng.pick([
      failure(
        "curl -sS --max-time 10 http://10.0.4.12:8000/api/health",
        "curl: (28) Operation timed out after 10001 milliseconds with 0 bytes received",
        ["timeout"],
        28,
      ),
      failure(
        "ssh deploy@10.0.7.12 uptime",
        "ssh: connect to host 10.0.7.12 port 22: Connection timed out",
        ["timeout"],
        255,
      ),
    ]),
  auth_failure: (ctx) => ({
    command: "grep 'Failed password' /var/log/auth.log | tail -n 4",
    stdout: [1, 2, 3, 4]
      .map((i) =>
        journal(
          ctx,
          "sshd",
          `Failed password for ${i % 2 ? "invalid user admin" : "root"} from 185.220.101.${ctx.rng.int(2, 250)} port ${ctx.rng.int(30000, 65000)} ssh2`,
          900 - i,
        ),
      )
      .join("\n"),
    stderr: "",
    return_code: 0,
    labels: ["auth_failure", "logs"],
  }),
  failed_logins_lastb: (ctx) => ({
    command: "sudo lastb | head -n 3",
    stdout: [1, 2, 3]
      .map(
        () =>
          `admin    ssh:notty    185.220.101.${ctx.rng.int(2, 250)}  Wed Jan 21 0${ctx.rng.int(0, 9)}:1${ctx.rng.int(0, 9)} - 0${ctx.rng.int(0, 9)}:1${ctx.rng.int(0, 9)}  (00:00)`,
      )
      .join("\n"),
    stderr: "",
    return_code: 0,
    labels: ["auth_failure", "sudo"],
  }),
  wrong_password: () =>
    failure(
      "sudo -u postgres psql -h 127.0.0.1 -U app shop",
      'psql: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "app"',
      ["auth_failure", "postgres", "database"],
      2,
    ),
  container_down: (ctx) => ({
    command: "docker ps -a",
    stdout: dockerPs(ctx, [
      { name: "api", image: "registry.local/api:2.15.0", status: `Restarting (1) ${ctx.rng.int(2, 50)} seconds ago` },
      { name: "worker", image: "registry.local/worker:2.15.0", status: "Exited (137) 3 minutes ago" },
    ]),
    stderr: "",
    return_code: 0,
    labels: ["container_down", "docker"],
  }),
  firewall_block: (ctx) => ({
    command: "sudo iptables -L INPUT -n --line-numbers",
    stdout: `Chain INPUT (policy DROP)\nnum  target     prot opt source               destination\n1    ACCEPT     all  --  0.0.0.0/0            0.0.0.0/0            state RELATED,ESTABLISHED\n2    ACCEPT     tcp  --  10.0.0.0/16          0.0.0.0/0            tcp dpt:22\n3    DROP       tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:${ctx.subject ?? "443"}`,
    stderr: "",
    return_code: 0,
    labels: ["firewall", "sudo"],
  }),
  user_add: (ctx) => {
    const name = ctx.subject ?? ctx.rng.pick(["jdupont", "mlopez", "svc-backup"]);
    return {
      command: `sudo useradd -m -s /bin/bash -G sudo ${name} && sudo passwd -e ${name}`,
      stdout: "passwd: password expiry information changed.",
      stderr: "",
      return_code: 0,
      labels: ["user_mgmt", "sudo"],
    };
  },
  apparmor_denied: (ctx) => ({
    command: "dmesg | grep DENIED",
    stdout: `[${ctx.rng.int(1000, 90000)}.120331] audit: type=1400 audit(1768990000.412:311): apparmor="DENIED" operation="open" profile="/usr/sbin/mysqld" name="/data/mysql/ibdata1" pid=2211 comm="mysqld" requested_mask="r" denied_mask="r"`,
    stderr: "",
    return_code: 0,
    labels: ["selinux", "mysql", "logs"],
  }),
};
