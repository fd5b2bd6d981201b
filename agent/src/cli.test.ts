import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PROTOCOL_VERSION } from "@telecommande/shared";
import { afterAll, describe, expect, it } from "vitest";
import { parseCli } from "./cli.js";
import { startFakeEdge } from "./testing/fake-edge.js";
import { startTestSshServer } from "./testing/ssh-server.js";

const BIN = fileURLToPath(new URL("../bin/agent.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tc-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseCli", () => {
  it("takes flags first, then env, then defaults", () => {
    const env = { AGENT_TOKEN: " tok ", CONFIG: "/etc/c.yaml", EDGE_URL: "https://edge.example", AGENT_NAME: "dc1" };
    expect(parseCli([], env)).toEqual({
      kind: "run",
      options: {
        configPath: "/etc/c.yaml",
        edgeUrl: "https://edge.example",
        name: "dc1",
        token: "tok",
        dataDir: join(homedir(), ".la-telecommande"),
        knownHostsFile: undefined,
        strictHostKeys: false,
        logLevel: undefined,
        sessionsPerConnection: undefined,
        connectionsPerVm: undefined,
        historyMaxAgeDays: 90,
        historyMaxRecords: 1_000_000,
      },
    });
    const flags = parseCli(
      ["--config", "c.yaml", "--edge", "https://e:1", "--name", "n", "--data-dir", "/d", "--known-hosts", "/k"],
      { ...env, TELECOMMANDE_DATA_DIR: "/ignored" },
    );
    expect(flags).toMatchObject({
      kind: "run",
      options: { configPath: "c.yaml", edgeUrl: "https://e:1", name: "n", dataDir: "/d", knownHostsFile: "/k" },
    });
    expect(parseCli([], { AGENT_TOKEN: "t", TELECOMMANDE_DATA_DIR: "/var/lib/tc" })).toMatchObject({
      options: {
        configPath: "./config.yaml",
        edgeUrl: "http://127.0.0.1:8787",
        name: "default",
        dataDir: "/var/lib/tc",
      },
    });
  });

  it("takes the SSH pool's sizes as whole numbers in range", () => {
    const args = ["--sessions-per-connection", "5", "--connections-per-vm", "2"];
    expect(parseCli(args, { AGENT_TOKEN: "t" })).toMatchObject({
      options: { sessionsPerConnection: 5, connectionsPerVm: 2 },
    });
  });

  it("takes the history's retention from flags, then env, 0 meaning no limit", () => {
    const env = { AGENT_TOKEN: "t", TELECOMMANDE_HISTORY_MAX_AGE_DAYS: "30", TELECOMMANDE_HISTORY_MAX_RECORDS: "5000" };
    expect(parseCli([], env)).toMatchObject({ options: { historyMaxAgeDays: 30, historyMaxRecords: 5000 } });
    const flags = ["--history-max-age-days", "0", "--history-max-records", "200"];
    expect(parseCli(flags, env)).toMatchObject({ options: { historyMaxAgeDays: 0, historyMaxRecords: 200 } });
  });

  it("dials a plain-text edge only on loopback, unless told to", () => {
    for (const edge of [
      "http://127.0.0.1:8787",
      "ws://localhost:1",
      "http://[::1]:8787",
      "https://e.example",
      "wss://e",
    ]) {
      expect(parseCli(["--edge", edge], { AGENT_TOKEN: "t" })).toMatchObject({ kind: "run" });
    }
    for (const edge of ["http://edge.example:8787", "ws://10.0.0.5/", "http://127.0.0.1.evil.com"]) {
      const parsed = parseCli(["--edge", edge], { AGENT_TOKEN: "t" });
      expect(parsed).toMatchObject({ kind: "error" });
      expect(parsed.kind === "error" && parsed.message).toMatch(/is not encrypted .* use https:\/\//);
      expect(parseCli(["--edge", edge, "--allow-insecure-edge"], { AGENT_TOKEN: "t" })).toMatchObject({ kind: "run" });
      const env = { AGENT_TOKEN: "t", EDGE_URL: edge, TELECOMMANDE_ALLOW_INSECURE_EDGE: "true" };
      expect(parseCli([], env)).toMatchObject({ kind: "run" });
    }
  });

  it("turns strict host keys on by flag or by TELECOMMANDE_STRICT_HOST_KEYS, and refuses a typo", () => {
    const strictOf = (argv: string[], env: Record<string, string>) => {
      const parsed = parseCli(argv, { AGENT_TOKEN: "t", ...env });
      return parsed.kind === "run" ? parsed.options.strictHostKeys : parsed;
    };
    expect(strictOf([], {})).toBe(false);
    expect(strictOf(["--strict-host-keys"], {})).toBe(true);
    expect(strictOf([], { TELECOMMANDE_STRICT_HOST_KEYS: "true" })).toBe(true);
    expect(strictOf([], { TELECOMMANDE_STRICT_HOST_KEYS: "1" })).toBe(true);
    expect(strictOf([], { TELECOMMANDE_STRICT_HOST_KEYS: "false" })).toBe(false);
    expect(strictOf([], { TELECOMMANDE_STRICT_HOST_KEYS: "yes please" })).toEqual({
      kind: "error",
      message: 'TELECOMMANDE_STRICT_HOST_KEYS must be true or false, got "yes please"',
    });
  });

  it("names the refused edge without its credentials", () => {
    const parsed = parseCli(["--edge", "http://user:hunter2@edge.example:8787/base?k=secret"], { AGENT_TOKEN: "t" });
    expect(parsed.kind).toBe("error");
    if (parsed.kind === "error") {
      expect(parsed.message).toMatch(/^edge URL http:\/\/edge\.example:8787\/base is not encrypted/);
      expect(parsed.message).toContain("use https://edge.example:8787/base");
      expect(parsed.message).toContain("--allow-insecure-edge");
      expect(parsed.message).not.toMatch(/hunter2|user|secret/);
    }
  });

  it("answers help and version", () => {
    expect(parseCli(["--help"], {})).toEqual({ kind: "help" });
    expect(parseCli(["-v"], {})).toEqual({ kind: "version" });
  });

  it.each([
    [[], {}, /^AGENT_TOKEN is not set/],
    [["--edge", "ftp://x"], { AGENT_TOKEN: "t" }, /must use http, https, ws or wss/],
    [["--edge", "::"], { AGENT_TOKEN: "t" }, /is not a valid URL/],
    [["--name", "a b"], { AGENT_TOKEN: "t" }, /agent name "a b" must be/],
    [["--log-level", "loud"], { AGENT_TOKEN: "t" }, /log level "loud"/],
    [
      ["--sessions-per-connection", "0"],
      { AGENT_TOKEN: "t" },
      /--sessions-per-connection must be a whole number from 1 to 64, got "0"/,
    ],
    [
      ["--connections-per-vm", "2.5"],
      { AGENT_TOKEN: "t" },
      /--connections-per-vm must be a whole number from 1 to 32, got "2.5"/,
    ],
    [
      ["--history-max-age-days=-1"],
      { AGENT_TOKEN: "t" },
      /--history-max-age-days must be a whole number from 0 to 36500, got "-1"/,
    ],
    [
      [],
      { AGENT_TOKEN: "t", TELECOMMANDE_HISTORY_MAX_RECORDS: "lots" },
      /--history-max-records must be a whole number from 0 to 1000000000, got "lots"/,
    ],
    [["--nope"], { AGENT_TOKEN: "t" }, /Unknown option '--nope' \(see --help\)/],
    [["stray"], { AGENT_TOKEN: "t" }, /stray/],
  ])("rejects %j with one readable line", (argv, env, pattern) => {
    const parsed = parseCli(argv as string[], env);
    expect(parsed.kind).toBe("error");
    if (parsed.kind === "error") {
      expect(parsed.message).toMatch(pattern);
      expect(parsed.message).not.toContain("\n");
    }
  });
});

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    timeout: 15_000,
  });
}

describe("the telecommande-agent binary", () => {
  it("prints usage with --help and exits 0", () => {
    const r = run(["--help"], {});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: telecommande-agent");
    expect(r.stdout).toContain("AGENT_TOKEN");
  });

  it("exits 2 with one line and no stack trace when the token is missing", () => {
    const r = run([], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      "telecommande-agent: AGENT_TOKEN is not set: the agent needs its token to connect to the edge\n",
    );
  });

  it("exits 2 listing every config problem at once, key problems included, never echoing a secret", () => {
    const path = join(dir, "bad.yaml");
    const inlineKey =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END OPENSSH PRIVATE KEY-----\n";
    writeFileSync(
      path,
      `vms:
- {name: a, host: h, user: u, port: "22a"}
- {name: b, host: h, user: u, key_path: /nonexistent}
- {name: c, host: h, user: u, key: ${JSON.stringify(inlineKey)}, host_key: "MD5:1"}
groups: [{name: g, vms: [a, web9]}]
users: [{name: alice, api_key: alice-api-secret, groups: [g, ops]}]
`,
    );
    const r = run(["--config", path], { AGENT_TOKEN: "super-secret-token" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        `telecommande-agent: Invalid ${path} (7 problems):`,
        '  - vms[0].port: must be a port number 1–65535, got "22a"',
        "  - vms[0]: no private key: give key or key_path",
        "  - vms[1].key_path: cannot read /nonexistent: no such file (ENOENT)",
        "  - vms[2].key: not a private key (OpenSSH or PEM format expected)",
        "  - vms[2].host_key: must be a SHA256:… fingerprint or a public key line like `ssh-ed25519 AAAA…`",
        '  - groups[0].vms[1]: unknown VM "web9"',
        '  - users[0].groups[1]: unknown group "ops"',
        "",
      ].join("\n"),
    );
    expect(r.stderr).not.toMatch(/super-secret-token|alice-api-secret|c2VjcmV0|PRIVATE KEY/);
  });

  it("refuses to start on a key that does not parse, instead of warning and failing each job", () => {
    const path = join(dir, "badkey.yaml");
    writeFileSync(path, "vms:\n- {name: a, host: 127.0.0.1, user: u, key: not-a-key}\n");
    const r = run(["--config", path], { AGENT_TOKEN: "t", EDGE_URL: "http://127.0.0.1:9" });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `telecommande-agent: Invalid ${path} (1 problem):\n  - vms[0].key: not a private key (OpenSSH or PEM format expected)\n`,
    );
  });

  it("exits 2 on an unreadable config file", () => {
    const r = run([], { AGENT_TOKEN: "t", CONFIG: join(dir, "nope.yaml") });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^telecommande-agent: cannot read config file .*nope\.yaml: no such file \(ENOENT\)\n$/);
  });
});

describe("the binary against a local edge and SSH server", () => {
  it("connects with env settings only, runs a job, and exits 0 on SIGTERM", async () => {
    const edge = await startFakeEdge();
    const ssh = await startTestSshServer();
    try {
      writeFileSync(join(dir, "vm1.key"), ssh.clientKey.private, { mode: 0o600 });
      const config = join(dir, "config.yaml");
      writeFileSync(
        config,
        `vms:\n- {name: vm1, host: 127.0.0.1, port: ${ssh.port}, user: tester, key_path: vm1.key, agent: dc1}\n` +
          `- {name: other, host: 127.0.0.1, user: x, agent: dc2}\n` +
          `agents: [{name: dc1, token_sha256: "${"a".repeat(64)}"}, {name: dc2, token_sha256: "${"b".repeat(64)}"}]\n`,
      );
      const child = spawn(process.execPath, [BIN], {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: dir,
          CONFIG: config,
          EDGE_URL: edge.url,
          AGENT_NAME: "dc1",
          AGENT_TOKEN: "tok-for-the-binary",
          TELECOMMANDE_DATA_DIR: join(dir, "data"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

      const socket = await edge.nextSocket(10_000);
      expect(socket.headers.authorization).toBe("Bearer tok-for-the-binary");
      expect(await socket.next((m) => m.type === "hello")).toMatchObject({ agent: "dc1", vms: ["vm1"] });
      socket.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "dc1" });
      socket.send({
        type: "job",
        id: "b1",
        caller: "c",
        vm: "vm1",
        kind: "exec",
        command: "echo via-cli",
        timeout_ms: 5000,
      });
      expect(await socket.next((m) => m.type === "result")).toMatchObject({ result: { stdout: "via-cli\n" } });

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(await socket.closed).toBe(1001);
      const events = stderr
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const names = events.map((e) => e.event);
      expect(names).toEqual(expect.arrayContaining(["starting", "connected", "job_start", "job_end", "stopped"]));
      expect(events.every((e) => e.agent === "dc1" && typeof e.ts === "string")).toBe(true);
      expect(stderr).not.toContain("tok-for-the-binary");
      expect(stderr).not.toContain("PRIVATE KEY");
    } finally {
      await edge.close();
      await ssh.close();
    }
  });
});
