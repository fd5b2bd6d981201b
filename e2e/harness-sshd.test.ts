/**
 * @module The harness's own check: its sshd really serves several loopback "hosts" to the
 * test user with public-key login, and presents the fingerprint the harness reports.
 * When this fails, every other e2e failure is suspect.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sshd, sshdAvailable, startSshd, TEST_USER, wrongFingerprint } from "./harness/index.js";
import { bashLc, sshConnect, sshExec } from "./harness/ssh-client.js";

describe.skipIf(!sshdAvailable())("harness: test sshd", () => {
  let dir: string;
  let sshd: Sshd | undefined;
  const conns: Client[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "tlc-e2e-sshd-"));
    chmodSync(dir, 0o711);
    sshd = await startSshd(path.join(dir, "sshd"));
  });

  afterAll(async () => {
    for (const conn of conns) conn.end();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const target = (host: string) => {
    if (!sshd) throw new Error("sshd not started");
    return {
      host,
      port: sshd.port,
      user: sshd.user,
      privateKey: sshd.clientKey,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
    };
  };

  it("reports the fingerprint ssh-keygen computes", () => {
    const line = execFileSync("ssh-keygen", ["-lf", `${sshd?.dir}/host_ed25519.pub`], { encoding: "utf8" });
    expect(line.split(" ")[1]).toBe(sshd?.hostKeyFingerprint);
    expect(sshd?.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it.each(["127.0.0.1", "127.0.0.2", "127.0.0.3"])("logs %s in as the test user and runs bash -lc", async (host) => {
    const conn = await sshConnect(target(host));
    conns.push(conn);
    expect(await sshExec(conn, bashLc("true"))).toEqual({ code: 0, signal: null, stdout: "", stderr: "" });
    const who = await sshExec(conn, bashLc('id -un; echo "$HOME"; echo "$SSH_CONNECTION" | cut -d" " -f4'));
    expect(who.code).toBe(0);
    expect(who.stdout).toBe(`${TEST_USER}\n/var/lib/tlc-e2e\n${sshd?.port}\n`);
    const server = await sshExec(conn, "echo $SSH_CONNECTION");
    expect(server.stdout.trim().split(" ")[2]).toBe(host);
  });

  it("gives the test user a home without shell dotfiles", async () => {
    const conn = await sshConnect(target("127.0.0.1"));
    conns.push(conn);
    const listing = await sshExec(conn, "ls -A ~");
    expect(listing.stdout.split("\n").filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("is refused by a client pinning another host key", async () => {
    const bad = { ...target("127.0.0.1"), hostKeyFingerprint: wrongFingerprint(sshd?.hostKeyFingerprint ?? "") };
    await expect(sshConnect(bad)).rejects.toThrow(/verification failed/);
  });
});
