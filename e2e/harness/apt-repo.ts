/**
 * @module A local apt repository for the install tests: one tiny package built with
 * dpkg-deb, served from a `file:` source, so apt-get installs it for real without any
 * network. Only this source's index is refreshed; everything is undone by `remove()`.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const PROBE_PACKAGE = "telecommande-e2e-probe";
const LIST_FILE = "/etc/apt/sources.list.d/telecommande-e2e.list";
const LISTS_DIR = "/var/lib/apt/lists";

export interface AptRepo {
  dir: string;
  /** Whether the probe package is installed on this machine (dpkg's view). */
  installed: () => boolean;
  /** Purges the probe package, so the next install installs it. */
  purge: () => void;
  remove: () => void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });

function buildDeb(dir: string): string {
  const root = path.join(dir, "build");
  mkdirSync(path.join(root, "DEBIAN"), { recursive: true });
  mkdirSync(path.join(root, "usr/share/doc", PROBE_PACKAGE), { recursive: true });
  writeFileSync(path.join(root, "usr/share/doc", PROBE_PACKAGE, "README"), "installed by the e2e tests\n");
  writeFileSync(
    path.join(root, "DEBIAN/control"),
    [
      `Package: ${PROBE_PACKAGE}`,
      "Version: 1.0",
      "Architecture: all",
      "Maintainer: La Telecommande tests <tests@localhost>",
      "Description: empty package the e2e tests install and purge",
      "",
    ].join("\n"),
  );
  const deb = path.join(dir, `${PROBE_PACKAGE}_1.0_all.deb`);
  run("dpkg-deb", ["--root-owner-group", "--build", root, deb]);
  rmSync(root, { recursive: true });
  return deb;
}

function writeIndex(dir: string, deb: string): void {
  const bytes = readFileSync(deb);
  const hash = (algo: string) => createHash(algo).update(bytes).digest("hex");
  const control = run("dpkg-deb", ["--field", deb]).trimEnd();
  const entry = [
    control,
    `Filename: ./${path.basename(deb)}`,
    `Size: ${bytes.length}`,
    `MD5sum: ${hash("md5")}`,
    `SHA256: ${hash("sha256")}`,
    "",
    "",
  ];
  writeFileSync(path.join(dir, "Packages"), entry.join("\n"));
}

/** The source's index files under /var/lib/apt/lists (named after the repo's path). */
function listFilesOf(dir: string): string[] {
  const stem = dir.replace(/^\//, "").replace(/\//g, "_");
  return readdirSync(LISTS_DIR).filter((f) => f.startsWith(stem));
}

export function startAptRepo(): AptRepo {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tlc-apt-"));
  chmodSync(dir, 0o755);
  const deb = buildDeb(dir);
  writeIndex(dir, deb);
  writeFileSync(LIST_FILE, `deb [trusted=yes] file:${dir} ./\n`);
  // Refresh this source alone: no other index is touched, nothing goes to the network.
  run("apt-get", [
    "update",
    "-qq",
    "-o",
    `Dir::Etc::SourceList=${LIST_FILE}`,
    "-o",
    "Dir::Etc::SourceParts=-",
    "-o",
    "APT::Get::List-Cleanup=0",
  ]);
  const installed = () => {
    try {
      return run("dpkg-query", ["--status", PROBE_PACKAGE]).includes("install ok installed");
    } catch {
      return false;
    }
  };
  const purge = () => {
    if (installed()) run("dpkg", ["--purge", PROBE_PACKAGE]);
  };
  return {
    dir,
    installed,
    purge,
    remove: () => {
      purge();
      rmSync(LIST_FILE, { force: true });
      for (const f of listFilesOf(dir)) rmSync(path.join(LISTS_DIR, f), { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Passwordless sudo for the test user while a test needs it (the installs), removed after. */
export function grantSudo(user: string): () => void {
  const file = `/etc/sudoers.d/telecommande-e2e-${user}`;
  writeFileSync(file, `${user} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
  return () => rmSync(file, { force: true });
}
