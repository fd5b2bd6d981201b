/**
 * The logs task's plan (the readable command and the script) and its checks: exact commands,
 * every value single-quoted, invalid tasks refused before anything runs.
 */

import type { ExecResult } from "@telecommande/shared";
import { ERROR_CODES } from "@telecommande/shared";
import { describe, expect, it, vi } from "vitest";
import { JobError } from "../errors.js";
import { makeExecResult } from "../ssh/exec.js";
import { checkLogsTask, LINE_CUT_BYTES, NO_JOURNAL_ERROR, planLogs, runLogs } from "./logs.js";
import type { TaskContext } from "./task.js";

const task = (fields: Record<string, unknown>) => ({ op: "logs", lines: 100, ...fields });

function refusal(fields: Record<string, unknown>): JobError {
  try {
    planLogs(task(fields));
  } catch (err) {
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe(ERROR_CODES.invalidInput);
    return err as JobError;
  }
  throw new Error("expected the task to be refused");
}

describe("planLogs: commands", () => {
  it("reads a unit's journal", () => {
    const plan = planLogs(task({ unit: "nginx" }));
    expect(plan.command).toBe("journalctl --no-pager -o short-iso -u 'nginx' -n 100");
    expect(plan).toMatchObject({ source: "journal", target: "nginx", reader: "journalctl", lines: 100 });
    expect(plan.script).toContain("journalctl --no-pager -o short-iso -u 'nginx' -n 100 4>&-");
  });

  it("puts since before -n, quoted", () => {
    const plan = planLogs(task({ unit: "getty@tty1.service", since: "2 hours ago", lines: 5 }));
    expect(plan.command).toBe("journalctl --no-pager -o short-iso -u 'getty@tty1.service' --since '2 hours ago' -n 5");
    expect(planLogs(task({ unit: "nginx", since: "-1h" })).command).toBe(
      "journalctl --no-pager -o short-iso -u 'nginx' --since '-1h' -n 100",
    );
  });

  it("filters the journal with a fixed-string grep, not journalctl's regex --grep", () => {
    const plan = planLogs(task({ unit: "nginx", grep: "upstream timed out", since: "today", lines: 20 }));
    expect(plan.command).toBe(
      "journalctl --no-pager -o short-iso -u 'nginx' --since 'today' | grep -a -F -e 'upstream timed out' | tail -n 20",
    );
    expect(plan.script).not.toContain("--grep");
    // Without -n: the last 20 matching lines, not the matches among the last 20 entries.
    expect(plan.script).toContain(
      "{ journalctl --no-pager -o short-iso -u 'nginx' --since 'today' 4>&-; echo \"$?\" >&4; } | LC_ALL=C grep -a -F -e 'upstream timed out' | tail -n 20 |",
    );
  });

  it("reads the end of a file", () => {
    const plan = planLogs(task({ path: "/var/log/syslog", lines: 50 }));
    expect(plan.command).toBe("tail -n 50 -- '/var/log/syslog'");
    expect(plan).toMatchObject({ source: "file", target: "/var/log/syslog", reader: "tail" });
  });

  it("greps a file, then keeps its last lines", () => {
    const plan = planLogs(task({ path: "/var/log/nginx/error.log", grep: "[error]" }));
    expect(plan.command).toBe("grep -a -F -e '[error]' -- '/var/log/nginx/error.log' | tail -n 100");
    expect(plan.reader).toBe("grep");
    // grep's "nothing matched" is an answer.
    expect(plan.script).toContain('case "$status" in 1) status=0 ;; esac');
  });

  it("checks the file before reading it and caps lines on the VM", () => {
    const { script } = planLogs(task({ path: "/var/log/x.log" }));
    for (const check of ["[ -d '/var/log/x.log' ]", "[ ! -e '/var/log/x.log' ]", "[ ! -f '/var/log/x.log' ]"]) {
      expect(script).toContain(check);
    }
    expect(script).toContain("[ ! -r '/var/log/x.log' ]");
    expect(script).toContain(`cut -b 1-${LINE_CUT_BYTES} | newest_first`);
    expect(script.endsWith('exit "$status"\n')).toBe(true);
  });
});

describe("planLogs: quoting", () => {
  const hostile = ["'; touch /tmp/MARK; '", "$(touch /tmp/MARK)", "`touch /tmp/MARK`", "a'b", "$HOME *", "-v"];

  it.each(hostile)("single-quotes grep %j everywhere it appears", (grep) => {
    const quoted = `'${grep.replace(/'/g, "'\\''")}'`;
    const plan = planLogs(task({ path: "/var/log/app.log", grep }));
    expect(plan.command).toBe(`grep -a -F -e ${quoted} -- '/var/log/app.log' | tail -n 100`);
    expect(plan.script).toContain(`LC_ALL=C grep -a -F -e ${quoted} -- '/var/log/app.log' 4>&-`);
    const journal = planLogs(task({ unit: "app", grep }));
    expect(journal.command).toContain(`| grep -a -F -e ${quoted} |`);
  });

  it("quotes a hostile path in every check and in the reader", () => {
    const path = "/var/log/a'b $(touch x) `id` ;|&.log";
    const quoted = `'/var/log/a'\\''b $(touch x) \`id\` ;|&.log'`;
    const plan = planLogs(task({ path }));
    expect(plan.command).toBe(`tail -n 100 -- ${quoted}`);
    const unquoted = plan.script.split(quoted).join("");
    expect(unquoted).not.toContain("touch x");
    expect(unquoted).not.toContain("`id`");
    expect(plan.script.split(quoted).length - 1).toBe(6);
  });

  it("quotes the unit and since although their schemas allow no shell characters", () => {
    const plan = planLogs(task({ unit: "user@1000.service", since: "@1764590000" }));
    expect(plan.command).toBe("journalctl --no-pager -o short-iso -u 'user@1000.service' --since '@1764590000' -n 100");
  });
});

describe("checkLogsTask: refusals", () => {
  it("needs exactly one of unit and path", () => {
    expect(refusal({}).message).toMatch(/exactly one of unit .* or path/);
    expect(refusal({ unit: "nginx", path: "/var/log/syslog" }).message).toMatch(/exactly one/);
  });

  it("refuses since with a path", () => {
    expect(refusal({ path: "/var/log/syslog", since: "-1h" }).message).toMatch(/since works with unit .* only/);
  });

  it.each([
    [{ unit: "nginx; reboot" }, /unit: a unit name is/],
    [{ unit: "-nginx" }, /unit:/],
    [{ path: "var/log/syslog" }, /path: the path must be absolute/],
    [{ path: "/var/log/../../etc/shadow" }, /path: the path must not contain '\.\.'/],
    [{ path: "/var/log/a\nb" }, /path:/],
    [{ path: "/var/log/a\tb" }, /path: the path must not contain control characters/],
    [{ path: "/var/log/\u001b[31mred" }, /path: the path must not contain control characters/],
    [{ unit: "nginx", since: "$(reboot)" }, /since: since must be a journald time/],
    [{ unit: "nginx", grep: "a\nb" }, /grep: grep must be on one line/],
    [{ unit: "nginx", grep: "" }, /grep:/],
    [{ unit: "nginx", lines: 0 }, /lines:/],
    [{ unit: "nginx", lines: 2001 }, /lines:/],
    [{ unit: "nginx", lines: 1.5 }, /lines:/],
    [{ unit: "nginx", op: "health" }, /op:/],
  ])("refuses %j", (fields, message) => {
    expect(refusal(fields).message).toMatch(message);
  });

  it.each([
    "/proc/kmsg",
    "//proc/kmsg",
    "/./sys/kernel/tracing/trace_pipe",
    "/proc",
  ])("refuses the kernel pseudo-file %s", (path) => {
    expect(refusal({ path }).message).toMatch(/kernel files, not logs/);
  });

  it("keeps a valid task as it is", () => {
    const valid = task({ unit: "nginx", since: "yesterday", grep: "GET /" });
    expect(checkLogsTask(valid)).toEqual(valid);
    expect(checkLogsTask(task({ path: "/var/log/procfs.log" }))).toMatchObject({ path: "/var/log/procfs.log" });
  });
});

describe("runLogs", () => {
  const exec = (fields: Partial<ExecResult>): ExecResult => makeExecResult({ duration_ms: 12, ...fields });
  const context = (result: ExecResult) => {
    const run = vi.fn(async (_script: string, _label?: string) => result);
    return { ctx: { vm: {} as TaskContext["vm"], memo: new Map(), run } satisfies TaskContext, run };
  };

  it("runs the script once, labelled with the readable command, and reports lines in time order", async () => {
    const { ctx, run } = context(exec({ stdout: "line 3\nline 2\nline 1\n" }));
    const out = await runLogs({ op: "logs", path: "/var/log/app.log", lines: 3 }, ctx);
    expect(run).toHaveBeenCalledTimes(1);
    const [script, label] = run.mock.calls[0] ?? [];
    expect(label).toBe("tail -n 3 -- '/var/log/app.log'");
    expect(script).toBe(planLogs({ op: "logs", path: "/var/log/app.log", lines: 3 }).script);
    expect(out.report).toEqual({
      op: "logs",
      source: "file",
      target: "/var/log/app.log",
      command: "tail -n 3 -- '/var/log/app.log'",
      lines: ["line 1", "line 2", "line 3"],
      truncated: false,
      return_code: 0,
    });
    expect(out.result.error).toBeNull();
  });

  it("maps the script's marker to a one-line error", async () => {
    const { ctx } = context(exec({ stderr: "telecommande-logs: no journalctl\n", return_code: 127 }));
    const out = await runLogs({ op: "logs", unit: "nginx", lines: 10 }, ctx);
    expect(out.result.error).toBe(NO_JOURNAL_ERROR);
    expect(out.report).toMatchObject({ lines: [], return_code: 127 });
  });

  it("runs nothing for an invalid task", async () => {
    const { ctx, run } = context(exec({}));
    await expect(runLogs({ op: "logs", lines: 10 } as never, ctx)).rejects.toThrow(/exactly one/);
    expect(run).not.toHaveBeenCalled();
  });
});
