/**
 * Fuzzing every tool's input schema: nothing makes safeParse throw; the validated fields
 * (package and unit names, log and remote paths, since, grep, file mode) refuse shell
 * metacharacters, control characters, `..` and overlong text; valid inputs pass.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { anyString, fuzz, HOSTILE_FRAGMENTS, hostileString, mutate, mutationArb } from "../testing/arbitraries.js";
import { TOOLS, type ToolName } from "./index.js";

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const nonEmpty = fc.string({ minLength: 1, maxLength: 30 });
const names = optional(fc.array(nonEmpty, { maxLength: 5 }));
const timeout = optional(fc.integer({ min: 1, max: 3600 }));
const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,11}$/).filter((s) => s !== ".." && s !== ".");
const remotePath = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([absolute, parts]) => `${absolute ? "/" : ""}${parts.join("/")}`);
const logPath = fc
  .array(segment, { minLength: 1, maxLength: 5 })
  .filter((parts) => parts[0] !== "proc" && parts[0] !== "sys")
  .map((parts) => `/${parts.join("/")}`);
const packageName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9+._:=~@-]{0,30}$/);
const unitName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,30}$/);
const since = fc.oneof(
  fc.constantFrom("today", "yesterday", "now", "-1h", "-30min", "2 hours ago", "1 day ago", "+5m"),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/),
  fc.stringMatching(/^\d{2}:\d{2}(:\d{2})?$/),
  fc.stringMatching(/^@\d{1,12}$/),
);
const grep = fc.string({ minLength: 1, maxLength: 256 }).filter((s) => !/[\0\n\r]/.test(s));
const mode = fc.stringMatching(/^0?[0-7]{3,4}$/);

/** A valid input of every tool: what a well-behaved client sends. */
const VALID: Record<ToolName, fc.Arbitrary<Record<string, unknown>>> = {
  ssh_list_vms: fc.constant({}),
  ssh_is_vm_up: fc.record({ vm_name: nonEmpty }),
  ssh_vm_distro_info: fc.record({ vm_name: nonEmpty }),
  ssh_run_command: fc.record({
    command: fc.string({ minLength: 1, maxLength: 200 }),
    vm_name: nonEmpty,
    timeout_s: timeout,
    background: optional(fc.boolean()),
  }),
  ssh_run_parallel: fc.record({
    command: fc.string({ minLength: 1, maxLength: 200 }),
    vm_names: names,
    groups: names,
    max_parallel: optional(fc.integer({ min: 1, max: 500 })),
    timeout_s: timeout,
    background: optional(fc.boolean()),
  }),
  ssh_job_status: fc.record({ job_id: fc.string({ minLength: 1, maxLength: 128 }) }),
  ssh_job_cancel: fc.record({ job_id: fc.string({ minLength: 1, maxLength: 128 }) }),
  ssh_search_logs: fc.record({
    query: nonEmpty,
    collection: optional(fc.constantFrom("commands", "stdout", "stderr")),
    host_filter: optional(fc.option(nonEmpty, { nil: null })),
    user_filter: optional(fc.option(nonEmpty, { nil: null })),
    time_hours: optional(fc.option(fc.integer({ min: 1, max: 24 * 365 }), { nil: null })),
    limit: optional(fc.integer({ min: 1, max: 50 })),
  }),
  ssh_get_statistics: fc.record({
    time_hours: optional(fc.option(fc.integer({ min: 1, max: 24 * 365 }), { nil: null })),
    user_filter: optional(fc.option(nonEmpty, { nil: null })),
    host_filter: optional(fc.option(nonEmpty, { nil: null })),
  }),
  ssh_suggest_commands: fc.record({
    context: nonEmpty,
    host: optional(fc.option(nonEmpty, { nil: null })),
    limit: optional(fc.integer({ min: 1, max: 50 })),
  }),
  ssh_install_packages: fc.record({
    packages: fc.array(packageName, { minLength: 1, maxLength: 50 }),
    vm_names: names,
    groups: names,
    dry_run: optional(fc.boolean()),
    update_index: optional(fc.boolean()),
    max_parallel: optional(fc.integer({ min: 1, max: 500 })),
    timeout_s: timeout,
  }),
  ssh_fleet_health: fc.record({
    vm_names: names,
    groups: names,
    max_parallel: optional(fc.integer({ min: 1, max: 500 })),
    timeout_s: timeout,
  }),
  ssh_read_logs: fc.record({
    vm_names: names,
    groups: names,
    unit: optional(unitName),
    path: optional(logPath),
    lines: optional(fc.integer({ min: 1, max: 2000 })),
    since: optional(since),
    grep: optional(grep),
    timeout_s: timeout,
  }),
  ssh_read_file: fc.record({
    vm_name: nonEmpty,
    path: remotePath,
    max_bytes: optional(fc.integer({ min: 1, max: 524_288 })),
    offset: optional(fc.nat()),
  }),
  ssh_write_file: fc.record({
    vm_name: nonEmpty,
    path: remotePath,
    content: fc.string({ maxLength: 200 }),
    encoding: optional(fc.constantFrom("utf8", "base64")),
    mode: optional(mode),
    backup: optional(fc.boolean()),
    follow_symlinks: optional(fc.boolean()),
  }),
  ssh_copy_file: fc.record({
    from_vm: nonEmpty,
    from_path: remotePath,
    to_vm: nonEmpty,
    to_path: remotePath,
    overwrite: optional(fc.boolean()),
  }),
};

const schemaOf = (name: ToolName) => z.object(TOOLS.find((t) => t.name === name)?.input ?? {});
const toolName = fc.constantFrom(...TOOLS.map((t) => t.name));

/** C0 controls and DEL: a newline, a NUL, a tab, an escape sequence's start. */
const hasControl = (v: string) => [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
/** What a shell or an option parser reads as more than a word. */
const SHELL = /[\s;&|$`<>(){}[\]*?!#'"\\,%^]/;
const hasDotDot = (p: string) => p.split("/").includes("..");

/**
 * Each validated field, how to put a value in a valid input, and what any value it accepts must
 * satisfy: written independently of the schemas, as the safety each field promises.
 */
const FIELDS = [
  {
    field: "packages[]",
    tool: "ssh_install_packages",
    put: (v: string) => ({ packages: ["curl", v], vm_names: ["a"] }),
    safe: (v: string) => /^[\x21-\x7e]{1,200}$/.test(v) && !SHELL.test(v) && !v.includes("/") && !/^[-.+]/.test(v),
  },
  {
    field: "unit",
    tool: "ssh_read_logs",
    put: (v: string) => ({ unit: v, vm_names: ["a"] }),
    safe: (v: string) => /^[\x21-\x7e]{1,256}$/.test(v) && !SHELL.test(v) && !v.includes("/") && !/^[-.]/.test(v),
  },
  {
    field: "since",
    tool: "ssh_read_logs",
    put: (v: string) => ({ unit: "nginx", since: v, vm_names: ["a"] }),
    safe: (v: string) => /^[0-9A-Za-z :+@-]{1,64}$/.test(v) && !/^ | $/.test(v),
  },
  {
    field: "grep",
    tool: "ssh_read_logs",
    put: (v: string) => ({ unit: "nginx", grep: v, vm_names: ["a"] }),
    // A fixed string, never code: only its being one line and its length matter.
    safe: (v: string) => v.length >= 1 && v.length <= 256 && !/[\0\n\r]/.test(v),
  },
  {
    field: "path (logs)",
    tool: "ssh_read_logs",
    put: (v: string) => ({ path: v, vm_names: ["a"] }),
    safe: (v: string) =>
      v.startsWith("/") &&
      v.length <= 1024 &&
      !hasControl(v) &&
      !hasDotDot(v) &&
      !/^\/(\.?\/)*(proc|sys)(\/|$)/.test(v),
  },
  {
    field: "path (files)",
    tool: "ssh_read_file",
    put: (v: string) => ({ vm_name: "a", path: v }),
    safe: (v: string) => v.length >= 1 && v.length <= 4096 && !hasControl(v) && !hasDotDot(v),
  },
  {
    field: "to_path",
    tool: "ssh_copy_file",
    put: (v: string) => ({ from_vm: "a", from_path: "/a", to_vm: "b", to_path: v }),
    safe: (v: string) => v.length >= 1 && v.length <= 4096 && !hasControl(v) && !hasDotDot(v),
  },
  {
    field: "mode",
    tool: "ssh_write_file",
    put: (v: string) => ({ vm_name: "a", path: "/a", content: "", mode: v }),
    safe: (v: string) => /^[0-7]{3,5}$/.test(v),
  },
] as const;

/** Strings made to slip past a path check: `..` segments, kernel trees by a detour, control characters. */
const pathAttack = fc
  .tuple(
    fc.array(fc.constantFrom("var", "log", ".", "", "..", "proc", "sys", "a\nb", "x\0", "\t", "\u001b", "%2e%2e"), {
      maxLength: 6,
    }),
    fc.boolean(),
  )
  .map(([parts, absolute]) => `${absolute ? "/" : ""}${parts.join("/")}`);

describe("tool input schemas fuzz", () => {
  it("covers every tool", () => {
    expect(Object.keys(VALID).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });

  it("never throws in safeParse, whatever the input", () => {
    fc.assert(
      fc.property(
        toolName,
        fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true }),
        (name, input) => {
          expect(typeof schemaOf(name).safeParse(input).success).toBe("boolean");
        },
      ),
      fuzz(5_000),
    );
  });

  it("accepts every valid input of every tool", () => {
    fc.assert(
      fc.property(
        toolName.chain((name) => fc.tuple(fc.constant(name), VALID[name])),
        ([name, input]) => {
          const parsed = schemaOf(name).safeParse(input);
          if (!parsed.success) throw new Error(`${name} refused ${JSON.stringify(input)}: ${parsed.error.message}`);
        },
      ),
      fuzz(5_000),
    );
  });

  it("never throws on valid inputs with fields broken, removed or added", () => {
    fc.assert(
      fc.property(
        toolName.chain((name) => fc.tuple(fc.constant(name), VALID[name])),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        ([name, input], ms) => {
          expect(typeof schemaOf(name).safeParse(mutate(input, ms)).success).toBe("boolean");
        },
      ),
      fuzz(5_000),
    );
  });

  it("each validated field accepts only values that keep its promise", () => {
    const value = fc.oneof(anyString, pathAttack, since, packageName, unitName, mode);
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), value, (f, v) => {
        const accepted = schemaOf(f.tool).safeParse(f.put(v)).success;
        if (accepted && !f.safe(v)) throw new Error(`${f.field} accepted ${JSON.stringify(v)}`);
      }),
      fuzz(10_000),
    );
  });

  it("refuses hostile strings in every field that reaches a command line or a file path", () => {
    // Fragments that must never pass a name, a time or a mode: shell syntax, controls, non-ASCII.
    const wordFields = FIELDS.filter((f) => ["packages[]", "unit", "since", "mode"].includes(f.field));
    const shellish = HOSTILE_FRAGMENTS.filter((h) => !["-rf", "--help", "~root"].includes(h));
    const hostile = fc.oneof(
      hostileString.filter((s) => shellish.some((h) => s.includes(h))),
      fc.constantFrom("-rf", "--help", "-o/tmp/x", ".hidden"),
    );
    fc.assert(
      fc.property(fc.constantFrom(...wordFields), hostile, (f, v) => {
        expect(schemaOf(f.tool).safeParse(f.put(v)).success, `${f.field} = ${JSON.stringify(v)}`).toBe(false);
      }),
      fuzz(5_000),
    );
    // Paths: a `..` segment, a control character, a relative or kernel path for logs, too long.
    const pathFields = FIELDS.filter((f) => f.field.includes("path"));
    const badPath = fc.oneof(
      pathAttack.filter((p) => hasDotDot(p) || hasControl(p)),
      fc.constantFrom("/proc/kmsg", "//sys/kernel/x", "/./proc/self/environ", "/var/../etc/shadow", "/".repeat(5000)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...pathFields), badPath, (f, v) => {
        const mustRefuse = hasDotDot(v) || hasControl(v) || v.length > 4096 || f.field === "path (logs)";
        if (mustRefuse)
          expect(schemaOf(f.tool).safeParse(f.put(v)).success, `${f.field} = ${JSON.stringify(v)}`).toBe(false);
      }),
      fuzz(3_000),
    );
    // grep: a second line, a NUL, or more than 256 characters.
    const grepField = FIELDS.find((f) => f.field === "grep");
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.constantFrom("\n", "\r", "\0", "x".repeat(300)),
        fc.string({ maxLength: 20 }),
        (a, h, b) => {
          expect(schemaOf("ssh_read_logs").safeParse(grepField?.put(a + h + b)).success).toBe(false);
        },
      ),
      fuzz(),
    );
  });
});
