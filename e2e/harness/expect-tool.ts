/**
 * @module Assertions on tool results shared by the e2e tests (vitest-only, so not
 * re-exported from the harness entry, which the benchmark also loads).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DENIED_MESSAGE, type RunCommand, TOOL_NAMES } from "@telecommande/shared";
import { expect } from "vitest";
import { callTool, textOf } from "./mcp.js";

/** The text content must be the same JSON as structuredContent (seed contract). */
export function expectTextMirrorsStructured(result: CallToolResult): void {
  expect(result.structuredContent, `no structuredContent; text: ${textOf(result).slice(0, 300)}`).toBeDefined();
  expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
}

/** A successful result: not an error, structured + same JSON as text. Returns the structure. */
export function expectOk<T>(result: CallToolResult): T {
  expect(result.isError, `tool failed: ${textOf(result).slice(0, 500)}`).not.toBe(true);
  expectTextMirrorsStructured(result);
  return result.structuredContent as T;
}

/** A failed result; returns its text. */
export function expectToolError(result: CallToolResult): string {
  expect(result.isError, `expected isError, got: ${textOf(result).slice(0, 500)}`).toBe(true);
  return textOf(result);
}

/** The one denial: isError and exactly the shared message as the whole text content. */
export function expectDenied(result: CallToolResult): void {
  expect(result.isError).toBe(true);
  expect(result.content).toEqual([{ type: "text", text: DENIED_MESSAGE }]);
}

export function runCommand(
  client: Client,
  vm: string,
  command: string,
  timeout_s?: number,
  requestTimeoutMs?: number,
): Promise<CallToolResult> {
  const args: Record<string, unknown> = { vm_name: vm, command };
  if (timeout_s !== undefined) args.timeout_s = timeout_s;
  return callTool(client, TOOL_NAMES.runCommand, args, requestTimeoutMs);
}

/** Runs a command that must succeed; returns its structured result. */
export async function runOk(client: Client, vm: string, command: string): Promise<RunCommand> {
  const run = expectOk<RunCommand>(await runCommand(client, vm, command));
  expect(run.return_code).toBe(0);
  return run;
}
