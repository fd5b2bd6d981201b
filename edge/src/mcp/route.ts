/**
 * @module `/mcp`: stateless Streamable HTTP. POST carries JSON-RPC; GET and DELETE are 405
 * because there are no sessions to stream to or end (clients otherwise hang on the SSE GET).
 */
import {
  DEFAULT_MAX_REQUEST_BODY_SIZE,
  readRequestBody,
  requestBodyTooLargeMessage,
} from "@modelcontextprotocol/sdk/server/requestBody.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { DENIED_MESSAGE } from "@telecommande/shared";
import { Hono } from "hono";
import { resolveCaller } from "../auth/caller.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { hostGuard } from "../http/host-guard.js";
import { jsonRpcError } from "../http/json-rpc.js";
import { agentNames, callKey, cancelCall, hubJobs, hubRunner } from "../hub/dispatch.js";
import { cancelledRequests, wantsProgress } from "./rpc-body.js";
import { createServer } from "./server.js";

export const mcpRoute = new Hono<{ Bindings: EdgeEnv }>();

mcpRoute.use("/mcp", hostGuard);

mcpRoute.post("/mcp", async (c) => {
  const config = await loadEdgeConfig(c.env);
  const caller = await resolveCaller(config, c.req.header("authorization"));
  if (!caller) {
    c.header("WWW-Authenticate", 'Bearer realm="la-telecommande"');
    return c.json(jsonRpcError(-32001, DENIED_MESSAGE), 401);
  }
  // The route reads the body itself (to see cancellations and progress requests), so it
  // applies the bound the SDK's transport would: the transport skips it for a parsed body.
  const read = await readRequestBody(c.req.raw);
  if (read.tooLarge)
    return c.json(jsonRpcError(-32000, requestBodyTooLargeMessage(DEFAULT_MAX_REQUEST_BODY_SIZE)), 413);
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    return c.json(jsonRpcError(-32700, "Parse error: the body is not valid JSON"), 400);
  }
  const agents = agentNames(config.agents);
  const server = createServer({ config, caller, runJob: hubRunner(c.env), jobs: hubJobs(c.env, agents) });
  // A client's notifications/cancelled comes on its own request, to a fresh server that runs
  // nothing: find the call's jobs on the agents' hubs and stop them there.
  for (const requestId of cancelledRequests(body)) {
    await cancelCall(c.env, agents, callKey(caller.name, requestId));
  }
  // A call that asks for progress is answered as SSE, so notifications can precede the
  // result; every other request keeps the plain JSON answer (and its latency).
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !wantsProgress(body),
  });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw, { parsedBody: body });
});

mcpRoute.on(["GET", "DELETE"], "/mcp", (c) => {
  c.header("Allow", "POST");
  return c.json(jsonRpcError(-32000, "Method not allowed: this server is stateless; use POST"), 405);
});
