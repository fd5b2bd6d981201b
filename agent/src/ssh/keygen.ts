/**
 * @module Fresh ed25519 key pairs that ssh2 can read back. ssh2 1.17 occasionally (about one
 * key in 256) emits a key its own parser rejects (mscdex/ssh2#1390), so draw again until both
 * halves parse.
 */
import ssh2 from "ssh2";

export interface GeneratedKey {
  /** OpenSSH private key. */
  private: string;
  /** `ssh-ed25519 AAAA…` */
  public: string;
  parsed: ssh2.ParsedKey;
}

export function generateEd25519(options: { passphrase?: string; cipher?: string; rounds?: number } = {}): GeneratedKey {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", options as ssh2.utils.KeyPairOptions);
    const parsed = ssh2.utils.parseKey(pair.public);
    if (parsed instanceof Error || ssh2.utils.parseKey(pair.private, options.passphrase) instanceof Error) continue;
    return { private: pair.private, public: pair.public.trim(), parsed: Array.isArray(parsed) ? parsed[0] : parsed };
  }
  throw new Error("could not generate a usable ed25519 key");
}
