/**
 * Zero bypasses, end to end: tool calls that name a VM or group the caller may not use, or
 * carry a forged key, go through the real /mcp endpoint with an agent connected. Every one
 * is denied with the one denial message, and no job ever reaches the agent.
 */
import { DENIED_MESSAGE } from "@telecommande/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz, lookalikes, nearMissKey } from "../../shared/src/testing/arbitraries.js";
import { connectReady } from "./fake-agent.js";
import { mcpClient, mcpPost, textOf } from "./fixtures.js";

/** TEST_CONFIG: alice reaches vm1+vm2 (group dev), bob vm3 (group ops). */
const USERS = {
  alice: { key: "alice-key", vms: ["vm1", "vm2"], groups: ["dev"] },
  bob: { key: "bob-key", vms: ["vm3"], groups: ["ops"] },
} as const;
type User = keyof typeof USERS;

const printable = (s: string) => /^[\x21-\x7e]+$/.test(s);

/** A VM name the user may not use: another user's, unknown, or a look-alike of their own. */
const deniedVm = (user: User) =>
  fc
    .oneof(
      fc.constantFrom("vm1", "vm2", "vm3", "vm4", "nope", "*", "all", "__proto__", "dev", "ops"),
      fc.constantFrom(...["vm1", "vm2", "vm3"].flatMap(lookalikes)),
      fc.string({ minLength: 1, maxLength: 20 }),
    )
    .filter((name) => !(USERS[user].vms as readonly string[]).includes(name));
const deniedGroup = (user: User) =>
  fc
    .oneof(
      fc.constantFrom("dev", "ops", "all", "*", "vm1", "Dev", "OPS"),
      fc.constantFrom(...["dev", "ops"].flatMap(lookalikes)),
      fc.string({ minLength: 1, maxLength: 20 }),
    )
    .filter((name) => !(USERS[user].groups as readonly string[]).includes(name));

/** Fleet targets with at least one name that is not the user's, among their own. */
const fleetTargets = (user: User) =>
  fc
    .record({
      own: fc.subarray([...USERS[user].vms]),
      ownGroups: fc.subarray([...USERS[user].groups]),
      badVms: fc.array(deniedVm(user), { maxLength: 2 }),
      badGroups: fc.array(deniedGroup(user), { maxLength: 2 }),
      order: fc.boolean(),
    })
    .filter((t) => t.badVms.length + t.badGroups.length > 0)
    .map((t) => ({
      vm_names: t.order ? [...t.own, ...t.badVms] : [...t.badVms, ...t.own],
      groups: [...t.ownGroups, ...t.badGroups],
    }));

/** A schema-valid call of every VM tool, naming something the user may not use. */
const deniedCall = (user: User): fc.Arbitrary<{ name: string; arguments: Record<string, unknown> }> => {
  const bad = deniedVm(user);
  const any = fc.oneof(bad, fc.constantFrom(...USERS[user].vms));
  return fc.oneof(
    fc.record({ name: fc.constantFrom("ssh_is_vm_up", "ssh_vm_distro_info"), arguments: fc.record({ vm_name: bad }) }),
    fc.record({
      name: fc.constant("ssh_run_command"),
      arguments: fc.record({
        vm_name: bad,
        command: fc.constantFrom("id", "rm -rf /", "cat /etc/shadow"),
        background: fc.boolean(),
      }),
    }),
    fc.record({
      name: fc.constant("ssh_run_parallel"),
      arguments: fc
        .tuple(fleetTargets(user), fc.boolean())
        .map(([t, background]) => ({ ...t, command: "id", background })),
    }),
    fc.record({
      name: fc.constant("ssh_install_packages"),
      arguments: fleetTargets(user).map((t) => ({ ...t, packages: ["curl"] })),
    }),
    fc.record({ name: fc.constant("ssh_fleet_health"), arguments: fleetTargets(user) }),
    fc.record({
      name: fc.constant("ssh_read_logs"),
      arguments: fleetTargets(user).map((t) => ({ ...t, unit: "ssh" })),
    }),
    fc.record({
      name: fc.constant("ssh_read_file"),
      arguments: fc.record({ vm_name: bad, path: fc.constant("/etc/hostname") }),
    }),
    fc.record({
      name: fc.constant("ssh_write_file"),
      arguments: fc.record({ vm_name: bad, path: fc.constant("/tmp/x"), content: fc.constant("pwned") }),
    }),
    fc.record({
      name: fc.constant("ssh_copy_file"),
      arguments: fc
        .tuple(any, any, fc.boolean())
        .filter(
          ([a, b]) =>
            !(USERS[user].vms as readonly string[]).includes(a) || !(USERS[user].vms as readonly string[]).includes(b),
        )
        .map(([from_vm, to_vm]) => ({ from_vm, from_path: "/etc/passwd", to_vm, to_path: "/tmp/p" })),
    }),
  );
};

describe("denied tool calls through /mcp (fuzz)", () => {
  it(
    "never lets a job reach the agent for a VM, a group or a key that is not the caller's",
    { timeout: 120_000 },
    async () => {
      const agent = await connectReady();
      const clients = { alice: await mcpClient("Bearer alice-key"), bob: await mcpClient("bob-key") };
      const forgedKey = fc
        .oneof(
          nearMissKey("alice-key"),
          nearMissKey("bob-key"),
          fc.constantFrom(
            "alice",
            "bob",
            "agent-secret",
            "9b94dc1a51a38769f135edf04033ad7f2f487b6c25929be7a861cfc1ab10cf98",
          ),
        )
        .filter((k) => printable(k) && k !== "alice-key" && k !== "bob-key");
      const scenario = fc.oneof(
        fc.tuple(fc.constant<User | "forged">("alice"), deniedCall("alice"), fc.constant("")),
        fc.tuple(fc.constant<User | "forged">("bob"), deniedCall("bob"), fc.constant("")),
        fc.tuple(fc.constant<User | "forged">("forged"), deniedCall("alice"), forgedKey),
      );
      let calls = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async ([who, call, key]) => {
          calls++;
          if (who === "forged") {
            const res = await mcpPost(
              { jsonrpc: "2.0", id: calls, method: "tools/call", params: call },
              { authorization: calls % 2 ? `Bearer ${key}` : key },
            );
            expect(res.status).toBe(401);
            expect(((await res.json()) as { error: { message: string } }).error.message).toBe(DENIED_MESSAGE);
          } else {
            const result = await clients[who].callTool(call);
            expect(textOf(result), JSON.stringify(call)).toBe(DENIED_MESSAGE);
            expect(result.isError).toBe(true);
          }
          expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);
        }),
        fuzz(300),
      );
      // Anything still in flight would have arrived by now.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(agent.inbox.filter((m) => m.type === "job")).toEqual([]);

      // The control: a permitted call does reach the agent, so the silence above means something.
      const allowed = clients.alice.callTool({ name: "ssh_is_vm_up", arguments: { vm_name: "vm1" } });
      const job = await agent.next("job");
      expect(job).toMatchObject({ kind: "probe", vm: "vm1", caller: "alice" });
      agent.send({
        type: "result",
        id: job.id,
        result: { kind: "probe", reachable: true, latency_ms: 1, reason: null },
      });
      expect((await allowed).isError).toBeFalsy();
    },
  );
});
