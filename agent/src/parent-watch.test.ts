import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { STOP_WITH_STDIN_ENV, watchParentPipe } from "./parent-watch.js";

const AGENT = fileURLToPath(new URL("../bin/agent.mjs", import.meta.url));

describe("parent watch", () => {
  it("is off unless the environment asks for it", () => {
    const stdin = new PassThrough();
    let gone = 0;
    expect(watchParentPipe({}, stdin, () => gone++)).toBe(false);
    stdin.end();
    expect(gone).toBe(0);
    expect(stdin.listenerCount("end")).toBe(0);
  });

  it("calls back once when stdin ends", async () => {
    const stdin = new PassThrough();
    let gone = 0;
    expect(watchParentPipe({ [STOP_WITH_STDIN_ENV]: "1" }, stdin, () => gone++)).toBe(true);
    stdin.write("ignored");
    stdin.end();
    await new Promise((resolve) => stdin.once("close", resolve));
    expect(gone).toBe(1);
  });

  it("stops the real agent when its stdin pipe closes, and only when asked to", async () => {
    const dir = mkdtempSync(join(tmpdir(), "telecommande-parent-watch-"));
    const config = join(dir, "config.yaml");
    writeFileSync(config, "vms: []\n");
    const start = (env: NodeJS.ProcessEnv) => {
      // An edge nobody listens on: the agent keeps retrying, so only the watch can end it.
      const child = spawn(
        process.execPath,
        [AGENT, "--config", config, "--edge", "http://127.0.0.1:9", "--data-dir", dir],
        {
          env: { ...process.env, AGENT_TOKEN: "t", CONFIG: "", ...env },
          stdio: ["pipe", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      return { child, exited, stderr: () => stderr };
    };
    const watched = start({ [STOP_WITH_STDIN_ENV]: "1" });
    const unwatched = start({});
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      watched.child.stdin.end();
      unwatched.child.stdin.end();
      expect(await watched.exited).toBe(0);
      expect(watched.stderr()).toContain("parent_gone");
      // The other one runs on, as a systemd-run agent must.
      const outcome = await Promise.race([unwatched.exited, new Promise((r) => setTimeout(() => r("running"), 1_000))]);
      expect(outcome).toBe("running");
    } finally {
      watched.child.kill("SIGKILL");
      unwatched.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
