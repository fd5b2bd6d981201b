/**
 * @module Remote path and mode handling for the file jobs: the temporary name beside a
 * target, the backup name, and permission bits between octal text and numbers. Paths are
 * POSIX and go to SFTP as data: nothing here is ever seen by a shell.
 */
import { randomBytes } from "node:crypto";
import { posix } from "node:path";

/** Mode of a new file when neither the caller nor an old file says otherwise. */
export const DEFAULT_MODE = 0o644;
/** A temporary file is private until its content and mode are final. */
export const TEMP_MODE = 0o600;
/** Longest base name kept in a temporary name: the whole stays under NAME_MAX (255). */
const TEMP_BASE_CHARS = 200;

/** The folder part of `path`, "" for a bare name (SFTP resolves it against the home). */
export function folderOf(path: string): string {
  const dir = posix.dirname(path);
  return dir === "." && !path.startsWith("./") ? "" : dir;
}

/**
 * A fresh temporary name beside `path`, hidden and recognisable: `.name.tc-<random>.tmp`.
 * Long base names are shortened (by characters, kept whole) so the name stays legal.
 */
export function tempPathFor(path: string, random = randomBytes(6).toString("hex")): string {
  const base = Array.from(posix.basename(path)).slice(0, TEMP_BASE_CHARS).join("");
  const name = `.${base}.tc-${random}.tmp`;
  const dir = folderOf(path);
  return dir === "" ? name : posix.join(dir, name);
}

/** Where a backup of `path` goes. */
export function backupPathFor(path: string): string {
  return `${path}.bak`;
}

/** A target path that names a folder, not a file (`/etc/`, `.`): refused for a write. */
export function namesFolder(path: string): boolean {
  return path.endsWith("/") || posix.basename(path) === ".";
}

/** `0644` / `755` / `04755` → the permission bits. */
export function parseMode(text: string): number {
  return Number.parseInt(text, 8) & 0o7777;
}

/** Permission bits → `0644`, `04755`: four digits at least, with the leading zero. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}
