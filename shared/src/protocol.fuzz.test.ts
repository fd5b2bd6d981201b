/**
 * Fuzzing the protocol parser: any frame (text, JSON, binary, mutated messages of every type)
 * gives ok or an error value, never a throw; ok only for schema-valid messages; a parsed
 * message encodes to a frame that parses back to the same frame.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./errors.js";
import { MAX_READ_BYTES } from "./ops/index.js";
import { encodeMessage, MAX_FANOUT_VMS, MessageSchema, type OutgoingMessage, parseMessage } from "./protocol.js";
import { anyString, fuzz, mutate, mutationArb } from "./testing/arbitraries.js";

const id = fc.string({ minLength: 1, maxLength: 128 });
const text = fc.string({ maxLength: 40 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
const int = fc.integer({ min: -1_000_000, max: 1_000_000 });
const nat = fc.nat();
const count = fc.nat(5_000);
const num = fc.double({ noNaN: true, noDefaultInfinity: true });
const nullableText = fc.option(text, { nil: null });
const code = fc.constantFrom(...Object.values(ERROR_CODES));
const remotePath = fc.stringMatching(/^\/?[a-z0-9_-]{1,12}(\/[a-z0-9_-]{1,8}){0,3}(\.txt)?$/);
const pkg = fc.stringMatching(/^[a-z0-9][a-z0-9+._:=~@-]{0,20}$/);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops the keys whose value is undefined, as JSON does. */
function defined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const task = fc.oneof(
  fc.record({
    op: fc.constant("install"),
    packages: fc.array(pkg, { minLength: 1, maxLength: 5 }),
    dry_run: fc.boolean(),
    update_index: fc.boolean(),
  }),
  fc.constant({ op: "health" }),
  fc.record(
    {
      op: fc.constant("logs"),
      unit: fc.stringMatching(/^[a-z0-9][a-z0-9:_.@-]{0,20}$/),
      path: fc.constantFrom("/var/log/syslog", "/var/log/nginx/error.log"),
      lines: fc.integer({ min: 1, max: 2000 }),
      since: fc.constantFrom("today", "-1h", "2 hours ago", "2026-12-01 10:00", "@1764590000"),
      grep: fc.string({ unit: fc.constantFrom(..."ab ;$|`'\"*"), minLength: 1, maxLength: 20 }),
    },
    { requiredKeys: ["op", "lines"] },
  ),
);

const filter = {
  vms: fc.array(nonEmpty, { maxLength: 5 }),
  host: optional(nonEmpty),
  user: optional(nonEmpty),
  since: optional(num),
};
const historyQuery = fc.oneof(
  fc.record({
    op: fc.constant("search"),
    text: nonEmpty,
    collection: optional(fc.constantFrom("commands", "stdout", "stderr")),
    limit: fc.integer({ min: 1, max: 50 }),
    ...filter,
  }),
  fc.record({ op: fc.constant("stats"), ...filter }),
  fc.record({ op: fc.constant("suggest"), context: nonEmpty, limit: fc.integer({ min: 1, max: 50 }), ...filter }),
);

const jobBase = { type: fc.constant("job"), id, caller: text, timeout_ms: fc.integer({ min: 1 }) };
const job = fc.oneof(
  fc.record({ ...jobBase, kind: fc.constant("exec"), vm: nonEmpty, command: nonEmpty, live: optional(fc.boolean()) }),
  fc.record({ ...jobBase, kind: fc.constantFrom("probe", "distro"), vm: nonEmpty }),
  fc.record({
    ...jobBase,
    kind: fc.constant("fanout"),
    vms: fc.array(nonEmpty, { minLength: 1, maxLength: 5 }),
    command: nonEmpty,
    task: optional(task),
    max_parallel: fc.integer({ min: 1, max: MAX_FANOUT_VMS }),
    output_limit_bytes: fc.integer({ min: 1 }),
  }),
  fc.record({ ...jobBase, kind: fc.constant("history"), query: historyQuery }),
  fc.record({
    ...jobBase,
    kind: fc.constant("file_read"),
    vm: nonEmpty,
    path: remotePath,
    offset: nat,
    max_bytes: fc.integer({ min: 1, max: MAX_READ_BYTES }),
  }),
  fc.record({
    ...jobBase,
    kind: fc.constant("file_write"),
    vm: nonEmpty,
    path: remotePath,
    content_base64: fc.base64String(),
    mode: optional(fc.constantFrom("0644", "755", "0600", "1777")),
    backup: fc.boolean(),
    follow_symlinks: fc.boolean(),
  }),
  fc.record({
    ...jobBase,
    kind: fc.constant("file_copy"),
    vm: nonEmpty,
    path: remotePath,
    to_vm: nonEmpty,
    to_path: remotePath,
    overwrite: fc.boolean(),
  }),
);

const execResult = fc.record(
  {
    kind: fc.constant("exec"),
    status: fc.constantFrom("executed", "timeout", "error"),
    stdout: text,
    stderr: text,
    return_code: int,
    signal: nullableText,
    error: nullableText,
    duration_ms: num,
    stdout_truncated: fc.boolean(),
    stderr_truncated: fc.boolean(),
  },
  {
    requiredKeys: [
      "kind",
      "stdout",
      "stderr",
      "return_code",
      "signal",
      "duration_ms",
      "stdout_truncated",
      "stderr_truncated",
    ],
  },
);
const jobResult = fc.oneof(
  execResult,
  fc.record({
    kind: fc.constant("probe"),
    reachable: fc.boolean(),
    latency_ms: fc.option(num, { nil: null }),
    reason: nullableText,
  }),
  fc.record({ kind: fc.constant("fanout"), count }),
  fc.record({
    kind: fc.constant("file_write"),
    path: text,
    bytes_written: int,
    created: fc.boolean(),
    backup_path: nullableText,
    mode: text,
  }),
  fc.record({
    kind: fc.constant("history"),
    answer: fc.constant({ op: "suggest", suggestions: [] }),
  }),
);

/** A valid message of every type, as a sender writes it. */
const validMessage: fc.Arbitrary<OutgoingMessage> = fc.oneof(
  fc.record(
    {
      type: fc.constant("hello"),
      agent: nonEmpty,
      version: text,
      protocol: int,
      vms: fc.array(text, { maxLength: 5 }),
      jobs: fc.array(id, { maxLength: 5 }),
    },
    { requiredKeys: ["type", "agent", "version", "protocol", "vms"] },
  ),
  fc.record({ type: fc.constant("welcome"), protocol: int, agent: text }),
  job,
  fc.record({ type: fc.constant("progress"), id, seq: count, stream: fc.constantFrom("stdout", "stderr"), data: text }),
  fc.record(
    { type: fc.constant("result"), id, chunks: count, result: jobResult },
    { requiredKeys: ["type", "id", "result"] },
  ),
  fc.record({
    type: fc.constant("vm_result"),
    id,
    vm: nonEmpty,
    outcome: fc.oneof(
      fc.record({ ok: fc.constant(true), result: execResult }),
      fc.record({ ok: fc.constant(false), code, message: text, duration_ms: num }),
    ),
  }),
  fc.record({ type: fc.constant("tail"), id, text: fc.string({ maxLength: 2_000 }) }),
  fc.record({ type: fc.constant("error"), id, code, message: text }, { requiredKeys: ["type", "code", "message"] }),
  fc.record({ type: fc.constantFrom("cancel", "ack"), id }),
  fc.record({ type: fc.constantFrom("ping", "pong") }),
) as fc.Arbitrary<OutgoingMessage>;

/** What parseMessage must say of a frame: ok exactly when the JSON is a valid message. */
function checkParse(frame: string) {
  const parsed = parseMessage(frame);
  let data: unknown;
  let json = true;
  try {
    data = JSON.parse(frame);
  } catch {
    json = false;
  }
  if (!json || !MessageSchema.safeParse(data).success) {
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(typeof parsed.error).toBe("string");
    return;
  }
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  // Stable: the parsed message encodes to a frame that parses to that same frame.
  const encoded = encodeMessage(parsed.message);
  const again = parseMessage(encoded);
  expect(again.ok).toBe(true);
  if (again.ok) expect(encodeMessage(again.message)).toBe(encoded);
}

describe("protocol parser fuzz", () => {
  it("never throws on a frame that is not text, and refuses it", () => {
    const binary = fc.oneof(
      fc.uint8Array().map((a) => a.buffer),
      fc.uint8Array(),
      fc.anything().filter((v) => typeof v !== "string"),
    );
    fc.assert(
      fc.property(binary, (frame) => {
        expect(parseMessage(frame).ok).toBe(false);
      }),
      fuzz(),
    );
  });

  it("never throws on any text, and is ok only for schema-valid messages", () => {
    fc.assert(fc.property(fc.oneof(anyString, fc.json()), checkParse), fuzz(10_000));
  });

  it("accepts every valid message, and its encoding is stable", () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        const frame = encodeMessage(message);
        const parsed = parseMessage(frame);
        if (!parsed.ok) throw new Error(`refused ${frame}: ${parsed.error}`);
        expect(parsed.message).toMatchObject(defined(message));
        checkParse(frame);
      }),
      fuzz(5_000),
    );
  });

  it("never throws on mutated messages of every type: wrong types, missing and unknown fields", () => {
    fc.assert(
      fc.property(validMessage, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (message, ms) => {
        const frame = JSON.stringify(mutate(message as Record<string, unknown>, ms));
        checkParse(frame);
        // A frame cut anywhere is still only ok or an error.
        checkParse(frame.slice(0, (ms[0]?.at ?? 0) % (frame.length + 1)));
      }),
      fuzz(10_000),
    );
  });
});
