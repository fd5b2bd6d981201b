/**
 * @module The many-hosts harness: 40 loopback hosts over three sshd each log the test user
 * in and run a command, and the broken-host stand-ins behave as advertised (the silent one
 * accepts TCP but never sends a banner, the closed one refuses).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { Client } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closedHost,
  type ManyHosts,
  type SilentHost,
  sshdAvailable,
  startManyHosts,
  startSilentHost,
  TEST_USER,
} from "./harness/index.js";
import { sshConnect, sshExec } from "./harness/ssh-client.js";

const N = 40;

/** What a client sees on a fresh TCP connection within `ms`: bytes, a refusal, or nothing. */
function probe(host: string, port: number, ms: number): Promise<"connected-silent" | "data" | "refused" | "error"> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let connected = false;
    const done = (outcome: "connected-silent" | "data" | "refused" | "error") => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done(connected ? "connected-silent" : "error"), ms);
    socket.once("connect", () => {
      connected = true;
    });
    socket.once("data", () => done("data"));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "refused" : "error"));
  });
}

describe.skipIf(!sshdAvailable())("harness: many loopback hosts", () => {
  let dir: string;
  let fleet: ManyHosts | undefined;
  let silent: SilentHost | undefined;
  const conns: Client[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "tlc-e2e-many-"));
    // The test user must traverse it to read each sshd's authorized_keys.
    chmodSync(dir, 0o711);
    fleet = await startManyHosts(dir, N);
    silent = await startSilentHost("127.0.0.1");
  });

  afterAll(async () => {
    for (const conn of conns) conn.end();
    await silent?.stop();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("spreads 40 distinct hosts over 3 sshd of at most 16 addresses", () => {
    const hosts = fleet?.hosts ?? [];
    expect(hosts).toHaveLength(N);
    expect(fleet?.sshds).toHaveLength(3);
    expect(new Set(hosts.map((h) => h.host)).size).toBe(N);
    expect(new Set(hosts.map((h) => h.name)).size).toBe(N);
    expect(hosts[0]).toMatchObject({ name: "h001", host: "127.0.1.1", user: TEST_USER });
    expect(hosts[39]).toMatchObject({ name: "h040", host: "127.0.1.40" });
    for (const sshd of fleet?.sshds ?? []) expect(sshd.hosts.length).toBeLessThanOrEqual(16);
  });

  it("logs in on every host and runs echo ok", async () => {
    const hosts = fleet?.hosts ?? [];
    // Connect in batches of 8: sshd's stock MaxStartups (10:30:100) drops bursts beyond 10.
    const outcomes: { name: string; stdout: string; server: string }[] = [];
    for (let i = 0; i < hosts.length; i += 8) {
      const batch = await Promise.all(
        hosts.slice(i, i + 8).map(async (h) => {
          const conn = await sshConnect({ ...h, privateKey: h.clientKey });
          conns.push(conn);
          const out = await sshExec(conn, 'echo ok; echo "$SSH_CONNECTION"');
          expect(out.code).toBe(0);
          const [stdout, connection] = out.stdout.split("\n");
          return { name: h.name, stdout: stdout ?? "", server: connection?.split(" ")[2] ?? "" };
        }),
      );
      outcomes.push(...batch);
    }
    expect(outcomes.map((o) => o.stdout)).toEqual(hosts.map(() => "ok"));
    // Each host really is its own address: sshd saw the connection arrive on it.
    expect(outcomes.map((o) => o.server)).toEqual(hosts.map((h) => h.host));
  });

  it("has a silent host that accepts TCP and sends no banner within 500 ms", async () => {
    if (!silent) throw new Error("silent host not started");
    const before = silent.accepted();
    expect(await probe(silent.host, silent.port, 500)).toBe("connected-silent");
    expect(silent.accepted()).toBe(before + 1);
  });

  it("has a closed host that refuses connections", async () => {
    const closed = await closedHost("127.0.0.1");
    expect(await probe(closed.host, closed.port, 500)).toBe("refused");
  });
});
