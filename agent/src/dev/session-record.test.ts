import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { portHolders } from "./port-holder.js";
import { Child } from "./processes.js";
import { findSessions, processRecord, readBootId, SessionFile, type SessionRecord } from "./session-record.js";

let dir: string;
const children: Child[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "telecommande-sessions-"));
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.stop(200)));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A real process in its own group, as the launcher starts its children: sh with a child of
 * its own. The child is started before "up" is printed, so both exist once it is read.
 */
async function sleeper(): Promise<number> {
  const child = new Child({
    label: "[t]",
    command: "/bin/sh",
    args: ["-c", "sleep 30 & echo up; wait"],
    cwd: "/",
    env: {},
    write: () => {},
  });
  children.push(child);
  await child.waitForLine((l) => l === "up", 5_000, "up");
  return child.pid as number;
}

function writeRecord(record: SessionRecord): void {
  writeFileSync(join(dir, `${record.launcher.pid}.json`), JSON.stringify(record));
}

/** A launcher that is gone: a process that ran, recorded while alive. */
async function deadLauncher() {
  const child = new Child({
    label: "[t]",
    command: "/bin/sh",
    args: ["-c", "echo up; sleep 0.1"],
    cwd: "/",
    env: {},
    write: () => {},
  });
  await child.waitForLine((l) => l === "up", 5_000, "up");
  const record = processRecord(child.pid as number, "launcher");
  await child.exited;
  return record;
}

describe("dev session records", () => {
  it("records this launcher and its children, is skipped by its own search, and goes away on remove", async () => {
    const file = new SessionFile(dir, 8787, "/tmp/x");
    const edge = await sleeper();
    file.addGroup(edge, "edge (wrangler dev)");
    expect(file.record.launcher.pid).toBe(process.pid);
    expect(file.record.groups).toEqual([expect.objectContaining({ pid: edge, what: "edge (wrangler dev)" })]);
    expect(readdirSync(dir)).toEqual([`${process.pid}.json`]);
    expect(findSessions(dir, "/")).toEqual([]);
    file.remove();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("finds what a killed launcher left running, named and provably its own", async () => {
    const launcher = await deadLauncher();
    const edge = await sleeper();
    writeRecord({
      bootId: readBootId(),
      port: 9999,
      tempDir: undefined,
      launcher,
      groups: [processRecord(edge, "edge")],
    });
    const [found, ...more] = findSessions(dir, "/");
    expect(more).toEqual([]);
    expect(found?.launcherRunning).toBe(false);
    // The group leader (sh) and its child (sleep): both are the run's.
    expect(found?.survivors.map((s) => s.what)).toEqual(["edge", "edge"]);
    expect(found?.survivors.map((s) => s.pid)).toContain(edge);
    expect(found?.survivors.map((s) => s.cmdline).join("\n")).toContain("sleep 30");
  });

  it("does not count a process whose pid matches but whose start time does not (a reused pid)", async () => {
    const launcher = await deadLauncher();
    const other = await sleeper();
    const record = processRecord(other, "edge");
    writeRecord({
      bootId: readBootId(),
      port: 9999,
      tempDir: undefined,
      launcher,
      groups: [{ ...record, startTime: record.startTime - 1 }],
    });
    expect(findSessions(dir, "/")[0]?.survivors).toEqual([]);
  });

  it("tells a live session from a dead one, and trusts nothing recorded in another boot", async () => {
    const launcher = await sleeper();
    const edge = await sleeper();
    writeRecord({
      bootId: readBootId(),
      port: 9999,
      tempDir: undefined,
      launcher: processRecord(launcher, "launcher"),
      groups: [],
    });
    expect(findSessions(dir, "/")[0]?.launcherRunning).toBe(true);
    writeRecord({
      bootId: "another-boot",
      port: 9999,
      tempDir: undefined,
      launcher: processRecord(launcher, "launcher"),
      groups: [processRecord(edge, "edge")],
    });
    expect(findSessions(dir, "/")[0]).toMatchObject({ launcherRunning: false, survivors: [] });
  });

  it("reads a damaged record as an empty one, so it gets cleaned up", () => {
    writeFileSync(join(dir, "123.json"), "{not json");
    expect(findSessions(dir, "/")).toEqual([expect.objectContaining({ launcherRunning: false, survivors: [] })]);
  });
});

describe("port holders", () => {
  it("names the process listening on a loopback port, and nobody for a free one", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(portHolders(port).map((h) => h.pid)).toContain(process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(portHolders(port)).toEqual([]);
  });
});
