/** AuditLog on its own: the order of lines written at once, and a streak of failed writes. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "@telecommande/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../log.js";
import { eventually } from "../testing/job-harness.js";
import { AUDIT_FILE, type AuditLine, AuditLog } from "./audit-log.js";

let dir: string;
let file: string;
let audit: AuditLog;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function lines(): Promise<AuditLine[]> {
  await audit.flush();
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

describe("AuditLog", () => {
  it("keeps the order of lines written at once", async () => {
    dir = mkdtempSync(join(tmpdir(), "tc-audit-"));
    file = join(dir, AUDIT_FILE);
    audit = new AuditLog({ file, log: createLogger({ agent: "t", sink: () => {} }) });
    const job: Job = { type: "job", id: "", caller: "c", kind: "probe", vm: "v", timeout_ms: 1 };
    for (let i = 0; i < 200; i++) audit.begin({ ...job, id: `p${i}` }).end({ status: "ok", return_code: null }, 1);
    await eventually(() => existsSync(file));
    expect((await lines()).map((l) => l.job_id)).toEqual(Array.from({ length: 200 }, (_, i) => `p${i}`));
  });

  it("logs one audit_write_failed per streak, and says when writes work again", async () => {
    dir = mkdtempSync(join(tmpdir(), "tc-audit-"));
    const blocker = join(dir, "data");
    writeFileSync(blocker, "");
    file = join(blocker, AUDIT_FILE);
    const logs: Record<string, unknown>[] = [];
    audit = new AuditLog({ file, log: createLogger({ agent: "t", sink: (l) => logs.push(JSON.parse(l)) }) });
    const job: Job = { type: "job", id: "", caller: "c", kind: "probe", vm: "v", timeout_ms: 1 };
    const write = (id: string) => audit.begin({ ...job, id }).end({ status: "ok", return_code: null }, 1);
    write("a");
    write("b");
    await audit.flush();
    rmSync(blocker);
    write("c");
    await audit.flush();
    expect(logs.filter((l) => String(l.event).startsWith("audit_"))).toEqual([
      expect.objectContaining({ event: "audit_write_failed", level: "warn", file }),
      expect.objectContaining({ event: "audit_write_recovered", lost_lines: 2 }),
    ]);
    expect((await lines()).map((l) => l.job_id)).toEqual(["c"]);
  });
});
