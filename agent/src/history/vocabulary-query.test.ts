import { describe, expect, it } from "vitest";
import { ftsTable, validExpression } from "../testing/fts-expression.js";
import { DMESG_OOM, dfH, FAILED_NGINX_UNIT } from "../testing/operation-samples.js";
import { stem, vocabularyAnalyzer } from "./vocabulary.js";

const analyzer = vocabularyAnalyzer;

const EXPECTED: [string, string[]][] = [
  ["which box ran out of memory", ["zzoom"]],
  ["box is out of RAM", ["zzoom"]],
  ["which node got OOM-killed", ["zzoom"]],
  ["quelle machine a manqué de mémoire", ["zzoom"]],
  ["memoire insuffisante sur quelle machine", ["zzoom"]],
  ["plus de mémoire sur db-02 ?", ["zzoom"]],
  ["quels serveurs ont un disque plein", ["zzdiskfull"]],
  ["plus de place sur le disque", ["zzdiskfull"]],
  ["partition saturée", ["zzdiskfull"]],
  ["Disks full anywhere?", ["zzdiskfull"]],
  ["who restarted nginx", ["zznginx", "zzservicerestart"]],
  ["qui a redémarré nginx", ["zznginx", "zzservicerestart"]],
  ["which services failed to start", ["zzservicefailed"]],
  ["services qui ne démarrent pas", ["zzservicefailed"]],
  ["permission denied on /etc/shadow", ["zzpermissiondenied"]],
  ["accès refusé", ["zzpermissiondenied"]],
  ["connexion refusée sur la base de données", ["zzconnectionrefused"]],
  ["dns resolution failures", ["zzdnsfailure"]],
  ["problèmes de résolution dns", ["zzdnsfailure"]],
  ["expired ssl certificate", ["zzcertexpired"]],
  ["certificat expiré", ["zzcertexpired"]],
  ["address already in use", ["zzportinuse"]],
  ["erreur de segmentation", ["zzsegfault"]],
  ["kernel panic", ["zzkernelpanic"]],
  ["failed ssh login attempts", ["zzauthfailure"]],
  ["système de fichiers en lecture seule", ["zzreadonlyfs"]],
  ["docker containers that keep restarting", ["zzcontainerdown", "zzdocker"]],
  ["conteneurs docker qui redémarrent en boucle", ["zzcontainerdown"]],
  ["mises à jour de sécurité en attente", ["zzupdates"]],
  ["horloge désynchronisée", ["zzclockunsync"]],
  ["trop de fichiers ouverts", ["zzopenfiles"]],
  ["did last night's backup fail", ["zzbackupfailed"]],
];

const HOSTILE = [
  'NEAR("a" "b", 3)',
  'oom" OR 1=1; DROP TABLE operations; --',
  "command:reboot AND -stdout:*",
  "((((((((((",
  ")))",
  '"unbalanced',
  "***",
  "AND OR NOT",
  "disk^full {stdout} : x",
  "- - -",
  "'; SELECT * FROM operations_fts WHERE operations_fts MATCH 'x",
  "ÉCHEC du démarrage ? « nginx » — 100 %",
  "a\u0000b\u202ec\ud83d\ude00 emoji 🔥 out of memory",
  "x".repeat(100_000),
  "word ".repeat(5_000),
];

describe("ftsQuery", () => {
  it.each(EXPECTED)("%s", (question, tags) => {
    const expr = analyzer.ftsQuery(question) ?? "";
    for (const tag of tags) expect(expr.split(" OR ")).toContain(tag);
    expect(validExpression(expr)).toBe(true);
  });

  it("reads unaccented French as accented", () => {
    expect(analyzer.ftsQuery("memoire insuffisante")).toBe(analyzer.ftsQuery("mémoire insuffisante"));
    expect(analyzer.ftsQuery("systeme de fichiers en lecture seule")).toBe(
      analyzer.ftsQuery("Système de fichiers en lecture seule"),
    );
  });

  it("prefers the longer phrase: the most memory is usage, not an OOM", () => {
    const expr = analyzer.ftsQuery("qui consomme le plus de mémoire") ?? "";
    expect(expr).toContain("zzmemoryusage");
    expect(expr).not.toContain("zzoom");
  });

  it("drops a generic concept when a specific one is named", () => {
    const expr = analyzer.ftsQuery("dns resolution failures") ?? "";
    expect(expr).not.toContain("zzerrors");
    expect(analyzer.ftsQuery("any errors?")).toContain("zzerrors");
  });

  it("adds the remaining words, as prefixes when long enough", () => {
    expect(analyzer.ftsQuery("which box ran out of memory")).not.toMatch(/"box"|"which"/);
    expect(analyzer.ftsQuery("gunicorn workers on 10.0.4.12")).toBe(
      '"gunicorn"* OR "worker"* OR "10" OR "0" OR "4" OR "12"',
    );
    expect(stem("restarted")).toBe("restart");
    expect(stem("serveurs")).toBe("serveur");
  });

  it("returns null when nothing is searchable", () => {
    for (const q of ["", "   ", "?!", "the of a", "quels sont les"]) expect(analyzer.ftsQuery(q)).toBeNull();
  });

  it("checks expressions with a grammar that rejects what FTS5 would", () => {
    for (const ok of ['zzoom OR "out of memory" OR "memoi"*', '("a" AND b) OR c*'])
      expect(validExpression(ok)).toBe(true);
    for (const bad of [
      '"a" OR',
      "(a",
      "a)",
      "NEAR(a b)",
      "a:b",
      '"a"b"',
      "OR a",
      "a OR OR b",
      "NOT",
      "a - b",
      "{a} : b",
    ]) {
      expect(validExpression(bad), bad).toBe(false);
    }
  });

  it("turns hostile questions into valid expressions of bounded size", () => {
    for (const q of HOSTILE) {
      const expr = analyzer.ftsQuery(q);
      if (expr === null) continue;
      expect(validExpression(expr), `${q.slice(0, 40)} → ${expr.slice(0, 200)}`).toBe(true);
      expect(expr.length).toBeLessThan(4_000);
    }
  });

  it("gives expressions SQLite accepts and that rank the right operation first", async () => {
    for (const tokenize of ["unicode61 remove_diacritics 2 tokenchars '_'", "unicode61"]) {
      const db = await ftsTable(tokenize);
      const questions = [...HOSTILE, ...EXPECTED.map(([q]) => q)];
      for (const q of questions) {
        const expr = analyzer.ftsQuery(q);
        if (expr !== null) expect(validExpression(expr)).toBe(true);
      }
      if (!db) continue;
      const ops = [
        { command: "dmesg | tail -n 20", stdout: DMESG_OOM, stderr: "" },
        { command: "df -h", stdout: dfH(100), stderr: "" },
        { command: "df -h", stdout: dfH(42), stderr: "" },
        { command: 'grep -i "out of memory" /var/log/syslog', stdout: "", stderr: "" },
        { command: "free -m", stdout: "Mem:  7954  2210  4100\nSwap:  2047  0  2047", stderr: "" },
        { command: "systemctl status nginx", stdout: FAILED_NGINX_UNIT, stderr: "" },
      ];
      const insert = db.prepare("INSERT INTO f (rowid, command, stdout, stderr, tags) VALUES (?, ?, ?, ?, ?)");
      ops.forEach((o, i) => {
        insert.run(i + 1, o.command, o.stdout, o.stderr, analyzer.tags(o).join(" "));
      });
      const search = db.prepare("SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 1, 1, 1.2, 2) LIMIT 3");
      for (const q of questions) {
        const expr = analyzer.ftsQuery(q);
        if (expr !== null) expect(() => search.all(expr), q.slice(0, 40)).not.toThrow();
      }
      const top = (q: string) => search.all(analyzer.ftsQuery(q))[0]?.rowid;
      expect(top("which box ran out of memory")).toBe(1);
      expect(top("quels serveurs ont un disque plein")).toBe(2);
      expect(top("qui a redémarré nginx ou pourquoi il ne démarre pas")).toBe(6);
    }
  });
});
