import type { Job } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { AUDIT_COMMAND_CHARS, describeJob, jobVms, lineOf, maskAndCut } from "./line.js";

const base = { type: "job", id: "j1", caller: "alice", timeout_ms: 1000 } as const;
const exec = (command: string): Job => ({ ...base, kind: "exec", vm: "web1", command });
const now = new Date("2030-01-02T03:04:05.678Z");

describe("audit lines", () => {
  it("has its keys in the documented order", () => {
    const line = lineOf(exec("uptime"), ["web1"], { status: "ok", return_code: 0 }, 12.34, [], now);
    expect(JSON.stringify(line)).toBe(
      '{"ts":"2030-01-02T03:04:05.678Z","job_id":"j1","caller":"alice","kind":"exec","vms":["web1"],' +
        '"decision":"allow","reason":null,"command":"uptime","status":"ok","return_code":0,"duration_ms":12.3}',
    );
  });

  it("is a denial, with its reason, for the codes of a job refused before it ran; an allowed failure has none", () => {
    const denied = lineOf(exec("x"), ["web1"], { code: "unknown_vm", message: "unknown VM" }, 0, [], now);
    expect(denied).toMatchObject({ decision: "deny", reason: "unknown VM", status: "unknown_vm", return_code: null });
    const failed = lineOf(exec("x"), ["web1"], { code: "timeout", message: "timed out" }, 5, [], now);
    expect(failed).toMatchObject({ decision: "allow", reason: null, status: "timeout", return_code: null });
  });

  it("masks secrets (history patterns, bearer tokens, the agent's own) before cutting", () => {
    const command =
      "deploy --password=hunter2 && curl -H 'Authorization: Bearer abcdefghijklmnop123' https://x && echo s3cr3tpass";
    const masked = maskAndCut(command, ["s3cr3tpass"]);
    expect(masked).not.toContain("hunter2");
    expect(masked).not.toContain("abcdefghijklmnop123");
    expect(masked).not.toContain("s3cr3tpass");
    expect(masked).toContain("deploy --password=");
    // A secret right at the cut is masked whole first, never half kept.
    const long = `${"a".repeat(AUDIT_COMMAND_CHARS - 5)} --password=hunter2`;
    const cut = maskAndCut(long);
    expect(cut).toHaveLength(AUDIT_COMMAND_CHARS);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut).not.toContain("hunt");
  });

  it("describes file and history jobs without their content", () => {
    const write: Job = {
      ...base,
      kind: "file_write",
      vm: "web1",
      path: "/etc/x",
      content_base64: Buffer.from("TOP SECRET").toString("base64"),
      backup: false,
      follow_symlinks: false,
    };
    expect(describeJob(write)).toBe("sftp write /etc/x");
    const copy: Job = { ...base, kind: "file_copy", vm: "a", path: "/p", to_vm: "b", to_path: "/q", overwrite: true };
    expect(describeJob(copy)).toBe("sftp copy a:/p -> b:/q");
    expect(jobVms(copy)).toEqual(["a", "b"]);
    const history: Job = {
      ...base,
      kind: "history",
      query: { op: "search", text: "password hunter2", limit: 5, vms: ["web1", "web2"] },
    };
    expect(describeJob(history)).toBe("history search");
    expect(jobVms(history)).toEqual([]);
    expect(JSON.stringify(lineOf(history, [], { status: "ok", return_code: null }, 1))).not.toContain("hunter2");
  });
});
