import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair } from "../testing/ssh-server.js";
import {
  entryMatchesHost,
  fingerprint,
  formatKnownHostsLine,
  hashHostToken,
  hostToken,
  keyTypeOf,
  parseKnownHosts,
  parsePin,
  pinMatches,
} from "./known-hosts.js";

const dir = mkdtempSync(join(tmpdir(), "tc-kh-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKeyPair();
const other = generateKeyPair();

describe("fingerprint", () => {
  it("matches ssh-keygen -l exactly", () => {
    const file = join(dir, "id.pub");
    writeFileSync(file, `${key.public}\n`);
    const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", file], { encoding: "utf8" });
    expect(out.split(" ")[1]).toBe(fingerprint(key.blob));
    expect(fingerprint(key.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("reads the key type from the blob", () => {
    expect(keyTypeOf(key.blob)).toBe("ssh-ed25519");
    expect(keyTypeOf(Buffer.from([0, 0]))).toBeNull();
    expect(keyTypeOf(Buffer.from([0, 0, 1, 0, 65]))).toBeNull();
  });
});

describe("parsePin", () => {
  it("accepts a fingerprint, with or without padding", () => {
    const fp = fingerprint(key.blob);
    expect(parsePin(fp)).toEqual({ fingerprint: fp });
    expect(parsePin(`${fp}=`)).toEqual({ fingerprint: fp });
  });

  it("accepts a public key line with or without a comment", () => {
    const pin = parsePin(`${key.public} root@somewhere`);
    expect(pin && pinMatches(pin, key.blob)).toBe(true);
    expect(pin && pinMatches(pin, other.blob)).toBe(false);
  });

  it("rejects anything else", () => {
    expect(parsePin("MD5:aa:bb")).toBeNull();
    expect(parsePin("SHA256:short")).toBeNull();
    expect(parsePin("ssh-rsa not-base64!")).toBeNull();
    // The type word must agree with the key inside.
    expect(parsePin(`ssh-rsa ${key.public.split(" ")[1]}`)).toBeNull();
  });
});

describe("parseKnownHosts", () => {
  const b64 = key.public.split(" ")[1];

  it("parses plain, bracketed, comma lists, markers and comments", () => {
    const entries = parseKnownHosts(
      [
        "# comment",
        "",
        `vm1.example.com,10.0.0.5 ssh-ed25519 ${b64} comment here`,
        `[127.0.0.1]:2222 ssh-ed25519 ${b64}`,
        `@revoked bad.example.com ssh-ed25519 ${b64}`,
        `@cert-authority *.example.com ssh-ed25519 ${b64}`,
        "@weird host ssh-ed25519 AAAA",
        "garbage",
        `host ssh-ed25519 ###`,
      ].join("\n"),
    );
    expect(entries.map((e) => [e.marker, e.patterns, e.line])).toEqual([
      [null, ["vm1.example.com", "10.0.0.5"], 3],
      [null, ["[127.0.0.1]:2222"], 4],
      ["revoked", ["bad.example.com"], 5],
      ["cert-authority", ["*.example.com"], 6],
    ]);
    expect(entries[0]?.blob.equals(key.blob)).toBe(true);
  });

  it("matches hosts the way OpenSSH looks them up", () => {
    const [entry] = parseKnownHosts(`vm1,10.0.0.*,!10.0.0.9,[127.0.0.1]:2222 ssh-ed25519 ${b64}`);
    if (!entry) throw new Error("no entry");
    expect(hostToken("VM1", 22)).toBe("vm1");
    expect(hostToken("127.0.0.1", 2222)).toBe("[127.0.0.1]:2222");
    expect(entryMatchesHost(entry, hostToken("vm1", 22))).toBe(true);
    expect(entryMatchesHost(entry, hostToken("vm1", 2200))).toBe(false);
    expect(entryMatchesHost(entry, hostToken("10.0.0.7", 22))).toBe(true);
    expect(entryMatchesHost(entry, hostToken("10.0.0.9", 22))).toBe(false);
    expect(entryMatchesHost(entry, hostToken("127.0.0.1", 2222))).toBe(true);
    expect(entryMatchesHost(entry, hostToken("127.0.0.1", 22))).toBe(false);
  });

  it("matches hashed hosts written by ssh-keygen -H", () => {
    const file = join(dir, "hashed");
    writeFileSync(file, `example.org ssh-ed25519 ${b64}\n[10.1.2.3]:2022 ssh-ed25519 ${b64}\n`);
    execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
    const entries = parseKnownHosts(readFileSync(file, "utf8"));
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hashed !== null && e.patterns.length === 0)).toBe(true);
    const matches = (token: string) => entries.filter((e) => entryMatchesHost(e, token)).length;
    expect(matches("example.org")).toBe(1);
    expect(matches("[10.1.2.3]:2022")).toBe(1);
    expect(matches("10.1.2.3")).toBe(0);
    expect(matches("example.com")).toBe(0);
  });

  it("hashes the way ssh-keygen -F finds", () => {
    const file = join(dir, "ours");
    writeFileSync(file, `${hashHostToken("[vm9]:2200", Buffer.alloc(20, 7))} ssh-ed25519 ${b64}\n`);
    const found = execFileSync("ssh-keygen", ["-F", "[vm9]:2200", "-f", file], { encoding: "utf8" });
    expect(found).toContain("ssh-ed25519");
  });

  it("formats a line OpenSSH accepts", () => {
    const file = join(dir, "formatted");
    writeFileSync(file, `${formatKnownHostsLine("[127.0.0.1]:2222", key.blob)}\n`);
    expect(readFileSync(file, "utf8")).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64}\n`);
    const found = execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", file], { encoding: "utf8" });
    expect(found).toContain(b64);
  });
});
