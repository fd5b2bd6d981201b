import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@telecommande/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PORT, loadDevConfig, parseDevArgs, UsageError } from "./options.js";

const DEV = fileURLToPath(new URL("../../bin/dev.mjs", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "telecommande-dev-test-"));
  const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", join(dir, "id_test")]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BAD_CONFIG = `
vms:
- {name: a, user: u, port: 99999}
groups:
- {name: dev, vms: [a, ghost]}
users:
- {name: alice, api_key: "s3cr3t-value", groups: [ops]}
`;

/** Runs the real `npm run dev` entry point; only ever in cases that stop before starting anything. */
function runDev(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const { PORT: _p, CONFIG: _c, ...base } = process.env;
    const child = spawn(process.execPath, [DEV, ...args], { cwd: dir, env: { ...base, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("dev arguments", () => {
  it("defaults to port 8787 and no config path", () => {
    expect(parseDevArgs([], {})).toEqual({ help: false, port: DEFAULT_PORT, configPath: undefined });
  });

  it("reads PORT and CONFIG, and lets flags override them", () => {
    expect(parseDevArgs([], { PORT: "8799", CONFIG: "fleet.yaml" })).toEqual({
      help: false,
      port: 8799,
      configPath: "fleet.yaml",
    });
    expect(parseDevArgs(["--port", "9000", "--config=b.yaml"], { PORT: "8799", CONFIG: "a.yaml" })).toEqual({
      help: false,
      port: 9000,
      configPath: "b.yaml",
    });
  });

  it("answers --help and -h", () => {
    expect(parseDevArgs(["--help"], {})).toEqual({ help: true });
    expect(parseDevArgs(["--port", "1", "-h"], {})).toEqual({ help: true });
  });

  it("rejects unknown flags, missing values and bad ports", () => {
    expect(() => parseDevArgs(["--verbose"], {})).toThrow(new UsageError('unknown argument "--verbose"'));
    expect(() => parseDevArgs(["--config"], {})).toThrow(/--config needs a value/);
    expect(() => parseDevArgs(["--port", "http"], {})).toThrow(/--port must be a TCP port/);
    expect(() => parseDevArgs([], { PORT: "70000" })).toThrow(/PORT must be a TCP port/);
  });
});

describe("dev config", () => {
  it("starts the demo when no CONFIG is given and there is no ./config.yaml", async () => {
    expect(await loadDevConfig(undefined, dir)).toEqual({ mode: "demo" });
  });

  it("uses ./config.yaml when present, and CONFIG relative to the working directory", async () => {
    const sub = await mkdtemp(join(dir, "cwd-"));
    await writeFile(
      join(sub, "config.yaml"),
      `vms: [{name: a, host: h, user: u, key_path: ${join(dir, "id_test")}}]\n`,
    );
    await writeFile(join(sub, "other.yaml"), "vms: []\nusers: []\n");
    const found = await loadDevConfig(undefined, sub);
    expect(found).toMatchObject({ mode: "file", path: join(sub, "config.yaml") });
    expect(found.mode === "file" && found.config.vms[0]?.name).toBe("a");
    expect(await loadDevConfig("other.yaml", sub)).toMatchObject({ mode: "file", path: join(sub, "other.yaml") });
  });

  it("refuses a CONFIG that does not exist instead of falling back to the demo", async () => {
    await expect(loadDevConfig("missing.yaml", dir)).rejects.toThrow(UsageError);
    await expect(loadDevConfig("missing.yaml", dir)).rejects.toThrow(/missing\.yaml: no such file/);
  });

  it("reports every problem of an invalid config at once", async () => {
    const path = join(dir, "bad.yaml");
    await writeFile(path, BAD_CONFIG);
    const err = await loadDevConfig(path, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(["vms[0].host", "vms[0].port"]),
    );
  });

  it("checks every agent's keys before anything starts, with the rest of the problems", async () => {
    const sub = await mkdtemp(join(dir, "keys-"));
    await writeFile(join(sub, "not-a-key"), "hello\n");
    await writeFile(
      join(sub, "fleet.yaml"),
      `vms:
- {name: a, host: h, user: u, key_path: ../id_test}
- {name: b, host: h, user: u, key_path: not-a-key, agent: dc2}
- {name: c, host: h, user: u, agent: dc2, port: "22a"}
- {name: d, host: h, user: u, key_path: ../id_test.pub}
agents: [{name: default, token_sha256: "${"a".repeat(64)}"}, {name: dc2, token_sha256: "${"b".repeat(64)}"}]
`,
    );
    const err = await loadDevConfig("fleet.yaml", sub).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      [
        `Invalid ${join(sub, "fleet.yaml")} (4 problems):`,
        `  - vms[1].key_path: ${join(sub, "not-a-key")} is not a private key (OpenSSH or PEM format expected)`,
        '  - vms[2].port: must be a port number 1–65535, got "22a"',
        "  - vms[2]: no private key: give key or key_path",
        `  - vms[3].key_path: ${join(dir, "id_test.pub")} is a public key, not a private key`,
      ].join("\n"),
    );
  });
});

describe("npm run dev entry point", () => {
  it("exits 2 on an invalid config, listing every problem, without a stack trace or a secret", async () => {
    const path = join(dir, "bad-cli.yaml");
    await writeFile(path, BAD_CONFIG);
    const { code, stdout, stderr } = await runDev([], { CONFIG: path });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`Invalid ${path} (`);
    expect(stderr).toMatch(/- vms\[0\]\.host: required/);
    expect(stderr).toMatch(/- vms\[0\]\.port: /);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain("s3cr3t-value");
  });

  it("exits 2 on a bad key before starting anything, reporting it once", async () => {
    const path = join(dir, "bad-key.yaml");
    await writeFile(path, "vms:\n- {name: a, host: 127.0.0.1, user: u, key: not-a-key}\n");
    const { code, stdout, stderr } = await runDev([], { CONFIG: path });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `Invalid ${path} (1 problem):\n  - vms[0].key: not a private key (OpenSSH or PEM format expected)\n`,
    );
  });

  it("exits 2 on a bad flag and a missing CONFIG file", async () => {
    const flag = await runDev(["--bogus"], {});
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown argument "--bogus"');
    const missing = await runDev([], { CONFIG: join(dir, "nope.yaml") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    expect(missing.stderr).not.toMatch(/^\s+at /m);
  });

  it("prints usage for --help and exits 0", async () => {
    const { code, stdout } = await runDev(["--help"], {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run dev/);
    expect(stdout).toContain("demo");
  });
});
