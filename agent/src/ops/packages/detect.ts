/**
 * @module Which package manager a VM uses and how the SSH user may run it, found once per VM
 * by a cheap read-only script and kept in the task memo for the agent's lifetime.
 * os-release says which family the distro belongs to; `command -v` says what is really
 * installed (a Fedora with a stray apt-get, a minimal image without dnf).
 */
import { type PackageManager, PackageManagerSchema } from "@telecommande/shared";
import { parseOsRelease, parseSections } from "../../distro.js";

/** How install commands get root: directly, through `sudo -n`, or not at all. */
export type Privilege = "root" | "sudo" | "none";

export interface PackageSetup {
  manager: PackageManager;
  privilege: Privilege;
}

export interface Detection {
  /** null when no supported manager is installed. */
  setup: PackageSetup | null;
  /** The programs found, for the error when nothing fits. */
  found: string[];
}

/** Memo keys: other tasks may read the manager too. */
export const MEMO_MANAGER = "package_manager";
export const MEMO_PRIVILEGE = "package_privilege";

export const DETECT_LABEL = "detect package manager: cat /etc/os-release; id -u; command -v apt-get dnf yum …";

/** The command each manager is recognised by: `apt` alone is also a Java tool on some distros. */
const PROGRAMS: Record<PackageManager, string> = {
  apt: "apt-get",
  dnf: "dnf",
  yum: "yum",
  zypper: "zypper",
  pacman: "pacman",
  apk: "apk",
};

/** Reads only; always exits 0. Sections use distro.ts's marker so `parseSections` reads them. */
export const DETECT_SCRIPT = `s() { printf '\\n@@tc:%s\\n' "$1"; }
s os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s programs
for c in ${Object.values(PROGRAMS).join(" ")} sudo; do
  if command -v "$c" >/dev/null 2>&1; then echo "$c"; fi
done
s uid; id -u 2>/dev/null
s end
exit 0
`;

/** Distro ids (ID or an ID_LIKE word) and their managers, the preferred first: dnf over yum. */
const FAMILIES: [RegExp, PackageManager[]][] = [
  [/^(debian|ubuntu|raspbian|linuxmint|pop|kali|elementary|devuan|neon)$/, ["apt"]],
  [/^(fedora|rhel|centos|rocky|almalinux|ol|amzn|scientific|cloudlinux|eurolinux|nobara)$/, ["dnf", "yum"]],
  [/^(suse|opensuse.*|sles|sled|sle-micro)$/, ["zypper"]],
  [/^(arch|archarm|manjaro|endeavouros|garuda|artix)$/, ["pacman"]],
  [/^(alpine|postmarketos)$/, ["apk"]],
];

/** The global order when os-release names no known family. */
const FALLBACK_ORDER: PackageManager[] = ["apt", "dnf", "yum", "zypper", "pacman", "apk"];

/**
 * The distro's own manager when it is installed (its ID first, then ID_LIKE in order), else
 * the first installed in FALLBACK_ORDER; null when none is.
 */
export function chooseManager(os: Record<string, string>, programs: ReadonlySet<string>): PackageManager | null {
  const installed = (pm: PackageManager) => programs.has(PROGRAMS[pm]);
  const ids = [os.ID ?? "", ...(os.ID_LIKE ?? "").split(/\s+/)].map((id) => id.toLowerCase()).filter(Boolean);
  for (const id of ids) {
    const family = FAMILIES.find(([pattern]) => pattern.test(id))?.[1] ?? [];
    const pick = family.find(installed);
    if (pick) return pick;
  }
  return FALLBACK_ORDER.find(installed) ?? null;
}

/** Builds a Detection from DETECT_SCRIPT's stdout. Never throws. */
export function parseDetection(stdout: string): Detection {
  const sections = parseSections(stdout);
  const found = sections.get("programs") ?? [];
  const programs = new Set(found);
  const manager = chooseManager(parseOsRelease(sections.get("os-release") ?? []), programs);
  const uid = sections.get("uid")?.[0];
  const privilege: Privilege = uid === "0" ? "root" : programs.has("sudo") ? "sudo" : "none";
  return { setup: manager ? { manager, privilege } : null, found };
}

/** What the memo remembers of this VM, or null before the first detection. */
export function rememberedSetup(memo: Map<string, string>): PackageSetup | null {
  const manager = PackageManagerSchema.safeParse(memo.get(MEMO_MANAGER));
  const privilege = memo.get(MEMO_PRIVILEGE);
  if (!manager.success || (privilege !== "root" && privilege !== "sudo" && privilege !== "none")) return null;
  return { manager: manager.data, privilege };
}

export function rememberSetup(memo: Map<string, string>, setup: PackageSetup): void {
  memo.set(MEMO_MANAGER, setup.manager);
  memo.set(MEMO_PRIVILEGE, setup.privilege);
}
