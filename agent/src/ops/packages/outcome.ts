/**
 * @module Reading what the scripts printed: which packages the query found, why a package
 * failed (the manager's own line about it, else the output's last line) and whether sudo
 * refused to run at all. Never throws: missing sections become "unknown".
 */
import type { PackageManager } from "@telecommande/shared";
import type { PackageSpec } from "./names.js";

export const SUDO_PASSWORD =
  "sudo needs a password on this VM: give the SSH user passwordless sudo, or connect as root";
export const NO_SUDO =
  "the SSH user is not root and sudo is not installed on this VM: install sudo, or connect as root";

/** `present`/`absent` per spec from a query section; a spec without a line is left out. */
export function parsePresence(lines: readonly string[]): Map<string, boolean> {
  const found = new Map<string, boolean>();
  for (const line of lines) {
    const m = /^(present|absent) (\S+)$/.exec(line);
    if (m?.[1] && m[2]) found.set(m[2], m[1] === "present");
  }
  return found;
}

/** An exit code from its section, or null when the command did not run (or never ended). */
export function parseCode(lines: readonly string[] | undefined): number | null {
  const text = lines?.[0];
  return text && /^\d+$/.test(text) ? Number(text) : null;
}

/** Why sudo would not run the command, or null when it did. */
export function sudoRefusal(lines: readonly string[]): string | null {
  for (const line of lines) {
    if (/^sudo: (a password is required|a terminal is required|no tty present)/.test(line)) return SUDO_PASSWORD;
    if (/is not in the sudoers file|is not allowed to (execute|run sudo)|may not run sudo/.test(line)) {
      return `sudo refused the SSH user on this VM: ${line.replace(/\s+This incident.*$/, "")}`;
    }
  }
  return null;
}

/** Per manager: lines naming one package, the name (or name:arch, or spec) in group 1. */
const PACKAGE_ERRORS: Record<PackageManager, RegExp[]> = {
  apt: [
    /^E: Unable to locate package (\S+)/,
    /^E: Package '([^']+)' has no installation candidate/,
    /^E: Version '[^']+' for '([^']+)' was not found/,
    /^E: Couldn't find any package by (?:glob|regex) '([^']+)'/,
  ],
  dnf: [/^No match for argument: (\S+)/, /^Error: Unable to find a match: (\S+)$/],
  yum: [/^No package (\S+) available\./],
  zypper: [/^No provider of '([^']+)' found\./, /^Package '([^']+)' not found\./],
  pacman: [/^error: target not found: (\S+)/],
  // Indented under `ERROR: unable to select packages:` (the section trims the indent).
  apk: [/^(\S+) \([^)]*\):?$/, /^breaks: world\[([^\]]+)\]/],
};

/** apk's reason lines say nothing alone: they are reported under the ERROR line above them. */
function apkLine(line: string): string {
  return `ERROR: unable to select packages: ${line.replace(/:$/, "")}`;
}

/** The manager's line about each package it refused, keyed by the requested spec. */
export function packageErrors(
  manager: PackageManager,
  lines: readonly string[],
  pkgs: readonly PackageSpec[],
): Map<string, string> {
  const errors = new Map<string, string>();
  for (const line of lines) {
    for (const pattern of PACKAGE_ERRORS[manager]) {
      const named = pattern.exec(line)?.[1];
      if (!named) continue;
      const pkg = pkgs.find((p) => [p.spec, p.name, p.arch ? `${p.name}:${p.arch}` : ""].includes(named));
      if (pkg && !errors.has(pkg.spec)) errors.set(pkg.spec, manager === "apk" ? apkLine(line) : line);
    }
  }
  return errors;
}

/** `E: Unable to…` → `Unable to…`, for the one-line summary. */
function bare(error: string): string {
  return error.replace(/^(E|Error|ERROR|error): /, "");
}

/**
 * The VM's one-line reason: `1 of 2 packages failed: foo (Unable to locate package foo)`;
 * packages failing for the same reason share it.
 */
export function failureSummary(failed: readonly { package: string; error: string }[], total: number): string | null {
  if (!failed.length) return null;
  const byError = new Map<string, string[]>();
  for (const f of failed) byError.set(f.error, [...(byError.get(f.error) ?? []), f.package]);
  const parts = [...byError].map(([error, names]) => `${names.join(", ")} (${bare(error)})`);
  const noun = total === 1 ? "package" : "packages";
  const text = `${failed.length} of ${total} ${noun} failed: ${parts.join("; ")}`.replace(/\s+/g, " ");
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
