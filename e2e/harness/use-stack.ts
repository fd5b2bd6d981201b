/**
 * @module vitest only (not re-exported from the harness entry, which the benchmarks load):
 * a stack started before a file's tests and stopped after them, with an admin client.
 *
 *   const env = useStack();
 *   it("…", async () => { await callTool(env.admin, …); env.stack.agent … });
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll } from "vitest";
import { type Stack, type StackOptions, startStack, stopAllStacks } from "./index.js";

export interface StackEnv {
  stack: Stack;
  /** A client with the admin user's key (every VM). */
  admin: Client;
}

export function useStack(options: StackOptions = { permissions: true }): StackEnv {
  const env = {} as StackEnv;
  beforeAll(async () => {
    env.stack = await startStack(options);
    env.admin = await env.stack.connect(env.stack.keys.admin);
  });
  afterAll(stopAllStacks);
  return env;
}
