/** @module JSON-RPC error bodies for failures answered before the MCP server sees a request. */

export function jsonRpcError(code: number, message: string) {
  return { jsonrpc: "2.0" as const, error: { code, message }, id: null };
}
