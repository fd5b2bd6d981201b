/**
 * @module The exact command lines of each manager: non-interactive installs and index
 * refreshes (with `sudo -n` for a user that is not root), and the read-only "is it
 * installed?" query. Every package name is shell-quoted, even after validation.
 */
import type { PackageManager } from "@telecommande/shared";
import { shellQuote } from "../../ssh/quote.js";
import type { Privilege } from "./detect.js";
import type { PackageSpec } from "./names.js";

/** `-n`: fail at once instead of waiting for a password nobody can type (stdin is /dev/null). */
const SUDO = "sudo -n ";

const INSTALL: Record<PackageManager, string> = {
  apt: "apt-get install -y",
  dnf: "dnf -y install",
  yum: "yum -y install",
  zypper: "zypper --non-interactive install",
  pacman: "pacman -S --noconfirm --needed",
  apk: "apk add",
};

const UPDATE: Record<PackageManager, string | null> = {
  apt: "apt-get update",
  dnf: "dnf makecache",
  yum: "yum makecache",
  zypper: "zypper --non-interactive refresh",
  // Refreshing alone then installing is a partial upgrade: the refresh goes into -Sy instead.
  pacman: null,
  apk: "apk update",
};

function privileged(command: string, privilege: Privilege): string {
  return privilege === "sudo" ? `${SUDO}${command}` : command;
}

/** The index refresh to run before the install, or null (none asked, or folded into it). */
export function updateCommand(manager: PackageManager, privilege: Privilege, updateIndex: boolean): string | null {
  const update = UPDATE[manager];
  return updateIndex && update ? privileged(update, privilege) : null;
}

export function installCommand(
  manager: PackageManager,
  privilege: Privilege,
  specs: readonly string[],
  updateIndex: boolean,
): string {
  const args = specs.map(shellQuote).join(" ");
  if (manager === "apt") {
    // debconf must not prompt; sudo resets the environment, so env sets it past sudo.
    const env = privilege === "sudo" ? `${SUDO}env ` : "";
    return `${env}DEBIAN_FRONTEND=noninteractive ${INSTALL.apt} ${args}`;
  }
  const install = manager === "pacman" && updateIndex ? "pacman -Sy --noconfirm --needed" : INSTALL[manager];
  return privileged(`${install} ${args}`, privilege);
}

/**
 * A sh function `q` that exits 0 when the package given as its arguments is installed. Runs
 * unprivileged: every one of these reads the package database only.
 */
export function queryFunction(manager: PackageManager): string {
  switch (manager) {
    case "apt":
      // `$1` is name[:arch], `$2` the version asked for or empty. Status-Abbrev's second
      // letter is `i` only when installed (not `un` known-but-absent or `rc` config left).
      return (
        // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not JS.
        "q() { dpkg-query -W -f='${db:Status-Abbrev}|${Version}\\n' \"$1\" 2>/dev/null |" +
        " awk -F'|' -v want=\"$2\" '$1 ~ /^.i/ && (want == \"\" || $2 == want) { found = 1 } END { exit !found }'; }"
      );
    case "dnf":
    case "yum":
    case "zypper":
      // rpm -q matches name, name-version[-release] and name.arch alike.
      return 'q() { rpm -q "$1" >/dev/null 2>&1; }';
    case "pacman":
      return 'q() { pacman -Q "$1" >/dev/null 2>&1; }';
    case "apk":
      // apk info -e takes name=version constraints too.
      return 'q() { apk info -e "$1" >/dev/null 2>&1; }';
  }
}

/** The arguments `q` gets for one package, quoted. */
export function queryArgs(manager: PackageManager, pkg: PackageSpec): string {
  if (manager !== "apt") return shellQuote(pkg.spec);
  const name = pkg.arch ? `${pkg.name}:${pkg.arch}` : pkg.name;
  return `${shellQuote(name)} ${shellQuote(pkg.version ?? "")}`;
}

/** How the read-only query is named in the history. */
export function queryLabel(manager: PackageManager, pkgs: readonly PackageSpec[]): string {
  const verb = {
    apt: "dpkg-query -W",
    dnf: "rpm -q",
    yum: "rpm -q",
    zypper: "rpm -q",
    pacman: "pacman -Q",
    apk: "apk info -e",
  };
  const word = (p: PackageSpec) => (manager === "apt" ? (p.arch ? `${p.name}:${p.arch}` : p.name) : p.spec);
  return `${verb[manager]} ${pkgs.map((p) => shellQuote(word(p))).join(" ")}`;
}
