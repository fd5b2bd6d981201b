/**
 * @module Host key policy: a VM's pinned `host_key` wins; else known_hosts entries
 * (a user-supplied file plus the agent's own); else trust on first use, recorded in
 * `<data-dir>/known_hosts`. A known key that does not match is always refused.
 *
 * Keys trusted on first use are also kept in memory: a data dir that cannot be written (or
 * a file edited behind the agent's back) never makes the agent forget a key it accepted, so
 * a second, different key for the same host is refused for the agent's whole life. In
 * strict mode nothing is trusted on first use: an unknown host is refused.
 */
import { appendFile, chmod, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  entryMatchesHost,
  fingerprint,
  formatKnownHostsLine,
  hostToken,
  type KnownHostEntry,
  keyTypeOf,
  parseKnownHosts,
  parsePin,
  pinFingerprint,
  pinMatches,
} from "./known-hosts.js";

export interface HostIdentity {
  name: string;
  host: string;
  port: number;
  host_key?: string | undefined;
}

export type HostKeyDecision =
  | { ok: true; source: "pinned" | "known_hosts" | "tofu"; fingerprint: string; file?: string; saved?: boolean }
  | {
      ok: false;
      source: "pinned" | "known_hosts" | "revoked" | "unknown";
      expected: string;
      got: string;
      file?: string;
    };

export interface HostKeyStoreOptions {
  /** The agent's own file, where first-use keys are written. */
  ownFile: string;
  /** Extra read-only known_hosts files (e.g. `--known-hosts`), consulted first. */
  extraFiles?: string[];
  /** Refuse hosts with no pinned key and no known_hosts entry instead of trusting them on first use. */
  strict?: boolean;
}

/** Where a key trusted on first use is remembered when it could not be written to disk. */
const IN_MEMORY = "(memory: the known_hosts file could not be written)";

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "";
    throw err;
  }
}

export class HostKeyStore {
  /** Serializes first-use writes so two connections to one new host add one line, not two. */
  private writing: Promise<unknown> = Promise.resolve();
  /** Keys this process trusted on first use, by host token, whatever the disk says. */
  private readonly trusted = new Map<string, Buffer>();

  constructor(private readonly options: HostKeyStoreOptions) {}

  get files(): string[] {
    return [...(this.options.extraFiles ?? []), this.options.ownFile];
  }

  /** Decides whether `keyBlob`, presented by `vm`'s server, may be trusted. */
  async check(vm: HostIdentity, keyBlob: Buffer): Promise<HostKeyDecision> {
    const got = fingerprint(keyBlob);
    if (vm.host_key) {
      const pin = parsePin(vm.host_key);
      // Config loading rejects unparsable pins; refusing here too keeps a bad pin from ever meaning "anything".
      if (!pin) return { ok: false, source: "pinned", expected: "(unparsable host_key)", got };
      return pinMatches(pin, keyBlob)
        ? { ok: true, source: "pinned", fingerprint: got }
        : { ok: false, source: "pinned", expected: pinFingerprint(pin), got };
    }

    const token = hostToken(vm.host, vm.port);
    const known = await this.lookup(token);
    const revoked = known.find((k) => k.entry.marker === "revoked" && k.entry.blob.equals(keyBlob));
    if (revoked)
      return { ok: false, source: "revoked", expected: "(a key not marked @revoked)", got, file: revoked.file };
    const candidates = known.filter((k) => k.entry.marker === null);
    const match = candidates.find((k) => k.entry.blob.equals(keyBlob));
    if (match) return { ok: true, source: "known_hosts", fingerprint: got, file: match.file };
    if (candidates.length) {
      // Show the key of the same type when there is one: that is the one the server should have sent.
      const type = keyTypeOf(keyBlob);
      const expected = candidates.find((k) => k.entry.type === type) ?? candidates[0];
      return {
        ok: false,
        source: "known_hosts",
        expected: expected ? fingerprint(expected.entry.blob) : "(unknown)",
        got,
        file: expected?.file,
      };
    }
    if (this.options.strict) {
      return { ok: false, source: "unknown", expected: "(a pinned host_key or a known_hosts entry)", got };
    }
    return this.trustOnFirstUse(token, keyBlob, got);
  }

  get strict(): boolean {
    return this.options.strict === true;
  }

  private async lookup(token: string): Promise<{ entry: KnownHostEntry; file: string }[]> {
    const found: { entry: KnownHostEntry; file: string }[] = [];
    // Read on every connect: files are small, and edits then apply without a restart.
    for (const file of this.files) {
      for (const entry of parseKnownHosts(await readIfExists(file))) {
        if (entry.marker !== "cert-authority" && entryMatchesHost(entry, token)) found.push({ entry, file });
      }
    }
    const remembered = this.trusted.get(token);
    if (remembered && !found.some((k) => k.entry.marker === null && k.entry.blob.equals(remembered))) {
      const entry = parseKnownHosts(formatKnownHostsLine(token, remembered))[0];
      if (entry) found.push({ entry, file: IN_MEMORY });
    }
    return found;
  }

  private trustOnFirstUse(token: string, keyBlob: Buffer, got: string): Promise<HostKeyDecision> {
    const run = this.writing.then(async (): Promise<HostKeyDecision> => {
      const file = this.options.ownFile;
      // Another connection may have recorded this host while we waited for the lock.
      const again = (await this.lookup(token)).filter((k) => k.entry.marker === null);
      if (again.some((k) => k.entry.blob.equals(keyBlob)))
        return { ok: true, source: "known_hosts", fingerprint: got, file };
      if (again.length) {
        const first = again[0];
        return { ok: false, source: "known_hosts", expected: first ? fingerprint(first.entry.blob) : "?", got, file };
      }
      // Trusted from now on, even if the write below fails.
      this.trusted.set(token, keyBlob);
      try {
        await mkdir(dirname(file), { recursive: true, mode: 0o700 });
        const existing = await readIfExists(file);
        const sep = existing && !existing.endsWith("\n") ? "\n" : "";
        await appendFile(file, `${sep}${formatKnownHostsLine(token, keyBlob)}\n`, { mode: 0o600 });
        if (!existing) await chmod(file, 0o600);
        return { ok: true, source: "tofu", fingerprint: got, file, saved: true };
      } catch {
        // An unwritable data dir must not take the fleet down; the caller logs that the key was not saved.
        return { ok: true, source: "tofu", fingerprint: got, file, saved: false };
      }
    });
    this.writing = run.catch(() => undefined);
    return run;
  }
}

/** The refusal message callers see, naming both fingerprints. */
export function mismatchMessage(vm: HostIdentity, decision: Extract<HostKeyDecision, { ok: false }>): string {
  const where = `${vm.name} (${vm.host}:${vm.port})`;
  if (decision.source === "unknown") {
    return `host key for ${where} is unknown and strict host key checking is on: got ${decision.got}; pin it as the VM's host_key in the config or add it to a known_hosts file (ssh-keyscan -p ${vm.port} ${vm.host}); refusing to connect`;
  }
  if (decision.source === "revoked") {
    return `host key for ${where} is marked @revoked in ${decision.file}: got ${decision.got}; refusing to connect`;
  }
  const against =
    decision.source === "pinned" ? "the pinned key" : `the key recorded in ${decision.file ?? "known_hosts"}`;
  return `host key for ${where} does not match ${against}: expected ${decision.expected}, got ${decision.got}; refusing to connect`;
}
