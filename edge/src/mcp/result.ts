/** @module Tool results: structuredContent plus the same JSON as text, or a short safe error. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DENIED_MESSAGE } from "@telecommande/shared";
import type { VmFailure } from "./run-on-vm.js";

export function structured(data: Record<string, unknown>, isError = false): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(data) }],
    structuredContent: data,
    ...(isError ? { isError: true } : {}),
  };
}

export function toolError(message: string): CallToolResult {
  return { content: [{ type: "text", text: message }], isError: true };
}

/** The single denial message: missing key, wrong key, forbidden VM and unknown VM alike. */
export function denied(): CallToolResult {
  return toolError(DENIED_MESSAGE);
}

/** A VM job that did not give a result: the denial, or `<tool> on <vm> failed: <why>`. */
export function failedOnVm(tool: string, failure: VmFailure): CallToolResult {
  if (failure.denied) return denied();
  return toolError(`${tool} on ${failure.vm.name} failed: ${failure.message}`);
}
