/**
 * @module The simulated fleet the search-quality history runs on: a seeded PRNG (the same
 * seed gives the same history on every machine, so scores compare across runs), 40 VMs in
 * roles, their users, and the draft an output generator returns.
 */

/** mulberry32: small, fast, and identical everywhere; no need for more than 2^32 states here. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Index drawn in proportion to `weights`. */
  weighted(weights: readonly number[]): number {
    let r = this.next() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

export type Role = "web" | "db" | "app" | "cache" | "lb" | "ci" | "mon";

export interface Vm {
  name: string;
  host: string;
  role: Role;
  /** Language of the VM's messages: a few run a French locale, as some real fleets do. */
  locale: "en" | "fr";
  os: { id: string; pretty: string; version: string; codename: string; kernel: string };
}

const OSES: Vm["os"][] = [
  { id: "ubuntu", pretty: "Ubuntu 22.04.4 LTS", version: "22.04", codename: "jammy", kernel: "5.15.0-105-generic" },
  { id: "ubuntu", pretty: "Ubuntu 24.04.1 LTS", version: "24.04", codename: "noble", kernel: "6.8.0-45-generic" },
  {
    id: "debian",
    pretty: "Debian GNU/Linux 12 (bookworm)",
    version: "12",
    codename: "bookworm",
    kernel: "6.1.0-25-amd64",
  },
];

const ROLES: [Role, number][] = [
  ["web", 12],
  ["db", 6],
  ["app", 10],
  ["cache", 4],
  ["lb", 2],
  ["ci", 3],
  ["mon", 3],
];

/** The 40 VMs: web-01… on 10.0.1.x, db-01… on 10.0.2.x, and so on. */
export function fleet(rng: Rng): Vm[] {
  const vms: Vm[] = [];
  ROLES.forEach(([role, count], r) => {
    for (let n = 1; n <= count; n++) {
      vms.push({
        name: `${role}-${String(n).padStart(2, "0")}`,
        host: `10.0.${r + 1}.${10 + n}`,
        role,
        locale: rng.chance(0.15) ? "fr" : "en",
        os: rng.pick(OSES),
      });
    }
  });
  return vms;
}

export const SSH_USERS = ["root", "deploy", "ubuntu", "admin", "ops"] as const;
export const CALLERS = ["alice@example.com", "bruno@example.com", "chloe@example.com", "dmitri@example.com", ""];

/** Services each role runs: what `systemctl status`, `journalctl -u` and restarts are about. */
export const SERVICES: Record<Role, string[]> = {
  web: ["nginx", "php8.1-fpm", "cron", "ssh"],
  db: ["postgresql", "mysql", "cron", "ssh"],
  app: ["app", "docker", "cron", "ssh"],
  cache: ["redis-server", "cron", "ssh"],
  lb: ["nginx", "haproxy", "ssh"],
  ci: ["docker", "gitlab-runner", "ssh"],
  mon: ["prometheus", "grafana-server", "node-exporter", "ssh"],
};

/** The vocabulary concept a service's operations are about, when there is one. */
export function serviceConcepts(service: string): string[] {
  if (service === "nginx") return ["nginx"];
  if (service.startsWith("postgres")) return ["postgres", "database"];
  if (service === "mysql") return ["mysql", "database"];
  if (service.startsWith("redis")) return ["redis"];
  if (service === "docker") return ["docker"];
  if (service === "cron") return ["cron"];
  return [];
}

/** One operation before it is placed in time and given ids; `labels` are the ground truth. */
export interface Draft {
  command: string;
  stdout: string;
  stderr: string;
  return_code: number | null;
  /** Concept ids a person reading the record would say it shows. */
  labels: string[];
  user?: string;
  duration_ms?: number;
}

/** Makes one operation of a kind of incident. */
export type Scenario = (ctx: Ctx) => Draft;

/** An operation that failed: what it printed on stderr, and its exit status. */
export const failure = (command: string, stderr: string, labels: string[], return_code = 1, stdout = ""): Draft => ({
  command,
  stdout,
  stderr,
  return_code,
  labels,
});

export interface Ctx {
  rng: Rng;
  vm: Vm;
  /** The record's time, epoch seconds: outputs print dates that agree with it. */
  time: number;
  /** The specific thing a question names (a package, a path, a port), when it names one. */
  subject?: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/** Syslog time ("Mar  3 14:02:11"), as journalctl and /var/log files print it. */
export function syslogTime(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${clock(epoch)}`;
}

export function clock(epoch: number): string {
  const d = new Date(epoch * 1000);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A journal line for `unit` on the context's VM, `offset` seconds before the record. */
export function journal(ctx: Ctx, unit: string, message: string, offset = 0): string {
  const pid = unit === "kernel" ? "" : `[${ctx.rng.int(300, 65000)}]`;
  return `${syslogTime(ctx.time - offset)} ${ctx.vm.name} ${unit}${pid}: ${message}`;
}

/** A dmesg line with its seconds-since-boot stamp. */
export function dmesgLine(ctx: Ctx, message: string): string {
  const t = ctx.rng.int(1000, 3_000_000) + ctx.rng.int(0, 999999) / 1e6;
  return `[${t.toFixed(6).padStart(14, " ")}] ${message}`;
}
