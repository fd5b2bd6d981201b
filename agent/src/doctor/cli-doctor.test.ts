import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROTOCOL_VERSION } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeEdge, startFakeEdge } from "../testing/fake-edge.js";
import { startTestSshServer, type TestSshServer } from "../testing/ssh-server.js";
import { parseDoctorArgs } from "./cli-doctor.js";
import { renderTable } from "./report.js";

const BIN = fileURLToPath(new URL("../../bin/agent.mjs", import.meta.url));
const TOKEN = "doctor-token-never-shown";
const dir = mkdtempSync(join(tmpdir(), "tc-doctor-cli-"));
let edge: FakeEdge;
let ssh: TestSshServer;
let config: string;

beforeAll(async () => {
  edge = await startFakeEdge();
  ssh = await startTestSshServer();
  writeFileSync(join(dir, "vm1.key"), ssh.clientKey.private, { mode: 0o600 });
  config = join(dir, "config.yaml");
  writeFileSync(
    config,
    `vms:\n- {name: vm1, host: 127.0.0.1, port: ${ssh.port}, user: tester, key_path: vm1.key, host_key: "${ssh.hostKey.fingerprint}"}\n`,
  );
});
afterAll(async () => {
  await edge.close();
  await ssh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The binary, asynchronously: the stand-ins live in this process and must keep answering. */
function doctor(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "doctor", ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      CONFIG: config,
      EDGE_URL: edge.url,
      AGENT_TOKEN: TOKEN,
      TELECOMMANDE_DATA_DIR: join(dir, "data"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

/** The fake edge welcomes the next hello, as a real one would. */
function welcomeNext() {
  void edge.nextSocket(15_000).then(async (s) => {
    await s.next((m) => m.type === "hello", 15_000);
    s.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "default" });
  });
}

describe("telecommande-agent doctor (the binary)", () => {
  it("exits 0 with every check passed, never printing the token or writing state", async () => {
    welcomeNext();
    const r = await doctor([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^CHECK +TARGET +VERDICT +DETAIL\n/);
    for (const check of ["config", "key", "tcp", "host key", "ssh", "command", "edge url", "edge token"]) {
      expect(r.stdout).toMatch(new RegExp(`^${check} .* ok `, "m"));
    }
    expect(r.stdout.trimEnd().split("\n").pop()).toBe("all checks passed");
    expect(r.stdout).not.toContain(TOKEN);
    expect(existsSync(join(dir, "data"))).toBe(false);
  }, 30_000);

  it("exits 1 when the edge rejects the token, with the fix, the token still unprinted (--json too)", async () => {
    edge.refuse = () => 401;
    try {
      const r = await doctor(["--json"]);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as { ok: boolean; summary: string; rows: { check: string; fix: string }[] };
      expect(report.ok).toBe(false);
      expect(report.summary).toMatch(/^1 problem: edge token /);
      expect(report.rows.find((row) => row.check === "edge token")?.fix).toContain("AGENT_TOKEN");
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
    } finally {
      edge.refuse = () => null;
    }
  }, 30_000);

  it("exits 2 on bad usage, 0 on --help", async () => {
    const bad = await doctor(["--timeout-s", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('telecommande-agent doctor: --timeout-s must be a whole number from 1 to 300, got "0"\n');
    const help = await doctor(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: telecommande-agent doctor");
  }, 30_000);
});

describe("doctor options and table", () => {
  it("reads the daemon's flags and environment; a missing token is a finding, not a usage error", () => {
    const env = { CONFIG: "/c.yaml", EDGE_URL: "https://e", AGENT_NAME: "dc1", TELECOMMANDE_STRICT_HOST_KEYS: "1" };
    expect(parseDoctorArgs(["--timeout-s", "3", "--json"], env)).toMatchObject({
      configPath: "/c.yaml",
      edgeUrl: "https://e",
      name: "dc1",
      token: undefined,
      strictHostKeys: true,
      timeoutMs: 3000,
      json: true,
    });
    expect(parseDoctorArgs(["--bogus"], {})).toMatch(/Unknown option '--bogus' \(see --help\)/);
    expect(parseDoctorArgs([], { TELECOMMANDE_STRICT_HOST_KEYS: "yes" })).toMatch(/must be true or false/);
  });

  it("aligns the columns, puts the fix under the detail, and masks secrets", () => {
    const text = renderTable(
      [
        { check: "config", target: "c.yaml", verdict: "ok", detail: "valid", fix: "" },
        { check: "edge token", target: "wss://e", verdict: "FAIL", detail: "sent s3cr3t-tok\nline 2", fix: "do x" },
      ],
      ["s3cr3t-tok"],
    );
    expect(text).toBe(
      [
        "CHECK       TARGET   VERDICT  DETAIL",
        "config      c.yaml   ok       valid",
        "edge token  wss://e  FAIL     sent [redacted]",
        "                              line 2",
        "                              fix: do x",
        "",
        "1 problem: edge token wss://e",
        "",
      ].join("\n"),
    );
  });
});
