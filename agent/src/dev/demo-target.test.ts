import { parseConfig } from "@telecommande/shared";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateEd25519 } from "../ssh/keygen.js";
import { type DemoTarget, demoConfig, fingerprint, startDemoTarget } from "./demo-target.js";
import { processRunning } from "./processes.js";

let target: DemoTarget;

beforeAll(async () => {
  target = await startDemoTarget();
});
afterAll(async () => {
  await target.close();
});

interface Connected {
  client: ssh2.Client;
  hostFingerprint: string;
}

function connect(options: { key?: string; user?: string } = {}): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostFingerprint = "";
    client
      .on("ready", () => resolve({ client, hostFingerprint }))
      .on("error", reject)
      .connect({
        host: "127.0.0.1",
        port: target.port,
        username: options.user ?? target.user,
        privateKey: options.key ?? target.clientKey,
        hostVerifier: (key: Buffer) => {
          hostFingerprint = fingerprint(`ssh-ed25519 ${key.toString("base64")}`);
          return true;
        },
        readyTimeout: 10_000,
      });
  });
}

interface ExecOutcome {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

function exec(client: ssh2.Client, command: string, onStream?: (stream: ssh2.ClientChannel) => void) {
  return new Promise<ExecOutcome>((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      const out: ExecOutcome = { stdout: "", stderr: "", code: null, signal: null };
      stream.on("data", (d: Buffer) => {
        out.stdout += d.toString();
      });
      stream.stderr.on("data", (d: Buffer) => {
        out.stderr += d.toString();
      });
      stream.on("exit", (code: number | null, signal?: string) => {
        out.code = code;
        out.signal = signal ?? null;
      });
      stream.on("close", () => resolve(out));
      onStream?.(stream);
    });
  });
}

describe("demo target", () => {
  it("listens on loopback and presents the host key it advertises", async () => {
    const { client, hostFingerprint } = await connect();
    client.end();
    expect(target.host).toBe("127.0.0.1");
    expect(target.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(hostFingerprint).toBe(target.hostKeyFingerprint);
  });

  it("runs a command as the current user and returns stdout, stderr and the exit code", async () => {
    const { client } = await connect();
    try {
      const result = await exec(client, 'echo "out $(id -un)"; echo err >&2; exit 3');
      expect(result).toEqual({ stdout: `out ${target.user}\n`, stderr: "err\n", code: 3, signal: null });
      expect(await exec(client, "printf ok")).toMatchObject({ stdout: "ok", code: 0 });
    } finally {
      client.end();
    }
  });

  it("reports a command killed by a signal as an exit signal", async () => {
    const { client } = await connect();
    try {
      expect(await exec(client, "kill -TERM $$")).toMatchObject({ code: null, signal: "SIGTERM" });
    } finally {
      client.end();
    }
  });

  it("runs many sessions at once, on one connection and on several", async () => {
    const conns = await Promise.all([connect(), connect(), connect()]);
    try {
      const runs = conns.flatMap(({ client }, c) =>
        Array.from({ length: 8 }, (_, i) => exec(client, `sleep 0.2; echo ${c}-${i}`)),
      );
      const started = Date.now();
      const results = await Promise.all(runs);
      expect(results.map((r) => r.stdout.trim()).sort()).toEqual(
        conns.flatMap((_, c) => Array.from({ length: 8 }, (_, i) => `${c}-${i}`)).sort(),
      );
      // Parallel, not one after another (24 × 0.2 s).
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const { client } of conns) client.end();
    }
  });

  it("feeds the channel's input to the command", async () => {
    const { client } = await connect();
    try {
      const result = await exec(client, "tr a-z A-Z", (stream) => stream.end("hello\n"));
      expect(result).toMatchObject({ stdout: "HELLO\n", code: 0 });
    } finally {
      client.end();
    }
  });

  it("kills the command's process group when the channel closes", async () => {
    const { client } = await connect();
    try {
      let pids: number[] = [];
      const done = exec(client, "sleep 30 & echo $! $$; wait", (stream) => {
        stream.once("data", (d: Buffer) => {
          pids = d.toString().trim().split(" ").map(Number);
          stream.close();
        });
      });
      await done;
      expect(pids).toHaveLength(2);
      await expect.poll(() => pids.some(processRunning), { timeout: 5_000 }).toBe(false);
    } finally {
      client.end();
    }
  });

  it("acknowledges pty and env requests without breaking exec", async () => {
    const { client } = await connect();
    try {
      const result = await new Promise<string>((resolve, reject) => {
        client.exec("echo $LANG-$EVIL", { pty: true, env: { LANG: "C.UTF-8", EVIL: "x" } }, (err, stream) => {
          if (err) return reject(err);
          let out = "";
          stream.on("data", (d: Buffer) => {
            out += d.toString();
          });
          stream.on("close", () => resolve(out));
        });
      });
      expect(result).toBe("C.UTF-8-\n");
    } finally {
      client.end();
    }
  });

  it("refuses a key it did not generate", async () => {
    const stranger = generateEd25519().private;
    await expect(connect({ key: stranger })).rejects.toThrow(/authentication methods failed/);
  });

  it("refuses another user name, even with the right key", async () => {
    await expect(connect({ user: `${target.user}-not` })).rejects.toThrow(/authentication methods failed/);
  });

  it("yields a demo config that the fleet config schema accepts", () => {
    const config = parseConfig(JSON.stringify(demoConfig(target, "demo-key")));
    expect(config.vms).toEqual([
      {
        name: "demo",
        host: "127.0.0.1",
        port: target.port,
        user: target.user,
        key: target.clientKey,
        host_key: target.hostKeyFingerprint,
      },
    ]);
    expect(config.users).toEqual([{ name: "demo", api_key: "demo-key", groups: ["demo"], admin: true }]);
  });
});
