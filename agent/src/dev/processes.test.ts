import { describe, expect, it } from "vitest";
import { Child, groupAlive, processRunning, stopGroup } from "./processes.js";

function shell(script: string, write?: (text: string) => void, format?: (line: string) => string | null) {
  return new Child({
    label: "[t]",
    command: "/bin/sh",
    args: ["-c", script],
    cwd: process.cwd(),
    env: process.env,
    ...(write ? { write } : {}),
    ...(format ? { format } : {}),
  });
}

describe("dev children", () => {
  it("relays stdout and stderr line by line with the label, and keeps the last lines", async () => {
    const written: string[] = [];
    const child = shell(
      "echo one; echo two >&2; echo; echo hidden; exit 4",
      (t) => written.push(t),
      (line) => (line === "hidden" ? null : line.toUpperCase()),
    );
    expect(await child.exited).toEqual({ code: 4, signal: null });
    expect(written.sort()).toEqual(["[t] ONE\n", "[t] TWO\n"]);
    expect(child.tail().sort()).toEqual(["ONE", "TWO", "hidden"]);
  });

  it("waits for a line, and fails at once if the child exits first", async () => {
    const ready = shell('echo starting; sleep 0.1; echo \'{"event":"connected"}\'; sleep 5', () => {});
    await expect(ready.waitForLine((l) => l.includes("connected"), 5_000, "ready")).resolves.toContain("connected");
    await ready.stop();

    const dying = shell("echo boom; exit 3", () => {});
    await expect(dying.waitForLine(() => false, 5_000, "ready")).rejects.toThrow("[t] exited with code 3");
  });

  it("times out waiting for a line that never comes", async () => {
    const quiet = shell("sleep 5", () => {});
    await expect(quiet.waitForLine(() => false, 200, "ready")).rejects.toThrow("[t] not ready after 0.2 s");
    await quiet.stop();
  });

  it("stops the whole process group, grandchildren included", async () => {
    const child = shell("sleep 30 & echo $!; wait", () => {});
    const grandchild = Number(await child.waitForLine((l) => /^\d+$/.test(l), 5_000, "up"));
    const pid = child.pid as number;
    expect(processRunning(grandchild)).toBe(true);
    await child.stop();
    expect(await child.exited).toEqual({ code: null, signal: "SIGTERM" });
    expect(groupAlive(pid)).toBe(false);
    expect(processRunning(grandchild)).toBe(false);
  });

  it("kills with SIGKILL what ignores SIGTERM, after the grace period", async () => {
    const child = shell("trap '' TERM; echo up; sleep 30 & wait", () => {});
    await child.waitForLine((l) => l === "up", 5_000, "up");
    const started = Date.now();
    await stopGroup(child.pid as number, 300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await child.exited).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("keeps the lines a child prints just before it dies", async () => {
    const child = shell("for i in $(seq 1 200); do echo line $i; done; exit 9", () => {});
    expect(await child.exited).toEqual({ code: 9, signal: null });
    expect(child.tail().at(-1)).toBe("line 200");
  });

  it("reports a command that cannot start as an exit, with the reason in its tail", async () => {
    const child = new Child({ label: "[x]", command: "/nonexistent/bin", args: [], cwd: "/", env: {} });
    expect(await child.exited).toEqual({ code: null, signal: null });
    expect(child.tail().join("\n")).toContain("failed to start /nonexistent/bin");
  });
});
