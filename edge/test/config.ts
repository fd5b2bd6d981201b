/** @module The config the edge tests run with (imported by vitest.config.ts, so no workerd imports here). */

export const AGENT_TOKEN = "agent-secret";

/** alice (plain key) reaches vm1+vm2 through "dev"; bob (hashed key) reaches vm3 through "ops". */
export const TEST_CONFIG = JSON.stringify({
  vms: [
    { name: "vm1", host: "10.0.0.1", user: "ubuntu", key: "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n" },
    { name: "vm2", host: "10.0.0.2", port: 2222, user: "ubuntu", key_path: "/keys/vm2" },
    { name: "vm3", host: "10.0.0.3", user: "root", key_path: "/keys/vm3" },
  ],
  groups: [
    { name: "dev", vms: ["vm1", "vm2"] },
    { name: "ops", vms: ["vm3"] },
  ],
  users: [
    { name: "alice", api_key: "alice-key", groups: ["dev"] },
    {
      name: "bob",
      api_key_sha256: "9b94dc1a51a38769f135edf04033ad7f2f487b6c25929be7a861cfc1ab10cf98",
      groups: ["ops"],
    },
  ],
});
