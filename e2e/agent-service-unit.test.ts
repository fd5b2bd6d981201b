/**
 * The systemd unit example (`agent/telecommande-agent.service`): systemd itself parses it
 * (`systemd-analyze verify`: unknown keys, bad values and sandboxing options it cannot apply
 * are all reported), it starts the compiled agent the build produces, and every variable its
 * environment file documents is one the agent reads.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/edge.js";

const UNIT = path.join(REPO_ROOT, "agent/telecommande-agent.service");
const unit = readFileSync(UNIT, "utf8");

describe("the agent's systemd unit", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tlc-unit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes systemd-analyze verify with nothing to say", () => {
    // The unit names /usr/bin/node; verify checks that the program exists, so the copy
    // names this machine's node instead. Everything else is the file as shipped.
    const copy = path.join(dir, "telecommande-agent.service");
    writeFileSync(copy, unit.replace("ExecStart=/usr/bin/node ", `ExecStart=${process.execPath} `));
    const run = spawnSync("systemd-analyze", ["verify", "--man=no", copy], { encoding: "utf8", timeout: 30_000 });
    expect(run.error?.message, "systemd-analyze is missing: apt-get install -y systemd").toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
  });

  it("runs the compiled agent that npm run build:agent writes", () => {
    const build = readFileSync(path.join(REPO_ROOT, "agent/scripts/build.mjs"), "utf8");
    expect(build).toContain("telecommande-agent.mjs");
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/la-telecommande\/agent\/dist\/telecommande-agent\.mjs /m);
  });

  it("documents only environment variables the agent reads", () => {
    const cli = readFileSync(path.join(REPO_ROOT, "agent/src/cli.ts"), "utf8");
    const documented = [...unit.matchAll(/^#\s+([A-Z_]+)=/gm)].map((m) => m[1] as string);
    expect(documented).toEqual(["AGENT_TOKEN", "EDGE_URL", "CONFIG", "AGENT_NAME", "LOG_LEVEL"]);
    for (const name of documented) expect(cli, name).toMatch(new RegExp(`env\\.${name}\\b`));
    expect(unit).toContain("Environment=TELECOMMANDE_STRICT_HOST_KEYS=true");
  });
});
