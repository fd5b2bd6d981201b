import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, permissionsEnabled } from "./load.js";

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
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vms\[0\]\.host: required/),
        expect.stringMatching(/^vms\[0\]\.port: /),
        'vms[1]: unknown key "hots"',
      ]),
    );
    expect(list).toHaveLength(3);
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
      'vms[1].name: duplicate name "a"',
      "vms[1]: give either key or key_path, not both",
      'groups[0].vms[1]: unknown VM "ghost"',
      "users[0]: give exactly one of api_key or api_key_sha256",
      'users[0].groups[0]: unknown group "ops"',
    ]);
  });

  it("reports malformed YAML with its line, and never echoes a secret", () => {
    const list = problems("vms:\n  - name: a\n   host: [unclosed\n");
    expect(list[0]).toMatch(/line \d+, column \d+: YAML syntax error/);
    const secret = problems('vms: []\nusers: [{name: a, api_key: "s3cr3t-value", groups: [nope]}]');
    expect(secret.join("\n")).not.toContain("s3cr3t-value");
  });

  it("rejects an empty file and a wrong top-level key", () => {
    expect(problems("")[0]).toMatch(/empty/);
    expect(problems("vm: []")).toEqual(["vms: required (array)", ': unknown key "vm"']);
  });
});
