import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair } from "../testing/ssh-server.js";
import { checkConfig } from "./config-checks.js";

const dir = mkdtempSync(join(tmpdir(), "tc-doctor-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKeyPair();
writeFileSync(join(dir, "good.key"), key.private, { mode: 0o600 });
writeFileSync(join(dir, "open.key"), key.private, { mode: 0o644 });
writeFileSync(join(dir, "bad.key"), "not a key at all");

const agents = (...names: string[]) =>
  `agents: [${names.map((n, i) => `{name: ${n}, token_sha256: "${String(i).repeat(64)}"}`).join(", ")}]\n`;

function config(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("doctor: config and keys", () => {
  it("passes a valid config and says how many VMs this agent serves", () => {
    const path = config(
      "ok.yaml",
      "vms:\n- {name: a, host: h, user: u, key_path: good.key}\n- {name: b, host: h, user: u, key_path: good.key, agent: dc2}\n" +
        agents("default", "dc2"),
    );
    const { rows, vms } = checkConfig(path, "default");
    expect(rows.map((r) => [r.check, r.target, r.verdict])).toEqual([
      ["config", path, "ok"],
      ["key", "a (h:22)", "ok"],
    ]);
    expect(rows[0]?.detail).toContain('1 of 2 VMs served by agent "default"');
    expect(vms.map((v) => v.name)).toEqual(["a"]);
  });

  it("warns when the agent serves no VM, naming the fix", () => {
    const path = config(
      "none.yaml",
      `vms:\n- {name: a, host: h, user: u, key_path: good.key, agent: dc2}\n${agents("dc1", "dc2")}`,
    );
    const [row] = checkConfig(path, "dc1").rows;
    expect(row).toMatchObject({ check: "config", verdict: "warn" });
    expect(row?.fix).toContain("agent: dc1");
  });

  it("fails listing every problem, shows key problems on the VM's row, and still checks sound VMs", () => {
    const secretKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n-----END OPENSSH PRIVATE KEY-----\n";
    const path = config(
      "bad.yaml",
      `vms:
- {name: a, host: h, user: u, key_path: good.key}
- {name: b, host: h, user: u, key_path: bad.key}
- {name: c, host: h, user: u, port: "22a", key_path: good.key}
- {name: d, host: h, user: u, key: ${JSON.stringify(secretKey)}, passphrase: pass-secret-9}
- {name: e, host: h, user: u, key_path: open.key}
groups: [{name: g, vms: [a, nope]}]
`,
    );
    const { rows, vms, secrets } = checkConfig(path, "default");
    const cfg = rows[0];
    expect(cfg).toMatchObject({ check: "config", verdict: "FAIL" });
    expect(cfg?.detail).toContain("4 problems");
    expect(cfg?.detail).toContain("vms[1].key_path:");
    expect(cfg?.detail).toContain('vms[2].port: must be a port number 1–65535, got "22a"');
    expect(cfg?.detail).toContain('groups[0].vms[1]: unknown VM "nope"');
    const byVm = Object.fromEntries(rows.slice(1).map((r) => [r.target.split(" ")[0], r]));
    expect(byVm.a).toMatchObject({ check: "key", verdict: "ok" });
    expect(byVm.b).toMatchObject({ verdict: "FAIL" });
    expect(byVm.b?.detail).toContain("is not a private key");
    expect(byVm.c?.detail).toContain("network checks skipped");
    expect(byVm.d).toMatchObject({ verdict: "FAIL" });
    expect(byVm.e).toMatchObject({ verdict: "warn", fix: `chmod 600 ${join(dir, "open.key")}` });
    // Only entries with no problem of their own go on to the network checks.
    expect(vms.map((v) => v.name)).toEqual(["a", "e"]);
    expect(secrets).toContain("pass-secret-9");
    expect(JSON.stringify(rows)).not.toMatch(/c2VjcmV0|pass-secret-9|PRIVATE KEY/);
  });

  it("fails on an unreadable config file", () => {
    const { rows, vms } = checkConfig(join(dir, "missing.yaml"), "default");
    expect(rows).toEqual([expect.objectContaining({ check: "config", verdict: "FAIL" })]);
    expect(rows[0]?.detail).toContain("no such file (ENOENT)");
    expect(vms).toEqual([]);
  });
});
