/**
 * @module vitest only: the stack the remote-file tests share (one sshd, so the "VMs" share
 * one file system), with a VM of another agent for the cross-agent refusal, and helpers to
 * place files as the SSH user and call the three file tools.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chownSync, createReadStream, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { TOOL_NAMES } from "@telecommande/shared";
import { afterAll, beforeAll } from "vitest";
import { expectToolError } from "./expect-tool.js";
import { callTool, type Stack, startStack, stopAllStacks } from "./index.js";

/** A VM of an agent that is not this stack's: a copy to it must be refused at the edge. */
export const FAR_VM = "far-files";

export const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Resident memory of a process, in bytes: now (VmRSS) or its peak so far (VmHWM). */
export function rss(pid: number, field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

/** A failure either as a JSON-RPC error (input validation) or as an isError result. */
export async function failureText(call: Promise<unknown>): Promise<string> {
  try {
    return expectToolError((await call) as Parameters<typeof expectToolError>[0]);
  } catch (error) {
    return (error as Error).message;
  }
}

export interface FilesEnv {
  stack: Stack;
  admin: Client;
  alice: Client;
  /** The test user's scratch dir on the "VMs". */
  scratch: string;
  uid: number;
  gid: number;
  /** A file on the VMs, owned by the SSH user like one it made itself. */
  put: (name: string, data: string | Buffer, mode?: number) => string;
  read: (args: Record<string, unknown>, client?: Client) => ReturnType<typeof callTool>;
  write: (args: Record<string, unknown>, client?: Client) => ReturnType<typeof callTool>;
  copy: (args: Record<string, unknown>, client?: Client, timeoutMs?: number) => ReturnType<typeof callTool>;
  /** Temporary files left behind anywhere under `dir` (default: the scratch dir). */
  leftovers: (dir?: string) => string[];
}

export function useFilesStack(): FilesEnv {
  const env = {} as FilesEnv;
  env.put = (name, data, mode = 0o644) => {
    const file = path.join(env.scratch, name);
    writeFileSync(file, data, { mode });
    chownSync(file, env.uid, env.gid);
    return file;
  };
  env.read = (args, client = env.admin) => callTool(client, TOOL_NAMES.readFile, args);
  env.write = (args, client = env.admin) => callTool(client, TOOL_NAMES.writeFile, args);
  env.copy = (args, client = env.admin, timeoutMs = 60_000) => callTool(client, TOOL_NAMES.copyFile, args, timeoutMs);
  env.leftovers = (dir = env.scratch) =>
    readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.tc-[0-9a-f]+\.tmp$/.test(f));

  beforeAll(async () => {
    env.stack = await startStack({
      permissions: true,
      extra: (sshd) => ({
        vms: [
          {
            name: FAR_VM,
            host: "127.0.0.1",
            port: sshd.port,
            user: sshd.user,
            key: sshd.clientKey,
            host_key: sshd.hostKeyFingerprint,
            agent: "elsewhere",
          },
        ],
        groups: [{ name: "far", vms: [FAR_VM] }],
        agents: [{ name: "elsewhere", token_sha256: "0".repeat(64) }],
      }),
    });
    env.admin = await env.stack.connect(env.stack.keys.admin);
    env.alice = await env.stack.connect(env.stack.keys.alice);
    env.scratch = env.stack.sshd.runDir;
    env.uid = Number(execFileSync("id", ["-u", env.stack.sshd.user], { encoding: "utf8" }).trim());
    env.gid = Number(execFileSync("id", ["-g", env.stack.sshd.user], { encoding: "utf8" }).trim());
  });
  afterAll(stopAllStacks);
  return env;
}
