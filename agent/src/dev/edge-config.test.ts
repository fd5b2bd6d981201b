import { parseConfig, parseConfigObject, sha256Hex } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { agentNames, buildEdgeConfig, newAgentCredentials, newAgentToken, wranglerArgs } from "./edge-config.js";

const PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";

const CONFIG = parseConfig(`
vms:
- {name: web, host: 10.0.0.1, user: ubuntu, key: ${JSON.stringify(PRIVATE_KEY)}, passphrase: hunter2}
- {name: db, host: 10.0.0.2, user: root, key_path: /etc/keys/db, agent: dc2}
- {name: cache, host: 10.0.0.3, user: root, key_path: /etc/keys/cache, host_key: "SHA256:abc"}
groups: [{name: all, vms: [web, db, cache]}]
users:
- {name: alice, api_key: alice-plain-secret, groups: [all]}
- {name: bob, api_key_sha256: "${"c".repeat(64)}", groups: []}
agents:
- {name: default, token_sha256: "${"d".repeat(64)}"}
- {name: dc2, token_sha256: "${"e".repeat(64)}"}
`);

/** Every object key anywhere in a JSON value. */
function keysDeep(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysDeep);
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [k, ...keysDeep(v)]);
  }
  return [];
}

describe("edge config for wrangler dev", () => {
  it("carries no key material, no key path, no passphrase and no plain API key", async () => {
    const agents = newAgentCredentials(CONFIG);
    const json = JSON.stringify(await buildEdgeConfig(CONFIG, agents));
    const keys = keysDeep(JSON.parse(json));
    for (const forbidden of ["key", "key_path", "passphrase", "api_key"]) expect(keys).not.toContain(forbidden);
    for (const secret of ["PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAA", "/etc/keys", "hunter2", "alice-plain-secret"]) {
      expect(json).not.toContain(secret);
    }
    for (const { token } of agents) expect(json).not.toContain(token);
  });

  it("keeps what the edge needs: VMs, groups, hashed users, and a digest per started agent", async () => {
    const agents = [
      { name: "default", token: "token-one" },
      { name: "dc2", token: "token-two" },
    ];
    const edge = await buildEdgeConfig(CONFIG, agents);
    expect(edge.vms.map((vm) => vm.name)).toEqual(["web", "db", "cache"]);
    expect(edge.vms[2]).toMatchObject({ host: "10.0.0.3", port: 22, user: "root", host_key: "SHA256:abc" });
    expect(edge.groups).toEqual(CONFIG.groups);
    expect(edge.users).toEqual([
      { name: "alice", api_key_sha256: await sha256Hex("alice-plain-secret"), groups: ["all"] },
      { name: "bob", api_key_sha256: "c".repeat(64), groups: [] },
    ]);
    // The file's own agent digests belong to production agents: replaced, not merged.
    expect(edge.agents).toEqual([
      { name: "default", token_sha256: await sha256Hex("token-one") },
      { name: "dc2", token_sha256: await sha256Hex("token-two") },
    ]);
    // What the edge gets still passes the config schema, so its own parser accepts it.
    expect(() => parseConfigObject(edge)).not.toThrow();
  });

  it("starts one agent per agent name the VMs use, and 'default' for an empty fleet", () => {
    expect(agentNames(CONFIG)).toEqual(["default", "dc2"]);
    expect(agentNames(parseConfig("vms: []"))).toEqual(["default"]);
    const creds = newAgentCredentials(CONFIG);
    expect(creds.map((c) => c.name)).toEqual(["default", "dc2"]);
    expect(new Set(creds.map((c) => c.token)).size).toBe(2);
  });

  it("makes 256-bit URL-safe tokens", () => {
    const token = newAgentToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newAgentToken()).not.toBe(token);
  });

  it("passes the config to wrangler as one --var on one line, loopback only", async () => {
    const configJson = JSON.stringify(await buildEdgeConfig(CONFIG, newAgentCredentials(CONFIG)));
    const args = wranglerArgs({ port: 8799, configJson, persistDir: "/tmp/x/state" });
    expect(args.slice(0, 5)).toEqual(["dev", "--ip", "127.0.0.1", "--port", "8799"]);
    expect(args).toContain("--show-interactive-dev-session=false");
    expect(args[args.indexOf("--inspector-port") + 1]).toBe("0");
    expect(args[args.indexOf("--persist-to") + 1]).toBe("/tmp/x/state");
    const value = args[args.indexOf("--var") + 1] as string;
    expect(value).not.toContain("\n");
    // wrangler splits on the first colon: the name, then the JSON intact.
    const colon = value.indexOf(":");
    expect(value.slice(0, colon)).toBe("CONFIG_YAML");
    expect(JSON.parse(value.slice(colon + 1))).toEqual(JSON.parse(configJson));
    expect(args.join(" ")).not.toContain("ALLOW_ANONYMOUS");
  });

  it("passes ALLOW_ANONYMOUS on only when asked", () => {
    const args = wranglerArgs({ port: 8799, configJson: "{}", persistDir: "/tmp/x/state", allowAnonymous: true });
    expect(args.slice(-2)).toEqual(["--var", "ALLOW_ANONYMOUS:true"]);
  });
});
