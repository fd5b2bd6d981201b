import { describe, expect, it } from "vitest";
import { ConfigError, inspectConfig, inspectConfigObject, parseConfig, permissionsEnabled } from "./load.js";

const SEED = `
vms:
- name: vm1
  host: 192.168.1.10
  user: ubuntu
  port: 22
  key: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    ...
    -----END OPENSSH PRIVATE KEY-----
groups:
- name: dev
  vms: [vm1]
users:
- name: alice
  api_key: "alice-secret"
  groups: [dev]
`;

function problems(text: string): string[] {
  try {
    parseConfig(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("accepts the original's example config unchanged", () => {
    const config = parseConfig(SEED);
    expect(config.vms[0]).toMatchObject({ name: "vm1", host: "192.168.1.10", user: "ubuntu", port: 22 });
    expect(config.vms[0]?.key).toContain("BEGIN OPENSSH PRIVATE KEY");
    expect(config.groups).toEqual([{ name: "dev", vms: ["vm1"] }]);
    expect(config.users?.[0]).toMatchObject({ name: "alice", api_key: "alice-secret", groups: ["dev"] });
    expect(permissionsEnabled(config)).toBe(true);
  });

  it("defaults the port to 22 and turns permissions off without users", () => {
    const config = parseConfig("vms:\n- {name: a, host: h, user: u, key_path: /k}\n");
    expect(config.vms[0]?.port).toBe(22);
    expect(permissionsEnabled(config)).toBe(false);
  });

  it("accepts the new fields", () => {
    const config = parseConfig(`
vms: [{name: a, host: h, user: u, key_path: /k, host_key: "SHA256:abc", agent: dc1}]
users: [{name: bob, api_key_sha256: "${"A".repeat(64)}", groups: []}]
agents: [{name: dc1, token_sha256: "${"b".repeat(64)}"}]
`);
    expect(config.vms[0]?.agent).toBe("dc1");
    expect(config.users?.[0]?.api_key_sha256).toBe("a".repeat(64));
  });

  it("lists every problem with its YAML path in one error", () => {
    const list = problems(`
vms:
- {name: a, user: u, port: 99999}
- {name: a, host: h, user: u, hots: x}
groups:
- {name: dev, vms: [a, ghost]}
users:
- {name: alice, groups: [ops]}
`);
    expect(list).toEqual([
      "vms[0].host: required (a string)",
      "vms[0].port: must be a port number 1–65535, got 99999",
      'vms[1]: unknown key "hots"',
      'vms[1].name: duplicate name "a" (first at vms[0])',
      'groups[0].vms[1]: unknown VM "ghost"',
      "users[0]: give exactly one of api_key or api_key_sha256",
      'users[0].groups[0]: unknown group "ops"',
    ]);
  });

  it("reports cross-reference problems together", () => {
    const list = problems(`
vms:
- {name: a, host: h, user: u}
- {name: a, host: h, user: u, key: k, key_path: /p}
groups:
- {name: dev, vms: [a, ghost]}
users:
- {name: alice, groups: [ops]}
`);
    expect(list).toEqual([
      'vms[1].name: duplicate name "a" (first at vms[0])',
      "vms[1]: give either key or key_path, not both",
      'groups[0].vms[1]: unknown VM "ghost"',
      "users[0]: give exactly one of api_key or api_key_sha256",
      'users[0].groups[0]: unknown group "ops"',
    ]);
  });

  it("reports structural and cross-reference problems in one round", () => {
    expect(
      problems(`
vms:
- {name: web1, host: h, user: u, port: "2222"}
- {name: web2, host: h, user: u, port: "22a"}
- {name: web1, host: h, user: u}
- {name: web3, user: u, agent: dc9}
groups:
- {name: dev, vms: [web1, web9, web2]}
- {name: dev, vms: [web3, 7], colour: red}
users:
- {name: alice, api_key: k, groups: [dev, ops]}
- {name: bob, api_key_sha256: "xyz", groups: [dev]}
- {name: carol, groups: [dev]}
`),
    ).toEqual([
      'vms[1].port: must be a port number 1–65535, got "22a"',
      'vms[2].name: duplicate name "web1" (first at vms[0])',
      "vms[3].host: required (a string)",
      'vms[3].agent: unknown agent "dc9" (no agents: list, so the only agent is "default")',
      'groups[0].vms[1]: unknown VM "web9"',
      "groups[1].vms[1]: must be a string, got a number (put it in quotes)",
      'groups[1]: unknown key "colour"',
      'groups[1].name: duplicate name "dev" (first at groups[0])',
      'users[0].groups[1]: unknown group "ops"',
      "users[1].api_key_sha256: must be 64 hex characters (a SHA-256 digest)",
      "users[2]: give exactly one of api_key or api_key_sha256",
    ]);
  });

  it("skips references into a list that is itself broken, instead of calling every name unknown", () => {
    expect(problems("vms: {web1: {host: h}}\ngroups: [{name: g, vms: [web1]}]\n")).toEqual([
      "vms: must be a list, got a mapping",
    ]);
    expect(
      problems(`
vms: [{name: a, host: h, user: u, agent: dc1}]
agents: {name: dc1}
`),
    ).toEqual(["agents: must be a list, got a mapping"]);
    // An entry that is not a mapping is one problem, not also a missing api_key.
    expect(problems("vms: [web1]\nusers: [alice]\n")).toEqual([
      "vms[0]: must be a mapping, got a string",
      "users[0]: must be a mapping, got a string",
    ]);
    // A VM whose other fields are broken still exists for its groups.
    expect(problems("vms: [{name: a, host: h, user: u, port: 0}]\ngroups: [{name: g, vms: [a]}]\n")).toEqual([
      "vms[0].port: must be a port number 1–65535, got 0",
    ]);
  });

  it("accepts a port written as a string of digits, and rejects anything else clearly", () => {
    expect(parseConfig('vms: [{name: a, host: h, user: u, port: "2222"}]').vms[0]?.port).toBe(2222);
    expect(parseConfig('vms: [{name: a, host: h, user: u, port: " 22 "}]').vms[0]?.port).toBe(22);
    const bad = (port: string) => problems(`vms: [{name: a, host: h, user: u, port: ${port}}]`);
    expect(bad('"22a"')).toEqual(['vms[0].port: must be a port number 1–65535, got "22a"']);
    expect(bad('""')).toEqual(['vms[0].port: must be a port number 1–65535, got ""']);
    expect(bad('"70000"')).toEqual(['vms[0].port: must be a port number 1–65535, got "70000"']);
    expect(bad("0")).toEqual(["vms[0].port: must be a port number 1–65535, got 0"]);
    expect(bad("22.5")).toEqual(["vms[0].port: must be a port number 1–65535, got 22.5"]);
    expect(bad("true")).toEqual(["vms[0].port: must be a port number 1–65535, got true"]);
    expect(bad("[22]")).toEqual(["vms[0].port: must be a port number 1–65535, got a list"]);
    expect(bad("")).toEqual(["vms[0].port: must be a port number 1–65535, got an empty value"]);
  });

  it("says what type a field wants, without echoing the value", () => {
    expect(
      problems(`
vms: [{name: 42, host: [a], user: u, passphrase: 123456, key_path: }]
users: [{name: x, api_key: 987654321, groups: dev}]
`),
    ).toEqual([
      "vms[0].name: must be a string, got a number (put it in quotes)",
      "vms[0].host: must be a string, got a list",
      "vms[0].key_path: must be a string, got an empty value",
      "vms[0].passphrase: must be a string, got a number (put it in quotes)",
      "users[0].api_key: must be a string, got a number (put it in quotes)",
      "users[0].groups: must be a list, got a string",
    ]);
  });

  it("flags two users or agents sharing a secret, without echoing it", () => {
    const list = problems(`
vms: []
users: [{name: a, api_key: same-secret}, {name: b, api_key: same-secret}]
agents: [{name: x, token_sha256: "${"c".repeat(64)}"}, {name: y, token_sha256: "${"C".repeat(64)}"}]
`);
    expect(list).toEqual([
      "users[1].api_key: same API key as users[0]",
      "agents[1].token_sha256: same token as agents[0]",
    ]);
  });

  it("takes several token digests per agent while tokens rotate, each still unique", () => {
    const [a, b, c] = ["a", "b", "c"].map((x) => x.repeat(64));
    const config = parseConfig(
      `vms: []\nagents: [{name: x, token_sha256: ["${a}", "${b}"]}, {name: y, token_sha256: "${c}"}]`,
    );
    expect(config.agents?.map((agent) => agent.token_sha256)).toEqual([[a, b], c]);
    expect(
      problems(
        `vms: []\nagents: [{name: x, token_sha256: ["${a}", "${b}"]}, {name: y, token_sha256: ["${c}", "${b}"]}]`,
      ),
    ).toEqual(["agents[1].token_sha256[1]: same token as agents[0].token_sha256[1]"]);
    expect(problems(`vms: []\nagents: [{name: x, token_sha256: []}]`)).toHaveLength(1);
  });

  it("reads a list that carries its own `constructor` property (a JS caller's) without throwing", () => {
    const vms = Object.defineProperty([{ name: "a", host: "h", user: "u" }], "constructor", {
      value: 5,
      enumerable: true,
    });
    expect(inspectConfigObject({ vms }).issues).toEqual([]);
  });

  it("inspects without throwing: the issues, and each VM mapping as far as it could be read", () => {
    const report = inspectConfig('vms: [{name: a, host: h, user: u, port: "x", key_path: /k}, 5]');
    expect(report.config).toBeUndefined();
    expect(report.issues.map((i) => i.path)).toEqual(["vms[0].port", "vms[1]"]);
    expect(report.vms).toEqual([
      {
        index: 0,
        path: "vms[0]",
        fields: { name: "a", host: "h", user: "u", key_path: "/k" },
        given: new Set(["name", "host", "user", "port", "key_path"]),
      },
    ]);
    const ok = inspectConfig("vms: [{name: a, host: h, user: u}]");
    expect(ok.issues).toEqual([]);
    expect(ok.config?.vms[0]?.port).toBe(22);
  });

  it("reports malformed YAML with its line, and never echoes a secret", () => {
    const list = problems("vms:\n  - name: a\n   host: [unclosed\n");
    expect(list[0]).toMatch(/line \d+, column \d+: YAML syntax error/);
    const secret = problems('vms: []\nusers: [{name: a, api_key: "s3cr3t-value", groups: [nope]}]');
    expect(secret.join("\n")).not.toContain("s3cr3t-value");
  });

  it("rejects an empty file and a wrong top-level key", () => {
    expect(problems("")[0]).toMatch(/empty/);
    expect(problems("vm: []")).toEqual([': unknown key "vm"', "vms: required (a list)"]);
    expect(problems("- a\n- b\n")).toEqual([": the config must be a mapping with a `vms:` list, got a list"]);
  });
});
