import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPair } from "../testing/ssh-server.js";
import { HostKeyStore, mismatchMessage } from "./host-keys.js";
import { fingerprint, hashHostToken } from "./known-hosts.js";

const key = generateKeyPair();
const other = generateKeyPair();
const b64 = (k: typeof key) => k.public.split(" ")[1];
const vm = { name: "vm1", host: "127.0.0.1", port: 2222 };

let dir: string;
let store: HostKeyStore;
let ownFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tc-hk-"));
  ownFile = join(dir, "data", "known_hosts");
  store = new HostKeyStore({ ownFile });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("HostKeyStore", () => {
  it("accepts only the pinned fingerprint", async () => {
    const pinned = { ...vm, host_key: key.fingerprint };
    expect(await store.check(pinned, key.blob)).toMatchObject({ ok: true, source: "pinned" });
    const refused = await store.check(pinned, other.blob);
    expect(refused).toEqual({ ok: false, source: "pinned", expected: key.fingerprint, got: other.fingerprint });
    if (refused.ok) throw new Error("unreachable");
    expect(mismatchMessage(pinned, refused)).toBe(
      `host key for vm1 (127.0.0.1:2222) does not match the pinned key: expected ${key.fingerprint}, got ${other.fingerprint}; refusing to connect`,
    );
  });

  it("accepts only the pinned public key line, ignoring known_hosts", async () => {
    writeFileSync(join(dir, "extra"), `[127.0.0.1]:2222 ssh-ed25519 ${b64(other)}\n`);
    store = new HostKeyStore({ ownFile, extraFiles: [join(dir, "extra")] });
    const pinned = { ...vm, host_key: `${key.public} comment` };
    expect(await store.check(pinned, key.blob)).toMatchObject({ ok: true, source: "pinned" });
    expect(await store.check(pinned, other.blob)).toMatchObject({ ok: false, expected: key.fingerprint });
  });

  it("trusts on first use: writes [host]:port to the data dir, 0700/0600, then knows it", async () => {
    const first = await store.check(vm, key.blob);
    expect(first).toEqual({ ok: true, source: "tofu", fingerprint: key.fingerprint, file: ownFile, saved: true });
    expect(readFileSync(ownFile, "utf8")).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${b64(key)}\n`);
    expect(statSync(join(dir, "data")).mode & 0o777).toBe(0o700);
    expect(statSync(ownFile).mode & 0o777).toBe(0o600);
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "known_hosts" });
  });

  it("writes a bare host name for port 22 and keeps other lines", async () => {
    writeFileSync(join(dir, "seed"), "");
    await store.check({ name: "a", host: "Alpha.Example", port: 22 }, key.blob);
    await store.check({ name: "b", host: "beta", port: 22 }, other.blob);
    expect(readFileSync(ownFile, "utf8")).toBe(
      `alpha.example ssh-ed25519 ${b64(key)}\nbeta ssh-ed25519 ${b64(other)}\n`,
    );
  });

  it("refuses a key that differs from the one recorded on first use", async () => {
    await store.check(vm, key.blob);
    const refused = await store.check(vm, other.blob);
    expect(refused).toMatchObject({
      ok: false,
      source: "known_hosts",
      expected: key.fingerprint,
      got: other.fingerprint,
    });
    expect(readFileSync(ownFile, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("records one line when many connections meet a new host at once", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => store.check(vm, key.blob)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(readFileSync(ownFile, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("consults the --known-hosts file first, hashed entries included", async () => {
    const extra = join(dir, "extra_known_hosts");
    writeFileSync(extra, `${hashHostToken("[127.0.0.1]:2222", Buffer.alloc(20, 3))} ssh-ed25519 ${b64(key)}`);
    store = new HostKeyStore({ ownFile, extraFiles: [extra] });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "known_hosts", file: extra });
    expect(await store.check(vm, other.blob)).toMatchObject({ ok: false, expected: key.fingerprint, file: extra });
    expect(() => statSync(ownFile)).toThrow();
  });

  it("refuses a key marked @revoked", async () => {
    const extra = join(dir, "extra");
    writeFileSync(extra, `@revoked * ssh-ed25519 ${b64(key)}\n`);
    store = new HostKeyStore({ ownFile, extraFiles: [extra] });
    const refused = await store.check(vm, key.blob);
    expect(refused).toMatchObject({ ok: false, source: "revoked" });
    if (refused.ok) throw new Error("unreachable");
    expect(mismatchMessage(vm, refused)).toMatch(/is marked @revoked/);
  });

  it("still accepts a new host when the data dir cannot be written, and says so", async () => {
    writeFileSync(join(dir, "file"), "");
    store = new HostKeyStore({ ownFile: join(dir, "file", "known_hosts") });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "tofu", saved: false });
  });

  it("never trusts a second key for a host when the data dir cannot be written", async () => {
    writeFileSync(join(dir, "file"), "");
    store = new HostKeyStore({ ownFile: join(dir, "file", "known_hosts") });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "tofu", saved: false });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true });
    const refused = await store.check(vm, other.blob);
    expect(refused).toMatchObject({
      ok: false,
      source: "known_hosts",
      expected: key.fingerprint,
      got: other.fingerprint,
    });
  });

  it("keeps a key trusted on first use when its known_hosts file disappears", async () => {
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "tofu", saved: true });
    rmSync(ownFile);
    expect(await store.check(vm, other.blob)).toMatchObject({ ok: false, expected: key.fingerprint });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true });
  });

  it("in strict mode refuses an unknown host, writes nothing, and says how to trust it", async () => {
    store = new HostKeyStore({ ownFile, strict: true });
    const refused = await store.check(vm, key.blob);
    expect(refused).toMatchObject({ ok: false, source: "unknown", got: key.fingerprint });
    if (refused.ok) throw new Error("unreachable");
    expect(mismatchMessage(vm, refused)).toBe(
      `host key for vm1 (127.0.0.1:2222) is unknown and strict host key checking is on: got ${key.fingerprint}; pin it as the VM's host_key in the config or add it to a known_hosts file (ssh-keyscan -p 2222 127.0.0.1); refusing to connect`,
    );
    expect(() => statSync(ownFile)).toThrow();
    // Pinned and known_hosts keys are still trusted.
    expect(await store.check({ ...vm, host_key: key.fingerprint }, key.blob)).toMatchObject({ ok: true });
    const known = join(dir, "known");
    writeFileSync(known, `[127.0.0.1]:2222 ${key.public}\n`);
    store = new HostKeyStore({ ownFile, extraFiles: [known], strict: true });
    expect(await store.check(vm, key.blob)).toMatchObject({ ok: true, source: "known_hosts" });
    expect(await store.check(vm, other.blob)).toMatchObject({ ok: false, source: "known_hosts" });
  });

  it("shows the fingerprint in the same format as ssh-keygen", () => {
    expect(fingerprint(key.blob)).toBe(key.fingerprint);
  });
});
