import { describe, expect, it } from "vitest";
import { parseMessage } from "./protocol.js";

const job = { type: "job", id: "j1", caller: "alice", vm: "vm1", timeout_ms: 1000 };

describe("job messages, one schema per kind", () => {
  it("an exec job needs its command; the other kinds carry none", () => {
    expect(parseMessage(JSON.stringify({ ...job, kind: "exec", command: "uptime" }))).toMatchObject({
      ok: true,
      message: { kind: "exec", command: "uptime" },
    });
    expect(parseMessage(JSON.stringify({ ...job, kind: "exec" }))).toEqual({
      ok: false,
      error: "malformed message at command: Invalid input: expected string, received undefined",
    });
    expect(parseMessage(JSON.stringify({ ...job, kind: "exec", command: "" }))).toMatchObject({ ok: false });
    expect(parseMessage(JSON.stringify({ ...job, kind: "probe" }))).toMatchObject({
      ok: true,
      message: { kind: "probe" },
    });
  });

  it("refuses a kind no agent handles", () => {
    expect(parseMessage(JSON.stringify({ ...job, kind: "reboot" }))).toMatchObject({ ok: false });
  });

  it("an exec result from an older agent reads as executed, with no error", () => {
    const result = {
      kind: "exec",
      stdout: "",
      stderr: "",
      return_code: 0,
      signal: null,
      duration_ms: 1,
      stdout_truncated: false,
      stderr_truncated: false,
    };
    expect(parseMessage(JSON.stringify({ type: "result", id: "j1", result }))).toMatchObject({
      ok: true,
      message: { result: { status: "executed", error: null } },
    });
  });
});
