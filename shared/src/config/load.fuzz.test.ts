/**
 * Fuzzing the config parser: arbitrary text and values never make it throw anything but a
 * ConfigError, no error ever shows a secret that was in the config, valid configs round-trip.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { anyString, fuzz, mutate, mutationArb, secretArb, validConfigArb } from "../testing/arbitraries.js";
import { ConfigError, inspectConfig, inspectConfigObject, parseConfig, parseConfigObject } from "./load.js";

/** Runs `parse`: it returns, or throws a ConfigError (anything else fails the property). */
function parsedOrConfigError(parse: () => unknown): ConfigError | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw new Error(`threw something else than a ConfigError: ${error}`);
    return error;
  }
}

/** Everything an error shows: its message and each issue. */
function shown(error: ConfigError | undefined, issues: unknown): string {
  return `${error?.message ?? ""}\n${JSON.stringify(issues)}`;
}

/** No secret is shown, not even 12 characters of one (each holds a random 16-character core). */
function expectNoSecret(text: string, secrets: readonly string[]) {
  for (const secret of secrets) {
    // The private key's armour lines are not secret; its body is.
    const body = secret.replace(/-----[A-Z ]+-----\n?/g, "");
    for (let i = 0; i + 12 <= body.length; i++) {
      const part = body.slice(i, i + 12);
      if (text.includes(part))
        throw new Error(`a secret is shown: ${JSON.stringify(part)} of ${JSON.stringify(body)} in\n${text}`);
    }
  }
}

/** Bits of YAML: indicators, anchors and aliases, tags, directives, keys of the config. */
const yamlToken = fc.oneof(
  fc.constantFrom(
    "vms:",
    "groups:",
    "users:",
    "agents:",
    "- ",
    "name: ",
    "host: ",
    "port: ",
    "api_key: ",
    "api_key_sha256: ",
    "token_sha256: ",
    "key: ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!map ",
    "!x ",
    "!<tag:x> ",
    "!e!x ",
    "|",
    "|-",
    ">",
    "? ",
    ": ",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "\t",
    "#",
    "'",
    '"',
    '"\\x',
    "%YAML 1.2\n",
    "%TAG !e! tag:x:\n",
    "---\n",
    "...\n",
    "0x1F",
    "1e3",
    "0123",
    "~",
    "null",
    "yes",
    "\ufeff",
    "\r",
    "@",
    "`",
  ),
  fc.stringMatching(/^[a-z0-9]{1,8}$/),
  secretArb,
);

const yamlishText = fc.array(yamlToken, { maxLength: 60 }).map((tokens) => tokens.join(""));

/** Nested collections, as text: flow lists, flow mappings, block lists. */
function nested(depth: number, open: string): string {
  if (open === "- ") return `vms:\n${Array.from({ length: depth }, (_, i) => `${" ".repeat(i * 2)}- `).join("\n")}x`;
  return `vms: ${open.repeat(depth)}x${(open === "[" ? "]" : "}").repeat(depth)}`;
}

const deepText = fc.tuple(fc.nat(200), fc.constantFrom("[", "{a: ", "- ")).map(([depth, open]) => nested(depth, open));

/** A small alias bomb: each level an anchored list of `fanout` aliases of the level below. */
const aliasBomb = fc
  .record({ depth: fc.integer({ min: 1, max: 6 }), fanout: fc.integer({ min: 1, max: 12 }), where: fc.nat(3) })
  .map(({ depth, fanout, where }) => {
    const lines = ["l0: &l0 [x, x, x]"];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `l${i}: &l${i} [${Array(fanout)
          .fill(`*l${i - 1}`)
          .join(", ")}]`,
      );
    const bomb = `*l${depth}`;
    const tail = [
      `vms: ${bomb}`,
      `vms: [{name: a, host: ${bomb}, user: u}]`,
      `vms: []\nusers: [{name: a, api_key: ${bomb}}]`,
      `vms: []\nmore: ${bomb}`,
    ][where];
    return `${lines.join("\n")}\n${tail}`;
  });

type Style = "plain" | "single" | "double" | "block";

/** Writes a scalar as YAML in the given style, valid or not: the parser must cope either way. */
function scalar(value: unknown, style: Style, indent: string): string {
  if (typeof value !== "string") return JSON.stringify(value) ?? "null";
  if (style === "single") return `'${value.replace(/'/g, "''")}'`;
  if (style === "double") return JSON.stringify(value);
  if (style === "block")
    return `|\n${value
      .split("\n")
      .map((line) => `${indent}  ${line}`)
      .join("\n")}`;
  return value;
}

/** Block-style YAML of a config, each string in a style of its own (from `styles`, cycled). */
function toYaml(value: unknown, styles: readonly Style[], indent = ""): string {
  let n = 0;
  const style = () => styles[n++ % styles.length] ?? "double";
  const write = (v: unknown, ind: string): string => {
    if (Array.isArray(v)) {
      if (!v.length) return "[]";
      return `\n${v.map((item) => `${ind}- ${write(item, `${ind}  `).replace(/^\n\s*/, "")}`).join("\n")}`;
    }
    if (typeof v === "object" && v !== null) {
      const entries = Object.entries(v);
      if (!entries.length) return "{}";
      return `\n${entries.map(([k, item]) => `${ind}${JSON.stringify(k)}: ${write(item, `${ind}  `)}`).join("\n")}`;
    }
    return scalar(v, style(), ind);
  };
  return write(value, indent).replace(/^\n/, "");
}

const styleArb = fc.array(fc.constantFrom<Style>("plain", "single", "double", "block"), {
  minLength: 1,
  maxLength: 8,
});

describe("config parser fuzz", () => {
  it("never throws on any text but a ConfigError, and inspects without throwing", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.oneof(anyString, yamlishText, aliasBomb, deepText), (text) => {
        const inspection = inspectConfig(text);
        expect(inspection.config === undefined).toBe(inspection.issues.length > 0);
        parsedOrConfigError(() => parseConfig(text));
      }),
      fuzz(3_000),
    );
  });

  it("reads very deep nesting without throwing anything but a ConfigError", { timeout: 120_000 }, () => {
    for (const depth of [5_000, 20_000]) {
      for (const open of ["[", "{a: "]) parsedOrConfigError(() => parseConfig(nested(depth, open)));
    }
    parsedOrConfigError(() => parseConfig(nested(3_000, "- ")));
  });

  it("never throws on any value but a ConfigError", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true }), (value) => {
        const inspection = inspectConfigObject(value);
        expect(inspection.config === undefined).toBe(inspection.issues.length > 0);
        parsedOrConfigError(() => parseConfigObject(value));
      }),
      fuzz(10_000),
    );
  });

  it("never shows a secret of a broken config, read as a value", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(validConfigArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), ({ raw, secrets }, ms) => {
        const broken = mutate(raw, ms);
        const error = parsedOrConfigError(() => parseConfigObject(broken));
        expectNoSecret(shown(error, inspectConfigObject(broken).issues), secrets);
      }),
      fuzz(),
    );
  });

  it("never shows a secret of a config written as YAML in any style, valid or broken", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(
        validConfigArb,
        fc.array(mutationArb, { maxLength: 3 }),
        styleArb,
        fc.constantFrom("yaml", "json", "flow"),
        ({ raw, secrets }, ms, styles, format) => {
          const config = mutate(raw, ms);
          const text =
            format === "json"
              ? JSON.stringify(config)
              : format === "flow"
                ? stringify(config, { collectionStyle: "flow" })
                : toYaml(config, styles);
          // parseConfig throws exactly this error (and nothing else: see the first property).
          const { issues } = inspectConfig(text);
          expectNoSecret(shown(issues.length ? new ConfigError(issues) : undefined, issues), secrets);
        },
      ),
      fuzz(),
    );
  });

  it(
    "shows no secret written where YAML reads an alias, a tag, a block header, an escape or a directive",
    { timeout: 120_000 },
    () => {
      const place = fc.constantFrom(
        (s: string) => `vms: []\nusers: [{name: a, api_key: *${s}}]`,
        (s: string) => `vms: []\nusers:\n  - name: a\n    api_key: !${s} x`,
        (s: string) => `vms: []\nusers:\n  - name: a\n    api_key: !e!${s} x`,
        (s: string) => `vms: []\nusers:\n  - name: a\n    api_key: !<${s}> x`,
        (s: string) => `vms:\n  - name: a\n    host: h\n    user: u\n    key: |${s}\n      body\n`,
        (s: string) => `vms:\n  - name: a\n    host: h\n    user: u\n    passphrase: "\\U${s}"`,
        (s: string) => `%YAML ${s}\n---\nvms: []`,
        (s: string) => `%TAG !e! ${s}\n---\nvms: []`,
        (s: string) => `vms: []\nusers: [{name: a, api_key: &${s} x}, {name: b, api_key: *${s}}]`,
        (s: string) => `vms: []\n${s}`,
        (s: string) => `vms: []\nusers: [{name: a, api_key: x,${s}}]`,
        (s: string) => `vms: []\nusers: [{name: a, api_key:${s}}]`,
        (s: string) => `vms: []\nusers: [{name: a, ${s}}]`,
        (s: string) => `vms: []\nusers:\n  - name: a\n    ? ${s}\n`,
        (s: string) => `vms: []\n]${s}`,
        (s: string) => `vms: [${s}\n`,
      );
      fc.assert(
        fc.property(secretArb, place, (secret, at) => {
          const text = at(secret);
          const error = parsedOrConfigError(() => parseConfig(text));
          expectNoSecret(shown(error, inspectConfig(text).issues), [secret]);
        }),
        fuzz(5_000),
      );
    },
  );

  it(
    "round-trips valid configs: checked once is checked for good, as a value, as JSON and as YAML",
    { timeout: 120_000 },
    () => {
      fc.assert(
        fc.property(validConfigArb, ({ raw }) => {
          const config = parseConfigObject(raw);
          expect(parseConfigObject(config)).toEqual(config);
          expect(parseConfig(JSON.stringify(raw))).toEqual(config);
          expect(parseConfig(stringify(raw))).toEqual(config);
        }),
        fuzz(),
      );
    },
  );
});
