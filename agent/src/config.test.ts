import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfig } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import {
  ConfigFileError,
  EVERY_AGENT,
  loadAgentConfig,
  parseAgentConfig,
  resolveKeyPath,
  selectServedVms,
} from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "tc-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "keys"));

/** A real key pair from OpenSSH's own ssh-keygen, in keys/<name> and keys/<name>.pub. */
function sshKeygen(name: string, passphrase = ""): string {
  const path = join(dir, "keys", name);
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", path]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return path;
}
const key = { private: readFileSync(sshKeygen("vm1"), "utf8") };
sshKeygen("enc", "pw-1234");
writeFileSync(join(dir, "keys", "garbage"), "this is not a key\n");
const SECRET_LOOKING =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n";

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
    // The far VM has no key: that matters only to the agent that serves it.
    expect(problems(() => selectServedVms(config, "dc2", { configDir: dir }))).toEqual([
      "vms[2]: no private key: give key or key_path",
    ]);
  });

  it("reports every key problem of the served VMs at once, with its path, never the key", () => {
    const config = parseConfig(`
vms:
- {name: a, host: h, user: u}
- {name: b, host: h, user: u, key_path: /nonexistent/key}
- {name: c, host: h, user: u, key_path: keys/vm1, host_key: "MD5:00:11"}
- {name: d, host: h, user: u, agent: other}
- {name: e, host: h, user: u, key: ${JSON.stringify(SECRET_LOOKING)}}
- {name: f, host: h, user: u, key_path: keys/vm1.pub}
- {name: g, host: h, user: u, key_path: keys/enc}
- {name: i, host: h, user: u, key_path: keys/enc, passphrase: wrong-one}
- {name: j, host: h, user: u, key_path: keys/garbage}
- {name: k, host: h, user: u, key: ${JSON.stringify(readFileSync(join(dir, "keys", "enc"), "utf8"))}}
agents: [{name: default, token_sha256: "${"a".repeat(64)}"}, {name: other, token_sha256: "${"b".repeat(64)}"}]
`);
    const list = problems(() => selectServedVms(config, "default", { configDir: dir }));
    const k = (name: string) => join(dir, "keys", name);
    expect(list).toEqual([
      "vms[0]: no private key: give key or key_path",
      "vms[1].key_path: cannot read /nonexistent/key: no such file (ENOENT)",
      "vms[2].host_key: must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
      "vms[4].key: not a private key (OpenSSH or PEM format expected)",
      `vms[5].key_path: ${k("vm1.pub")} is a public key, not a private key`,
      `vms[6].key_path: ${k("enc")} is encrypted and the VM has no passphrase`,
      `vms[7].passphrase: does not decrypt the private key in ${k("enc")}`,
      `vms[8].key_path: ${k("garbage")} is not a private key (OpenSSH or PEM format expected)`,
      "vms[9].key: encrypted and the VM has no passphrase",
    ]);
    expect(list.join("\n")).not.toMatch(/c2VjcmV0|PRIVATE KEY-----|wrong-one/);
  });

  it("checks every agent's VMs when asked to (the dev launcher starts them all)", () => {
    const text = `
vms:
- {name: a, host: h, user: u, key_path: keys/vm1}
- {name: far, host: h, user: u, agent: dc2}
agents: [{name: default, token_sha256: "${"a".repeat(64)}"}, {name: dc2, token_sha256: "${"b".repeat(64)}"}]
`;
    expect(parseAgentConfig(text, "default", { configDir: dir }).vms.map((v) => v.name)).toEqual(["a"]);
    expect(problems(() => parseAgentConfig(text, EVERY_AGENT, { configDir: dir }))).toEqual([
      "vms[1]: no private key: give key or key_path",
    ]);
  });

  it("reports key problems together with structural and cross-reference ones", () => {
    const text = `
vms:
- {name: a, host: h, user: u, port: "22a", key_path: /nonexistent/a}
- {name: b, host: h, user: u, key: not-a-key}
- {name: c, host: h, user: u, key_path: keys/vm1, host_key: nope}
- just-a-name
groups: [{name: g, vms: [a, web9]}]
`;
    expect(problems(() => parseAgentConfig(text, "default", { configDir: dir }))).toEqual([
      'vms[0].port: must be a port number 1–65535, got "22a"',
      "vms[0].key_path: cannot read /nonexistent/a: no such file (ENOENT)",
      "vms[1].key: not a private key (OpenSSH or PEM format expected)",
      "vms[2].host_key: must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
      "vms[3]: must be a mapping, got a string",
      'groups[0].vms[1]: unknown VM "web9"',
    ]);
  });

  it("loads an encrypted key with its passphrase", () => {
    const config = parseConfig("vms: [{name: a, host: h, user: u, key_path: keys/enc, passphrase: pw-1234}]");
    const [vm] = selectServedVms(config, "default", { configDir: dir }).vms;
    expect(vm?.privateKey.toString()).toContain("BEGIN OPENSSH PRIVATE KEY");
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
