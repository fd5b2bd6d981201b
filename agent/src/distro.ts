/**
 * @module `distro` jobs: one read-only POSIX sh script prints marked sections (os-release,
 * uname, init, package manager, addresses, user, sudo), parsed into a DistroResult.
 * Anything missing becomes null plus a note, never a failure.
 */
import type { DistroResult } from "@telecommande/shared";

const MARK = "@@tc:";

/** Every section starts on its own line, even after output without a trailing newline. */
export const DISTRO_SCRIPT = `s() { printf '\\n${MARK}%s\\n' "$1"; }
s os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s release-files
for f in /etc/alpine-release /etc/debian_version /etc/redhat-release /etc/arch-release /etc/SuSE-release; do
  if [ -r "$f" ]; then printf '%s=%s\\n' "$f" "$(head -n 1 "$f")"; fi
done
s kernel; uname -s 2>/dev/null
s kernel-release; uname -r 2>/dev/null
s arch; uname -m 2>/dev/null
s init
if [ -d /run/systemd/system ]; then echo systemd; else cat /proc/1/comm 2>/dev/null || ps -p 1 -o comm= 2>/dev/null; fi
s package-manager
for pm in apt-get dnf yum zypper pacman apk; do
  if command -v "$pm" >/dev/null 2>&1; then echo "$pm"; break; fi
done
s hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null
s hostname-i; hostname -I 2>/dev/null
s ip-addr; ip -o addr show 2>/dev/null
s user; id -un 2>/dev/null || whoami 2>/dev/null
s uid; id -u 2>/dev/null
s sudo
if command -v sudo >/dev/null 2>&1; then
  if sudo -n true >/dev/null 2>&1; then echo yes; else echo no; fi
else echo absent; fi
s end
exit 0
`;

/** Splits script output into sections of non-empty, trimmed lines. */
export function parseSections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith(MARK)) {
      current = [];
      sections.set(line.slice(MARK.length), current);
    } else if (line && current) {
      current.push(line);
    }
  }
  return sections;
}

/** os-release is shell-like `KEY=value`, values optionally quoted with shell escapes. */
export function parseOsRelease(lines: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let value = (m[2] ?? "").trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\([\\$"`])/g, "$1");
    }
    out[m[1]] = value;
  }
  return out;
}

const RELEASE_FILES: Record<string, { id: string; name: string }> = {
  "/etc/alpine-release": { id: "alpine", name: "Alpine Linux" },
  "/etc/debian_version": { id: "debian", name: "Debian GNU/Linux" },
  "/etc/redhat-release": { id: "rhel", name: "Red Hat family" },
  "/etc/arch-release": { id: "arch", name: "Arch Linux" },
  "/etc/SuSE-release": { id: "suse", name: "SUSE Linux" },
};

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

/** `hostname -I` first (it already skips loopback); else `ip -o addr`. Loopback only when nothing else. */
export function parseAddresses(hostnameI: string[], ipAddr: string[]): string[] {
  let all = hostnameI.join(" ").split(/\s+/).filter(Boolean);
  if (!all.length) {
    all = ipAddr
      .map((line) => line.split(/\s+/))
      .filter((f) => f[2] === "inet" || f[2] === "inet6")
      .map((f) => (f[3] ?? "").split("/")[0] ?? "")
      .filter(Boolean);
  }
  // Link-local IPv6 is unusable without an interface scope; hostname -I leaves it out too.
  const usable = [...new Set(all)].filter((a) => !a.toLowerCase().startsWith("fe80:"));
  const outside = usable.filter((a) => !isLoopback(a));
  return outside.length ? outside : usable;
}

const PACKAGE_MANAGERS: Record<string, string> = {
  "apt-get": "apt",
  dnf: "dnf",
  yum: "yum",
  zypper: "zypper",
  pacman: "pacman",
  apk: "apk",
};

/** Builds a DistroResult from the script's stdout. Never throws. */
export function parseDistro(stdout: string): DistroResult {
  const sections = parseSections(stdout);
  const notes: string[] = [];
  const first = (name: string): string | null => sections.get(name)?.[0] ?? null;

  const os = parseOsRelease(sections.get("os-release") ?? []);
  const distro: DistroResult["distro"] = {
    id: os.ID ?? null,
    name: os.NAME ?? null,
    version: os.VERSION_ID ?? os.VERSION ?? null,
    pretty_name: os.PRETTY_NAME ?? null,
    id_like: (os.ID_LIKE ?? "").split(/\s+/).filter(Boolean),
  };
  if (!Object.keys(os).length) {
    notes.push("no /etc/os-release");
    for (const line of sections.get("release-files") ?? []) {
      const [file, ...rest] = line.split("=");
      const known = file ? RELEASE_FILES[file] : undefined;
      if (!known) continue;
      const text = rest.join("=").trim();
      distro.id = known.id;
      distro.name = known.name;
      distro.version = /\d+(\.\d+)*/.exec(text)?.[0] ?? null;
      distro.pretty_name = text ? (known.id === "debian" ? `${known.name} ${text}` : text) : known.name;
      notes.push(`distro guessed from ${file}`);
      break;
    }
  }

  const pmRaw = first("package-manager");
  const platform: DistroResult["platform"] = {
    kernel: first("kernel"),
    kernel_release: first("kernel-release"),
    arch: first("arch"),
    init: first("init"),
    package_manager: pmRaw ? (PACKAGE_MANAGERS[pmRaw] ?? pmRaw) : null,
  };
  if (!platform.kernel) notes.push("uname not available");
  if (!platform.init) notes.push("init system unknown");
  if (!platform.package_manager) notes.push("no known package manager found (apt, dnf, yum, zypper, pacman, apk)");

  const addresses = parseAddresses(sections.get("hostname-i") ?? [], sections.get("ip-addr") ?? []);
  const hostname = first("hostname");
  if (!hostname) notes.push("hostname unknown");
  if (!addresses.length) notes.push("no network addresses found");

  const uidText = first("uid");
  const uid = uidText && /^\d+$/.test(uidText) ? Number(uidText) : null;
  const sudo = first("sudo");
  if (uid === null) notes.push("user id unknown (id not available)");
  if (sudo === "absent") notes.push("sudo is not installed");

  if (!sections.has("end")) notes.push("the diagnostics script did not run to the end; some fields may be missing");

  return {
    kind: "distro",
    status: "ok",
    distro,
    platform,
    network: { hostname, addresses },
    user: { name: first("user"), uid, is_root: uid === 0, passwordless_sudo: sudo === "yes" },
    notes,
  };
}
