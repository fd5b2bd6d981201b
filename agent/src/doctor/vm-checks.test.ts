import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServedVm } from "../config.js";
import { generateKeyPair, startTestSshServer, type TestSshServer } from "../testing/ssh-server.js";
import { ReadOnlyHostKeys } from "./host-key-policy.js";
import type { Row } from "./report.js";
import { checkVms, mapBounded } from "./vm-checks.js";

const dir = mkdtempSync(join(tmpdir(), "tc-doctor-vm-"));
let ssh: TestSshServer;
beforeAll(async () => {
  ssh = await startTestSshServer();
});
afterAll(async () => {
  await ssh.close();
  rmSync(dir, { recursive: true, force: true });
});

const ownFile = () => join(dir, `known_hosts-${Math.random()}`);

async function check(vm: ServedVm, options: { strict?: boolean; file?: string; extra?: string } = {}) {
  const hostKeys = new ReadOnlyHostKeys({
    ownFile: options.file ?? ownFile(),
    extraFiles: options.extra ? [options.extra] : [],
    strict: options.strict ?? false,
  });
  return checkVms([vm], { hostKeys, timeoutMs: 5000 });
}

const verdicts = (rows: Row[]) => rows.map((r) => `${r.check}: ${r.verdict}`);

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("doctor: each VM", () => {
  it("passes a VM with a pinned host key: TCP, host key, login, `true`", async () => {
    const rows = await check(ssh.vm());
    expect(verdicts(rows)).toEqual(["tcp: ok", "host key: ok", "ssh: ok", "command: ok"]);
    expect(rows[1]?.detail).toContain(`${ssh.hostKey.fingerprint} matches the pinned host_key`);
    expect(ssh.execs).toContain("true");
  });

  it("fails a wrong pinned host key, naming both fingerprints", async () => {
    const other = generateKeyPair();
    const rows = await check(ssh.vm({ host_key: other.public }));
    expect(verdicts(rows)).toEqual(["tcp: ok", "host key: FAIL"]);
    expect(rows[1]?.detail).toContain(`expected ${other.fingerprint}, got ${ssh.hostKey.fingerprint}`);
  });

  it("warns on an unknown host (would be trusted on first use) and writes no known_hosts", async () => {
    const file = ownFile();
    const rows = await check(ssh.vm({ host_key: undefined }), { file });
    expect(verdicts(rows)).toEqual(["tcp: ok", "host key: warn", "ssh: ok", "command: ok"]);
    expect(rows[1]?.detail).toContain("not pinned; the agent would trust it on first use");
    expect(rows[1]?.fix).toContain(ssh.hostKey.fingerprint);
    expect(existsSync(file)).toBe(false);
  });

  it("fails an unknown host in strict mode, and passes one listed in --known-hosts", async () => {
    const rows = await check(ssh.vm({ host_key: undefined }), { strict: true });
    expect(verdicts(rows)).toEqual(["tcp: ok", "host key: FAIL"]);
    expect(rows[1]?.detail).toContain("strict host key checking is on");
    const extra = join(dir, "extra_known_hosts");
    writeFileSync(extra, `[127.0.0.1]:${ssh.port} ${ssh.hostKey.public}\n`);
    const known = await check(ssh.vm({ host_key: undefined }), { strict: true, extra });
    expect(verdicts(known)).toEqual(["tcp: ok", "host key: ok", "ssh: ok", "command: ok"]);
    expect(known[1]?.detail).toContain(`is in ${extra}`);
  });

  it("fails a closed port with the reason", async () => {
    const rows = await check(ssh.vm({ port: await closedPort() }));
    expect(verdicts(rows)).toEqual(["tcp: FAIL"]);
    expect(rows[0]?.detail).toContain("connection refused (ECONNREFUSED)");
  });

  it("fails a key the VM does not accept, telling where the public half goes", async () => {
    const rows = await check(ssh.vm({ privateKey: generateKeyPair().private }));
    expect(verdicts(rows)).toEqual(["tcp: ok", "host key: ok", "ssh: FAIL"]);
    expect(rows[2]?.fix).toContain("~tester/.ssh/authorized_keys");
  });

  it("keeps at most `limit` checks running at once, results in order", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5 * (8 - n)));
      running--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });
});
