/**
 * Fuzzing authentication and authorization inside workerd: the Authorization parser, the key
 * lookup, the caller resolution (malformed, forged and near-miss keys: none accepted) and the
 * choice of target VMs (any VM or group not the caller's denies the whole call).
 */
import { parseConfig, sha256Hex } from "@telecommande/shared";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { anyString, fuzz, lookalikes, nearMissKey, secretArb } from "../../../shared/src/testing/arbitraries.js";
import { buildEdgeConfig, type EdgeConfig } from "../config/edge-config.js";
import type { ToolDeps } from "../mcp/deps.js";
import { resolveTargets } from "../mcp/targets.js";
import { type Caller, permittedVm, resolveCaller } from "./caller.js";
import { findBySecret } from "./compare.js";
import { parseAuthorization } from "./header.js";

/** Whitespace as a header may hold it (and as it may not: the parser sees any string). */
const space = fc.string({
  unit: fc.constantFrom(" ", "\t", "\u00a0", "\u2003", "\n", "\r", "\ufeff"),
  minLength: 1,
  maxLength: 3,
});
const anyCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
const token = fc.stringMatching(/^[\x21-\x7e]{1,40}$/).filter((t) => !/^bearer$/i.test(t));
const scheme = fc.oneof(
  anyCase("bearer"),
  anyCase("basic"),
  anyCase("token"),
  anyCase("digest"),
  fc.constantFrom("Bearer:", "Bearer,", "Bearer=", "Bearerx", "Beare", "Bеarer"),
);

/** Headers of every shape: schemes in any case, spaces and tabs, commas, several tokens, junk. */
const header = fc.oneof(
  fc
    .tuple(fc.option(space), scheme, space, token, fc.option(space))
    .map(([a, s, b, t, c]) => `${a ?? ""}${s}${b}${t}${c ?? ""}`),
  fc.tuple(scheme, space, token, fc.constantFrom(" ", ", ", ",", "\t"), token).map((p) => p.join("")),
  fc.tuple(fc.option(space), token, fc.option(space)).map(([a, t, c]) => `${a ?? ""}${t}${c ?? ""}`),
  anyString,
  fc.constantFrom("", " ", "Bearer", "bearer ", "Bearer  ", ",", "Bearer ,", "null", "undefined", "x".repeat(100_000)),
);

const keyArb = secretArb.map((s) => s.replace(/\s/g, "_"));

describe("parseAuthorization fuzz", () => {
  it("never throws; gives only `Bearer <one token>` or a bare one-word key", () => {
    fc.assert(
      fc.property(header, (value) => {
        const key = parseAuthorization(value);
        if (key === null) return;
        expect(key).not.toBe("");
        expect(key).not.toMatch(/\s/);
        const trimmed = value.trim();
        const bearer = /^bearer\s+/i.exec(trimmed);
        // Either the whole header is the key (one word, not the bare scheme), or it is `Bearer <key>`.
        if (trimmed === key) expect(key).not.toMatch(/^bearer$/i);
        else expect(bearer && trimmed.slice(bearer[0].length)).toBe(key);
      }),
      fuzz(10_000),
    );
  });

  it("reads the token of every well-formed header, and nothing from another scheme or two tokens", () => {
    fc.assert(
      fc.property(fc.option(space), anyCase("bearer"), space, token, fc.option(space), token, (a, s, b, t, c, u) => {
        expect(parseAuthorization(`${a ?? ""}${s}${b}${t}${c ?? ""}`)).toBe(t);
        expect(parseAuthorization(`${a ?? ""}${t}${c ?? ""}`)).toBe(t);
        expect(parseAuthorization(`${s}${b}${t} ${u}`)).toBeNull();
        expect(parseAuthorization(`Basic${b}${t}`)).toBeNull();
        expect(parseAuthorization(`${t} ${u}`)).toBeNull();
      }),
      fuzz(5_000),
    );
  });
});

describe("key lookup fuzz", () => {
  it("finds exactly the entry whose digest is the secret's, or none", async () => {
    const keysAndProbe = fc
      .uniqueArray(keyArb, { minLength: 1, maxLength: 5 })
      .chain((keys) =>
        fc.tuple(fc.constant(keys), fc.oneof(fc.constantFrom(...keys), ...keys.map((k) => nearMissKey(k)), anyString)),
      );
    await fc.assert(
      fc.asyncProperty(keysAndProbe, async ([keys, probe]) => {
        const entries = await Promise.all(keys.map(async (k, i) => ({ i, hash: await sha256Hex(k) })));
        const found = await findBySecret(probe, [...entries, { i: -2, hash: "" }], (e) => e.hash);
        expect(found?.i ?? null).toBe(keys.includes(probe) ? keys.indexOf(probe) : null);
      }),
      fuzz(5_000),
    );
  });
});

/** Three users, plain and hashed keys; returns the config and each user's key. */
async function fleet(alice: string, bob: string, carol: string) {
  const yaml = JSON.stringify({
    vms: ["vm1", "vm2", "vm3", "vm4", "db1", "Vm1"].map((name, i) => ({ name, host: `10.0.0.${i}`, user: "u" })),
    groups: [
      { name: "dev", vms: ["vm1", "vm2"] },
      { name: "ops", vms: ["vm3"] },
      { name: "db", vms: ["db1", "vm1"] },
      { name: "caps", vms: ["Vm1"] },
      { name: "empty", vms: [] },
    ],
    users: [
      { name: "alice", api_key: alice, groups: ["dev", "empty"] },
      { name: "bob", api_key_sha256: (await sha256Hex(bob)).toUpperCase(), groups: ["ops", "db"] },
      { name: "carol", api_key: carol, groups: ["caps"] },
    ],
  });
  return buildEdgeConfig(parseConfig(yaml));
}

describe("caller resolution fuzz: forged and near-miss keys", () => {
  it("accepts exactly the configured keys, and nothing near them", async () => {
    const keys = fc.uniqueArray(keyArb, { minLength: 3, maxLength: 3 });
    const forged = (real: string[]) =>
      fc.oneof(
        nearMissKey(real[0] as string),
        nearMissKey(real[1] as string),
        nearMissKey(real[2] as string),
        fc.constantFrom(...real).map((k) => sha256Hex(k)),
        fc.constantFrom(...real).map(async (k) => (await sha256Hex(k)).toUpperCase()),
        fc.constantFrom(...real).map((k) => `${k}${k}`),
        fc.constantFrom("", " ", "bearer", "null", "undefined", "*", "%", "0".repeat(64)),
        anyString,
      );
    const wrap = fc.constantFrom(
      (k: string) => `Bearer ${k}`,
      (k: string) => k,
      (k: string) => `bearer\t${k} `,
      (k: string) => `Basic ${k}`,
      (k: string) => `Bearer ${k} ${k}`,
      (k: string) => `Bearer,${k}`,
      (k: string) => `Token ${k}`,
      (k: string) => ` ${k}\t`,
    );
    await fc.assert(
      fc.asyncProperty(
        keys.chain((real) => fc.tuple(fc.constant(real), forged(real), wrap)),
        async ([real, candidate, wrapped]) => {
          const [alice, bob, carol] = real as [string, string, string];
          const config = await fleet(alice, bob, carol);
          const key = await candidate;
          const value = wrapped(key);
          const caller = await resolveCaller(config, value);
          const parsed = parseAuthorization(value);
          const owner = parsed === null ? -1 : real.indexOf(parsed);
          if (owner === -1) expect(caller, `accepted ${JSON.stringify(value)}`).toBeNull();
          else expect(caller?.name).toBe(["alice", "bob", "carol"][owner]);
          // The real keys themselves, as sent by a client, are accepted as their owner.
          expect((await resolveCaller(config, `Bearer ${bob}`))?.name).toBe("bob");
        },
      ),
      fuzz(3_000),
    );
  });
});

describe("target authorization fuzz", () => {
  let config: EdgeConfig;
  let callers: Caller[];
  beforeAll(async () => {
    config = await fleet("alice-key", "bob-key", "carol-key");
    const resolved = await Promise.all(
      ["alice-key", "bob-key", "carol-key"].map((k) => resolveCaller(config, `Bearer ${k}`)),
    );
    const open = await resolveCaller({ ...config, permissions: false }, undefined);
    callers = [...resolved, open].filter((c): c is Caller => c !== null);
    expect(callers.map((c) => c.name)).toEqual(["alice", "bob", "carol", "anonymous"]);
  });

  const ALL_VMS = ["vm1", "vm2", "vm3", "vm4", "db1", "Vm1"];
  const ALL_GROUPS = ["dev", "ops", "db", "caps", "empty"];
  const nameLike = (all: string[]) =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...all), weight: 6 },
      { arbitrary: fc.constantFrom(...all.flatMap(lookalikes)), weight: 3 },
      { arbitrary: fc.constantFrom("", "*", "all", "vm", "vm5", "__proto__", "constructor", "toString"), weight: 1 },
      { arbitrary: anyString, weight: 1 },
    );

  it("denies the whole call when any VM or group is not the caller's; else gives exactly theirs", () => {
    fc.assert(
      fc.property(
        fc.nat(3),
        fc.array(nameLike(ALL_VMS), { maxLength: 5 }),
        fc.array(nameLike(ALL_GROUPS), { maxLength: 3 }),
        (who, vmNames, groups) => {
          const caller = callers[who] as Caller;
          const deps = { config: caller.name === "anonymous" ? { ...config, permissions: false } : config, caller };
          const targets = resolveTargets(deps as unknown as ToolDeps, vmNames, groups);
          const mine = new Set(caller.vms.map((vm) => vm.name));
          const allowed =
            vmNames.every((n) => mine.has(n)) &&
            groups.every((g) => caller.groups.has(g) && (config.groups.get(g) ?? ["?"]).every((n) => mine.has(n)));
          if (!allowed) {
            expect(targets).toBeNull();
            return;
          }
          const expected = [...new Set([...vmNames, ...groups.flatMap((g) => config.groups.get(g) ?? [])])];
          expect(targets?.map((vm) => vm.name)).toEqual(expected);
          for (const vm of targets ?? []) expect(mine.has(vm.name)).toBe(true);
        },
      ),
      fuzz(10_000),
    );
  });

  it("permits a VM by its exact name only", () => {
    fc.assert(
      fc.property(fc.nat(3), nameLike(ALL_VMS), (who, name) => {
        const caller = callers[who] as Caller;
        const vm = permittedVm(caller, name);
        if (vm) expect(vm.name).toBe(name);
        expect(vm !== null).toBe(caller.vms.some((v) => v.name === name));
      }),
      fuzz(10_000),
    );
  });
});
