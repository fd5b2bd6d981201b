/** @module Tool results: structuredContent plus the same JSON as text, or a short safe error. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DENIED_MESSAGE } from "@telecommande/shared";

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
