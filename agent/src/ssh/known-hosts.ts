/**
 * @module OpenSSH key formats: fingerprints, pinned `host_key` values and known_hosts
 * lines (plain, `[host]:port`, comma lists, wildcards, negations and hashed `|1|` hosts).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The algorithm name at the head of an SSH wire-format public key (`ssh-ed25519`, …). */
export function keyTypeOf(keyBlob: Buffer): string | null {
  if (keyBlob.length < 4) return null;
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return null;
  return keyBlob.subarray(4, 4 + len).toString("latin1");
}

/** A configured `host_key`: either a fingerprint or a full public key. */
export type Pin = { fingerprint: string } | { type: string; blob: Buffer };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses a `host_key` value; null when it is neither `SHA256:…` nor `<type> <base64> [comment]`. */
export function parsePin(value: string): Pin | null {
  const text = value.trim();
  const fp = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text);
  if (fp) return { fingerprint: `SHA256:${fp[1]}` };
  const [type, data] = text.split(/\s+/);
  if (!type || !data || !BASE64.test(data)) return null;
  const blob = Buffer.from(data, "base64");
  if (keyTypeOf(blob) !== type) return null;
  return { type, blob };
}

export function pinMatches(pin: Pin, keyBlob: Buffer): boolean {
  if ("fingerprint" in pin) return pin.fingerprint === fingerprint(keyBlob);
  return pin.blob.equals(keyBlob);
}

export function pinFingerprint(pin: Pin): string {
  return "fingerprint" in pin ? pin.fingerprint : fingerprint(pin.blob);
}

export interface KnownHostEntry {
  marker: "revoked" | "cert-authority" | null;
  /** Host patterns of a plain entry; empty for a hashed one. */
  patterns: string[];
  hashed: { salt: Buffer; hash: Buffer } | null;
  type: string;
  blob: Buffer;
  line: number;
}

/** Parses known_hosts text; lines that do not parse are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith("#")) return;
    let marker: KnownHostEntry["marker"] = null;
    if (fields[0].startsWith("@")) {
      const name = fields.shift()?.slice(1);
      if (name !== "revoked" && name !== "cert-authority") return;
      marker = name;
    }
    const [hosts, type, data] = fields;
    if (!hosts || !type || !data || !BASE64.test(data)) return;
    const blob = Buffer.from(data, "base64");
    let hashed: KnownHostEntry["hashed"] = null;
    let patterns: string[] = [];
    if (hosts.startsWith("|1|")) {
      const [, , salt, hash] = hosts.split("|");
      if (!salt || !hash) return;
      hashed = { salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
    } else {
      patterns = hosts.split(",").filter(Boolean);
    }
    entries.push({ marker, patterns, hashed, type, blob, line: index + 1 });
  });
  return entries;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; lower-cased. */
export function hostToken(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

function wildcard(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(text);
}

/** OpenSSH semantics: any negated pattern that matches vetoes the entry. */
function patternsMatch(patterns: string[], token: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = (negated ? raw.slice(1) : raw).toLowerCase();
    if (wildcard(pattern, token)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function entryMatchesHost(entry: KnownHostEntry, token: string): boolean {
  if (entry.hashed) {
    const digest = createHmac("sha1", entry.hashed.salt).update(token).digest();
    return digest.length === entry.hashed.hash.length && timingSafeEqual(digest, entry.hashed.hash);
  }
  return patternsMatch(entry.patterns, token);
}

/** Hashes a host token the way `ssh-keygen -H` does (used by tests and for parity). */
export function hashHostToken(token: string, salt: Buffer): string {
  const hash = createHmac("sha1", salt).update(token).digest("base64");
  return `|1|${salt.toString("base64")}|${hash}`;
}

/** One known_hosts line for a newly trusted key. */
export function formatKnownHostsLine(token: string, keyBlob: Buffer): string {
  return `${token} ${keyTypeOf(keyBlob) ?? "unknown"} ${keyBlob.toString("base64")}`;
}
