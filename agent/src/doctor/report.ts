/**
 * @module The doctor's findings: one row per check, printed as an aligned table (or JSON)
 * with a one-line verdict. Rendering masks the token, passphrases and any private key a
 * message might carry, whatever the checks put in their rows.
 */
import { maskSecrets } from "../log.js";

export type Verdict = "ok" | "warn" | "FAIL";

export interface Row {
  /** What was checked: `config`, `key`, `tcp`, `host key`, `ssh`, `command`, `edge url`, … */
  check: string;
  /** What it was checked on: the config file, a VM, the edge. */
  target: string;
  verdict: Verdict;
  /** What was found; may span lines (every config problem, say). */
  detail: string;
  /** What to do about it; empty when there is nothing to do. */
  fix: string;
}

export const ok = (check: string, target: string, detail: string): Row => ({
  check,
  target,
  verdict: "ok",
  detail,
  fix: "",
});
export const warn = (check: string, target: string, detail: string, fix: string): Row => ({
  check,
  target,
  verdict: "warn",
  detail,
  fix,
});
export const fail = (check: string, target: string, detail: string, fix: string): Row => ({
  check,
  target,
  verdict: "FAIL",
  detail,
  fix,
});

/** 1 when any check failed, else 0: the doctor's exit code. */
export function exitCodeOf(rows: Row[]): 0 | 1 {
  return rows.some((r) => r.verdict === "FAIL") ? 1 : 0;
}

/** The last line: "all checks passed", or how many problems and where. */
export function summaryOf(rows: Row[]): string {
  const failed = rows.filter((r) => r.verdict === "FAIL");
  const warned = rows.filter((r) => r.verdict === "warn").length;
  const warnings = warned ? `${warned} warning${warned === 1 ? "" : "s"}` : "";
  if (!failed.length) return `all checks passed${warnings ? ` (${warnings})` : ""}`;
  const where = failed.map((r) => `${r.check} ${r.target}`).join(", ");
  const n = failed.length;
  return `${n} problem${n === 1 ? "" : "s"}: ${where}${warnings ? `; ${warnings}` : ""}`;
}

const HEAD = { check: "CHECK", target: "TARGET", verdict: "VERDICT", detail: "DETAIL", fix: "" };

/**
 * The table: the first three columns padded to their widest cell; a multi-line detail and
 * the fix go on continuation lines under the detail, so each row stays readable in a
 * terminal without wrapping into the next one.
 */
export function renderTable(rows: Row[], secrets: string[]): string {
  const widths = [0, 0, 0];
  for (const r of [HEAD, ...rows]) {
    widths[0] = Math.max(widths[0] ?? 0, r.check.length);
    widths[1] = Math.max(widths[1] ?? 0, r.target.length);
    widths[2] = Math.max(widths[2] ?? 0, r.verdict.length);
  }
  const indent = " ".repeat(widths.reduce((a, b) => a + b + 2, 0));
  const line = (r: { check: string; target: string; verdict: string }) =>
    `${r.check.padEnd(widths[0] ?? 0)}  ${r.target.padEnd(widths[1] ?? 0)}  ${r.verdict.padEnd(widths[2] ?? 0)}  `;
  const out = [`${line(HEAD)}${HEAD.detail}`];
  for (const r of rows) {
    const [first = "", ...more] = r.detail.split("\n");
    out.push(`${line(r)}${first}`.trimEnd());
    for (const m of more) out.push(`${indent}${m}`.trimEnd());
    if (r.fix) out.push(`${indent}fix: ${r.fix}`);
  }
  out.push("", summaryOf(rows));
  return `${maskSecrets(out.join("\n"), secrets)}\n`;
}

/** The rows as JSON, with the summary: for scripts and monitoring. */
export function renderJson(rows: Row[], secrets: string[]): string {
  const problems = rows.filter((r) => r.verdict === "FAIL").length;
  const warnings = rows.filter((r) => r.verdict === "warn").length;
  const body = JSON.stringify({ ok: problems === 0, problems, warnings, summary: summaryOf(rows), rows }, null, 2);
  return `${maskSecrets(body, secrets)}\n`;
}
