/**
 * @module Package names as each manager spells them. The shared schema already refuses shell
 * metacharacters; here each manager's own rules are checked, so a name that its manager would
 * read as an option, a removal or a pattern never reaches a command (and every name is still
 * shell-quoted when it does).
 */
import type { PackageManager } from "@telecommande/shared";

/** One requested package, split into what the read-only query and the install need. */
export interface PackageSpec {
  /** As the caller wrote it, and as it is passed to the install command. */
  spec: string;
  name: string;
  /** apt's `:arch` qualifier. */
  arch: string | null;
  /** The version asked for with `=` (apt, apk); RPM names carry theirs inside `spec`. */
  version: string | null;
}

export type CheckedPackage = { ok: true; pkg: PackageSpec } | { ok: false; error: string };

/** Longer than any real package name and version; also bounds what goes into a script. */
export const MAX_SPEC_LENGTH = 200;

// Debian policy: lowercase letters, digits, + - . ; at least two characters; starts with an
// alphanumeric. Versions are [epoch:]upstream[-revision] and start with a digit.
const DEB_NAME = "[a-z0-9][a-z0-9+.-]+";
const DEB_VERSION = "(?:\\d+:)?\\d[A-Za-z0-9.+~-]*";
const APT = new RegExp(`^(${DEB_NAME})(?::([a-z0-9][a-z0-9-]*))?(?:=(${DEB_VERSION}))?$`);

// RPM names: letters, digits and . _ + - ; the name-version-release.arch forms dnf, yum and
// zypper take share those characters, plus `~` in versions and `:` after an epoch.
const RPM = /^[A-Za-z0-9_+][A-Za-z0-9._+~-]*(?:-\d+:[A-Za-z0-9._+~-]+)?$/;

// makepkg: alphanumerics and @ . _ + - , not starting with a dash or a dot. pacman -S installs
// the repository's version only, so no version part.
const PACMAN = /^[A-Za-z0-9@_+][A-Za-z0-9@._+-]*$/;

// apk: the name, optionally `=version` (as 8.9.1-r0, 1.2_rc1-r0).
const APK = /^([A-Za-z0-9][A-Za-z0-9._+-]*)(?:=(\d[A-Za-z0-9._+-]*))?$/;

const RULES: Record<PackageManager, string> = {
  apt: "Debian package names are lowercase letters, digits and + - . (at least 2), optionally :arch and =version",
  dnf: "RPM package names are letters, digits and . _ + -, optionally followed by -version[-release][.arch]",
  yum: "RPM package names are letters, digits and . _ + -, optionally followed by -version[-release][.arch]",
  zypper: "RPM package names are letters, digits and . _ + -, optionally followed by -version[-release][.arch]",
  pacman: "pacman package names are letters, digits and @ . _ + - (not starting with - or .), without a version",
  apk: "apk package names are letters, digits and . _ + -, optionally =version",
};

/** A name as it can be shown in an error: control characters visible, long ones cut. */
function shown(spec: string): string {
  const text = JSON.stringify(spec.length > 60 ? `${spec.slice(0, 60)}…` : spec);
  return spec.length > 60 ? `${text} (${spec.length} characters)` : text;
}

/** Checks one name against `manager`'s rules; the error says which rule it broke. */
export function checkPackage(manager: PackageManager, spec: string): CheckedPackage {
  const refuse = (why: string): CheckedPackage => ({ ok: false, error: `not a valid ${manager} package: ${why}` });
  if (spec.length > MAX_SPEC_LENGTH) return refuse(`${shown(spec)} is longer than ${MAX_SPEC_LENGTH} characters`);
  if (spec.startsWith("-")) return refuse(`${shown(spec)} would be read as an option`);
  const plain: PackageSpec = { spec, name: spec, arch: null, version: null };
  switch (manager) {
    case "apt": {
      const m = APT.exec(spec);
      if (!m?.[1]) return refuse(`${shown(spec)} (${RULES.apt})`);
      // apt-get reads a trailing `-` as "remove this package" (`+` only as "install", as g++ is).
      if (m[1].endsWith("-")) return refuse(`${shown(spec)} ends with -, which apt-get reads as "remove"`);
      return { ok: true, pkg: { spec, name: m[1], arch: m[2] ?? null, version: m[3] ?? null } };
    }
    case "dnf":
    case "yum":
    case "zypper":
      return RPM.test(spec) ? { ok: true, pkg: plain } : refuse(`${shown(spec)} (${RULES[manager]})`);
    case "pacman":
      return PACMAN.test(spec) ? { ok: true, pkg: plain } : refuse(`${shown(spec)} (${RULES.pacman})`);
    case "apk": {
      const m = APK.exec(spec);
      if (!m?.[1]) return refuse(`${shown(spec)} (${RULES.apk})`);
      return { ok: true, pkg: { spec, name: m[1], arch: null, version: m[2] ?? null } };
    }
  }
}
