import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfig } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigFileError, loadAgentConfig, resolveKeyPath, selectServedVms } from "./config.js";
import { generateEd25519 } from "./ssh/keygen.js";
import { generateKeyPair } from "./testing/ssh-server.js";

const dir = mkdtempSync(join(tmpdir(), "tc-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKeyPair();
mkdirSync(join(dir, "keys"));
writeFileSync(join(dir, "keys", "vm1"), key.private);

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("selectServedVms", () => {
  it("serves the VMs naming this agent (default when none), loading keys", () => {
    const config = parseConfig(`
vms:
- {name: vm1, host: h1, user: u, key_path: keys/vm1}
- {name: vm2, host: h2, user: u, key: ${JSON.stringify(key.private)}, agent: default}
- {name: far, host: h3, user: u, agent: dc2}
agents: [{name: default, token_sha256: "${"a".repeat(64)}"}, {name: dc2, token_sha256: "${"b".repeat(64)}"}]
`);
    const served = selectServedVms(config, "default", { configDir: dir });
    expect(served.vms.map((v) => v.name)).toEqual(["vm1", "vm2"]);
    expect(served.vms[0]?.privateKey.toString()).toBe(key.private);
    expect(served.vms[0]?.keyProblem).toBeUndefined();
    // The far VM has no key: that matters only to the agent that serves it.
    expect(problems(() => selectServedVms(config, "dc2", { configDir: dir }))).toEqual([
      'vms[2]: VM "far" needs key or key_path (this agent serves it)',
    ]);
  });

  it("reports every problem of the served VMs at once", () => {
    const config = parseConfig(`
vms:
- {name: a, host: h, user: u}
- {name: b, host: h, user: u, key_path: /nonexistent/key}
- {name: c, host: h, user: u, key_path: keys/vm1, host_key: "MD5:00:11"}
- {name: d, host: h, user: u, agent: other}
agents: [{name: default, token_sha256: "${"a".repeat(64)}"}, {name: other, token_sha256: "${"b".repeat(64)}"}]
`);
    expect(problems(() => selectServedVms(config, "default", { configDir: dir }))).toEqual([
      'vms[0]: VM "a" needs key or key_path (this agent serves it)',
      'vms[1].key_path: cannot read the private key of VM "b" at /nonexistent/key: no such file (ENOENT)',
      "vms[2].host_key: must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
    ]);
  });

  it("keeps a VM with an unusable key, marked, so other VMs still work", () => {
    const config = parseConfig("vms: [{name: a, host: h, user: u, key: not-a-key}]");
    const [vm] = selectServedVms(config, "default").vms;
    expect(vm?.keyProblem).toBe("the private key cannot be used: not a supported private key");
  });

  it("flags an encrypted key without its passphrase", () => {
    const encrypted = generateEd25519({
      passphrase: "pw-1234",
      cipher: "aes256-cbc",
      rounds: 1,
    });
    const config = parseConfig(`vms: [{name: a, host: h, user: u, key: ${JSON.stringify(encrypted.private)}}]`);
    expect(selectServedVms(config, "default").vms[0]?.keyProblem).toMatch(/passphrase/);
    const withPass = parseConfig(
      `vms: [{name: a, host: h, user: u, passphrase: pw-1234, key: ${JSON.stringify(encrypted.private)}}]`,
    );
    expect(selectServedVms(withPass, "default").vms[0]?.keyProblem).toBeUndefined();
  });
});

describe("loadAgentConfig", () => {
  it("reads key paths relative to the config file", () => {
    const path = join(dir, "config.yaml");
    writeFileSync(path, "vms:\n- {name: vm1, host: 127.0.0.1, port: 2222, user: u, key_path: keys/vm1}\n");
    const config = loadAgentConfig(path, "default");
    expect(config.vms[0]).toMatchObject({ name: "vm1", port: 2222 });
    expect(config.source).toBe(path);
  });

  it("names the file it cannot read", () => {
    expect(() => loadAgentConfig(join(dir, "missing.yaml"), "default")).toThrow(ConfigFileError);
    expect(() => loadAgentConfig(join(dir, "missing.yaml"), "default")).toThrow(
      /^cannot read config file .*missing\.yaml: no such file \(ENOENT\)$/,
    );
  });

  it("passes YAML problems through as one ConfigError", () => {
    const path = join(dir, "bad.yaml");
    writeFileSync(path, "vms:\n- {name: a, user: u}\n");
    expect(() => loadAgentConfig(path, "default")).toThrow(/vms\[0\]\.host: required/);
  });
});

describe("resolveKeyPath", () => {
  it("expands ~ and resolves relative paths against the config folder", () => {
    expect(resolveKeyPath("/abs/key", "/etc/tc")).toBe("/abs/key");
    expect(resolveKeyPath("keys/a", "/etc/tc")).toBe("/etc/tc/keys/a");
    expect(resolveKeyPath("~/.ssh/id", "/etc/tc")).toMatch(/\/\.ssh\/id$/);
  });
});
