import { describe, expect, it } from "vitest";
import { DMESG_OOM, dfH, FAILED_NGINX_UNIT } from "../testing/operation-samples.js";
import { conceptTag, type PatternSpec, vocabularyAnalyzer, vocabularyData } from "./vocabulary.js";

const analyzer = vocabularyAnalyzer;
const data = vocabularyData;

function regexSources(spec: PatternSpec): string[] {
  if (typeof spec === "string") return [spec];
  if ("all" in spec) return spec.all.flatMap(regexSources);
  return ["command" in spec ? spec.command : spec.output];
}
const allRegexes = data.concepts.flatMap((c) => c.text.flatMap(regexSources).map((source) => ({ id: c.id, source })));

/** Unbounded repetition (`*`, `+`, `{n,}`) outside a character class: what can turn quadratic on a long line. */
function unbounded(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === "\\") i++;
    else if (inClass) inClass = ch !== "]";
    else if (ch === "[") inClass = true;
    else if (ch === "*" || ch === "+") return true;
    else if (ch === "{" && /^\{\d+,\}/.test(source.slice(i))) return true;
  }
  return false;
}

describe("vocabulary.json", () => {
  it("has 50 to 80 concepts with unique ids and one-token tags", () => {
    expect(data.concepts.length).toBeGreaterThanOrEqual(50);
    expect(data.concepts.length).toBeLessThanOrEqual(80);
    const ids = data.concepts.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = data.concepts.map((c) => conceptTag(c.id));
    expect(new Set(tags).size).toBe(tags.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const tag of tags) expect(tag).toMatch(/^zz[a-z0-9]+$/);
  });

  it("gives every concept English and French phrases and a pattern or a term", () => {
    for (const c of data.concepts) {
      expect(c.query.en.length, c.id).toBeGreaterThan(0);
      expect(c.query.fr.length, c.id).toBeGreaterThan(0);
      expect(c.text.length + c.terms.length, c.id).toBeGreaterThan(0);
    }
  });

  it("names its version in the analyzer's name", () => {
    expect(Number.isInteger(data.version)).toBe(true);
    expect(analyzer.name).toBe(`vocabulary-${data.version}`);
  });

  it("has patterns that compile and use bounded repetition only", () => {
    expect(allRegexes.length).toBeGreaterThan(100);
    for (const { id, source } of allRegexes) {
      expect(() => new RegExp(source, "im"), `${id}: ${source}`).not.toThrow();
      expect(unbounded(source), `${id}: ${source}`).toBe(false);
    }
  });

  it("runs every pattern over a 1 MB line in linear time", () => {
    const mb = (unit: string) => unit.repeat(Math.ceil(1_000_000 / unit.length)).slice(0, 1_000_000);
    const hostile = [mb("a"), mb(" "), mb("9"), mb(" 9% /")];
    let worst = 0;
    for (const { id, source } of allRegexes) {
      const re = new RegExp(source, "im");
      // The pattern's own letters, repeated: what makes a backtracking engine retry at every offset.
      const own = mb(`${source.replace(/\\[a-z]|[^A-Za-z %:/.-]/g, "") || "x"} `);
      for (const line of [...hostile, own]) {
        const start = performance.now();
        re.test(line);
        const ms = performance.now() - start;
        worst = Math.max(worst, ms);
        expect(ms, `${id}: ${source}`).toBeLessThan(500);
      }
    }
    expect(worst).toBeLessThan(500);
  }, 120_000);
});

const op = (command: string, stdout = "", stderr = "") => analyzer.tags({ command, stdout, stderr });
describe("tags", () => {
  it("tags an OOM kill in dmesg and in journalctl", () => {
    expect(op("dmesg | tail -n 20", DMESG_OOM)).toContain("zzoom");
    const journal = "Jan 20 03:12:09 db-02 kernel: Out of memory: Killed process 2211 (postgres) total-vm:4123456kB";
    expect(op("journalctl -k --since -2h", journal)).toContain("zzoom");
  });

  it("tags a df line at 95 % or more as a full disk, not one at 42 %", () => {
    expect(op("df -h", dfH(100))).toEqual(expect.arrayContaining(["zzdiskfull", "zzdiskusage"]));
    expect(op("df -h", dfH(96))).toContain("zzdiskfull");
    expect(op("df -h", dfH(42))).not.toContain("zzdiskfull");
    expect(op("df -h", dfH(42))).toContain("zzdiskusage");
  });

  it("tags No space left on device in English and French", () => {
    expect(op("cp a /var/www/", "", "cp: error writing '/var/www/a': No space left on device")).toContain("zzdiskfull");
    const fr = "cp: erreur d'écriture de '/var/www/a': Aucun espace disponible sur le périphérique";
    expect(op("cp a /var/www/", "", fr)).toContain("zzdiskfull");
  });

  it("tags inode exhaustion only from df -i", () => {
    const dfi =
      "Filesystem       Inodes   IUsed  IFree IUse% Mounted on\n/dev/sda1       2621440 2621440      0  100% /";
    expect(op("df -i", dfi)).toContain("zzinodeexhaustion");
    expect(op("df -h", dfH(100))).not.toContain("zzinodeexhaustion");
  });

  it("tags apt errors", () => {
    const tags = op(
      "sudo apt-get install -y php7.2-fpm",
      "Reading package lists...",
      "E: Unable to locate package php7.2-fpm",
    );
    expect(tags).toEqual(expect.arrayContaining(["zzpackagemissing", "zzpackageinstall", "zzsudo"]));
    const lock = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2211 (unattended-upgr)";
    expect(op("sudo apt-get upgrade -y", "", lock)).toEqual(expect.arrayContaining(["zzpackagelock", "zzupdates"]));
    const broken =
      "The following packages have unmet dependencies:\n mongodb-org : Depends: libssl1.1 (>= 1.1.1) but it is not installable";
    expect(
      op("apt-get install -y mongodb-org", broken, "E: Unable to correct problems, you have held broken packages."),
    ).toContain("zzpackagebroken");
  });

  it("tags a failed unit in systemctl status", () => {
    const tags = op("systemctl status nginx", FAILED_NGINX_UNIT);
    expect(tags).toEqual(expect.arrayContaining(["zzservicefailed", "zzportinuse", "zznginx", "zzservicestatus"]));
  });

  it("tags failed logins and restarts from journal lines", () => {
    const auth =
      "Jan 21 03:14:07 web-01 sshd[9912]: Failed password for invalid user admin from 185.220.101.7 port 51234 ssh2";
    expect(op("journalctl -u ssh -n 50", auth)).toContain("zzauthfailure");
    expect(op("sudo systemctl restart nginx")).toEqual(expect.arrayContaining(["zzservicerestart", "zznginx"]));
  });

  it("leaves harmless output without incident tags", () => {
    const incidents = [
      "zzoom",
      "zzdiskfull",
      "zzservicefailed",
      "zzpermissiondenied",
      "zzerrors",
      "zzhighload",
      "zzswap",
    ];
    const harmless = [
      op("uptime", " 14:02:11 up 23 days,  4:12,  2 users,  load average: 0.32, 0.41, 0.38"),
      op(
        "ls -la /var/www/html",
        "total 12\ndrwxr-xr-x 3 www-data www-data 4096 Jan 12 10:02 .\n-rw-r--r-- 1 www-data www-data 612 index.html",
      ),
      op("cat /etc/os-release", 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nVERSION_ID="22.04"'),
      op(
        "free -m",
        "               total        used        free\nMem:            7954        2210        4100\nSwap:           2047           0        2047",
      ),
      op('grep -i "out of memory" /var/log/syslog'),
      op(
        "systemctl status nginx",
        "● nginx.service\n     Active: active (running) since Mon 2026-01-05 08:12:44 UTC; 2 weeks ago",
      ),
    ];
    for (const tags of harmless) for (const tag of incidents) expect(tags).not.toContain(tag);
    expect(harmless[0]).toContain("zzuptime");
    expect(harmless[2]).toContain("zzosversion");
  });

  it("looks at the first 30,000 characters of each stream, as stored", () => {
    const padding = "x".repeat(30_000);
    expect(op("dmesg", `${padding}\n${DMESG_OOM}`)).not.toContain("zzoom");
    expect(op("dmesg", padding, DMESG_OOM)).toContain("zzoom");
  });
});
