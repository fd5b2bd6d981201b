import { readFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHarness, eventually, execResult, type Harness } from "../testing/job-harness.js";
import { startTestSshServer, type TestSshServer } from "../testing/ssh-server.js";

let server: TestSshServer;
let h: Harness;
beforeAll(async () => {
  server = await startTestSshServer();
});
afterAll(() => server.close());
afterEach(() => h?.close());

describe("the SSH pool", () => {
  it("reuses one TCP connection for many jobs, running them concurrently", async () => {
    h = createHarness([server.vm()]);
    const before = server.connections;
    const started = performance.now();
    const jobs = Array.from({ length: 6 }, (_, i) => h.run({ vm: "vm1", command: `sleep 0.2; echo ${i}` }).done);
    const outs = (await Promise.all(jobs)).map((f) => execResult(f).stdout);
    expect(outs).toEqual(["0\n", "1\n", "2\n", "3\n", "4\n", "5\n"]);
    expect(performance.now() - started).toBeLessThan(1000);
    for (let i = 0; i < 5; i++) await h.run({ vm: "vm1", command: "true" }).done;
    expect(server.connections - before).toBe(1);
    expect(h.pool.connectionsOpened).toBe(1);
  });

  it("queues channels above the per-VM limit (channels per connection × connections)", async () => {
    h = createHarness([server.vm()], { maxChannels: 2, maxConnections: 1 });
    const started = performance.now();
    const jobs = Array.from({ length: 4 }, () => h.run({ vm: "vm1", command: "sleep 0.15" }).done);
    await Promise.all(jobs);
    // Two waves of two: never four at once.
    expect(performance.now() - started).toBeGreaterThan(290);
  });

  it("reconnects transparently after the server drops the connection", async () => {
    h = createHarness([server.vm()]);
    expect(execResult(await h.run({ vm: "vm1", command: "echo one" }).done).stdout).toBe("one\n");
    server.dropAll();
    await eventually(() => h.logs.some((l) => l.event === "ssh_disconnected"));
    expect(execResult(await h.run({ vm: "vm1", command: "echo two" }).done).stdout).toBe("two\n");
    expect(h.pool.connectionsOpened).toBe(2);
  });

  it("closes a connection left idle, and reopens it for the next job", async () => {
    h = createHarness([server.vm()], { idleCloseMs: 100 });
    await h.run({ vm: "vm1", command: "true" }).done;
    await eventually(() => h.logs.some((l) => l.event === "ssh_disconnected"));
    expect(execResult(await h.run({ vm: "vm1", command: "echo back" }).done).stdout).toBe("back\n");
    expect(h.pool.connectionsOpened).toBe(2);
  });

  it("fails a running command clearly when its connection is lost", async () => {
    h = createHarness([server.vm()]);
    const { done } = h.run({ vm: "vm1", command: "sleep 5" });
    await eventually(() => h.logs.some((l) => l.event === "job_start") && server.execs.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    server.dropAll();
    expect(await done).toMatchObject({
      type: "error",
      code: "ssh_connect",
      message: `the SSH connection to vm1 (127.0.0.1:${server.port}) was lost while the command was running`,
    });
  });

  it("maps a refused port to ssh_connect", async () => {
    const closed = await startTestSshServer();
    const port = closed.port;
    await closed.close();
    h = createHarness([server.vm({ port })]);
    expect(await h.run({ vm: "vm1", command: "true" }).done).toMatchObject({
      type: "error",
      code: "ssh_connect",
      message: `cannot connect to vm1 (127.0.0.1:${port}): connection refused (ECONNREFUSED)`,
    });
  });

  it("bounds the SSH handshake and the job while a server stays silent", async () => {
    // Accepts TCP, never speaks SSH: like a wedged sshd or a port forwarded to nowhere.
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      h = createHarness([server.vm({ port })], { readyTimeoutMs: 300 });
      expect(await h.run({ vm: "vm1", command: "true" }).done).toMatchObject({
        code: "ssh_connect",
        message: `cannot connect to vm1 (127.0.0.1:${port}): SSH handshake timed out after 300 ms`,
      });
      await h.close();
      h = createHarness([server.vm({ port })]);
      expect(await h.run({ vm: "vm1", command: "true", timeout_ms: 200 }).done).toMatchObject({
        code: "timeout",
        message: "timed out after 200 ms before the command could start (connecting to vm1)",
      });
    } finally {
      silent.close();
    }
  });

  it("maps a rejected key to ssh_auth", async () => {
    const stranger = await startTestSshServer();
    try {
      h = createHarness([server.vm({ privateKey: stranger.clientKey.private })]);
      expect(await h.run({ vm: "vm1", command: "true" }).done).toEqual({
        type: "error",
        id: expect.any(String),
        code: "ssh_auth",
        message: "SSH authentication failed for tester@vm1",
      });
    } finally {
      await stranger.close();
    }
  });
});

describe("host keys on a real connection", () => {
  it("refuses a server whose key differs from the pin", async () => {
    const impostor = await startTestSshServer();
    try {
      h = createHarness([impostor.vm({ host_key: server.hostKey.fingerprint })]);
      const final = await h.run({ vm: "vm1", command: "true" }).done;
      expect(final).toMatchObject({
        type: "error",
        code: "host_key_mismatch",
        message: `host key for vm1 (127.0.0.1:${impostor.port}) does not match the pinned key: expected ${server.hostKey.fingerprint}, got ${impostor.hostKey.fingerprint}; refusing to connect`,
      });
      expect(impostor.execs).toEqual([]);
    } finally {
      await impostor.close();
    }
  });

  it("trusts on first use, logs the fingerprint, then refuses a changed key", async () => {
    const original = await startTestSshServer();
    const port = original.port;
    h = createHarness([original.vm({ host_key: undefined })]);
    expect(execResult(await h.run({ vm: "vm1", command: "echo hi" }).done).stdout).toBe("hi\n");
    expect(h.logs.find((l) => l.event === "host_key_tofu")).toMatchObject({
      level: "warn",
      vm: "vm1",
      fingerprint: original.hostKey.fingerprint,
    });
    expect(readFileSync(join(h.dataDir, "known_hosts"), "utf8")).toBe(
      `[127.0.0.1]:${port} ${original.hostKey.public}\n`,
    );

    // The VM is replaced (or intercepted): same address, another host key, same client key.
    await original.close();
    const replaced = await startTestSshServer({ port });
    try {
      await eventually(() => h.logs.some((l) => l.event === "ssh_disconnected"));
      const final = await h.run({ vm: "vm1", command: "true" }).done;
      expect(final).toMatchObject({
        type: "error",
        code: "host_key_mismatch",
        message: `host key for vm1 (127.0.0.1:${port}) does not match the key recorded in ${join(h.dataDir, "known_hosts")}: expected ${original.hostKey.fingerprint}, got ${replaced.hostKey.fingerprint}; refusing to connect`,
      });
      expect(replaced.execs).toEqual([]);
    } finally {
      await replaced.close();
    }
  });
});
