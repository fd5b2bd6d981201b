/**
 * @module MCP access to the edge as a real client sees it (the official SDK over
 * Streamable HTTP), plus a raw HTTP helper for what the SDK will not send
 * (forged Host/Origin, malformed bodies).
 */
import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { assertLoopback } from "./ports.js";

/** `bearer`: `Authorization: Bearer <key>`; `raw`: the key is the whole header value. */
export type AuthMode = "bearer" | "raw";

export function authHeaders(key: string | undefined, mode: AuthMode = "bearer"): Record<string, string> {
  if (key === undefined) return {};
  return { Authorization: mode === "bearer" ? `Bearer ${key}` : key };
}

function checkUrl(url: string): URL {
  const parsed = new URL(url);
  assertLoopback(parsed.hostname);
  return parsed;
}

/** Connects (initialize handshake included). Rejects when the edge refuses the caller. */
export async function connectMcp(mcpUrl: string, key?: string, mode: AuthMode = "bearer"): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(checkUrl(mcpUrl), {
    requestInit: { headers: authHeaders(key, mode) },
  });
  const client = new Client({ name: "tlc-e2e", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** Calls a tool; JSON-RPC errors reject, tool failures resolve with `isError: true`. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  timeoutMs = 60_000,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })) as CallToolResult;
}

/** All text content joined. */
export function textOf(result: CallToolResult): string {
  return result.content
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("");
}

/** The structured result, typed by the caller; throws when absent. */
export function structuredOf<T>(result: CallToolResult): T {
  if (!result.structuredContent) {
    throw new Error(`tool result has no structuredContent: ${textOf(result).slice(0, 500)}`);
  }
  return result.structuredContent as T;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One HTTP request with full control of the headers, `Host` included (fetch will not
 * let you set it). The TCP connection always goes to the loopback URL given.
 */
export function rawRequest(request: RawRequest): Promise<RawResponse> {
  const url = checkUrl(request.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? "GET",
        headers: request.headers,
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${request.method ?? "GET"} ${request.url} timed out`)));
    req.on("error", reject);
    req.end(request.body);
  });
}

/** Headers a Streamable HTTP POST needs. */
export const MCP_POST_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
};

/**
 * Parses a JSON-RPC reply from a POST /mcp body, whether the server answered with
 * plain JSON or one SSE `data:` event.
 */
export function jsonRpcOf(body: string): { id?: unknown; result?: unknown; error?: { code: number; message: string } } {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) return JSON.parse(trimmed);
  const data = trimmed
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .find((line) => line.startsWith("{"));
  if (!data) throw new Error(`no JSON-RPC message in body: ${body.slice(0, 300)}`);
  return JSON.parse(data);
}
