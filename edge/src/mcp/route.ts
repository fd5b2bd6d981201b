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
import { OPEN_MODE_REFUSED, openModeAllowed } from "../auth/open-mode.js";
import { authChallenge, callerFromRequest } from "../auth/request-caller.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { hostGuard } from "../http/host-guard.js";
import { jsonRpcError } from "../http/json-rpc.js";
import { overRate, RATE_LIMITED, RATE_PERIOD_S } from "../http/rate-limit.js";
import { agentNames, callKey, cancelCall, hubJobs, hubRunner } from "../hub/dispatch.js";
import { log } from "../log.js";
import { cancelledRequests, toolCallIds, wantsProgress } from "./rpc-body.js";
import { createServer } from "./server.js";

const SSE_KEEP_ALIVE_MS = 1_000;

export const mcpRoute = new Hono<{ Bindings: EdgeEnv }>();

// One log line per isolate: every request would repeat it otherwise.
let openModeRefusalLogged = false;

mcpRoute.use("/mcp", hostGuard);

mcpRoute.post("/mcp", async (c) => {
  const config = await loadEdgeConfig(c.env);
  if (!config.permissions && !openModeAllowed(c.req.url, c.env)) {
    if (!openModeRefusalLogged) {
      openModeRefusalLogged = true;
      log("error", "open_mode_refused", { message: OPEN_MODE_REFUSED, host: new URL(c.req.url).host });
    }
    return c.json(jsonRpcError(-32000, OPEN_MODE_REFUSED), 503);
  }
  const caller = await callerFromRequest(c.req.raw, c.env, config);
  if (!caller) {
    c.header("WWW-Authenticate", authChallenge(c.req.raw, c.env, config));
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
  const calls = toolCallIds(body);
  if (calls.length && (await overRate(c.env.CALLS_PER_KEY, caller.name))) {
    log("warn", "rate_limited", { caller: caller.name, calls: calls.length });
    c.header("Retry-After", String(RATE_PERIOD_S));
    return c.json(jsonRpcError(-32000, RATE_LIMITED), 429);
  }
  const agents = agentNames(config.agents);
  const server = createServer({ config, caller, runJob: hubRunner(c.env), jobs: hubJobs(c.env, agents) });
  // A client's notifications/cancelled comes on its own request, to a fresh server that runs
  // nothing: find the call's jobs on the agents' hubs and stop them there.
  for (const requestId of cancelledRequests(body)) {
    await cancelCall(c.env, agents, callKey(caller.name, requestId));
  }
  // A client that closes the stream of a call cancels it (the protocol's 2026-07-28
  // revision): the runtime aborts the request's signal when the client goes away before
  // the answer is complete (flag enable_request_signal); a complete answer never aborts it.
  if (calls.length) {
    c.req.raw.signal.addEventListener(
      "abort",
      () => {
        log("info", "call_stream_closed", { calls: calls.length });
        const cancels = calls.map((id) => cancelCall(c.env, agents, callKey(caller.name, id)));
        c.executionCtx.waitUntil(Promise.all(cancels));
      },
      { once: true },
    );
  }
  // A call that asks for progress is answered as SSE, so notifications can precede the
  // result; every other request keeps the plain JSON answer (and its latency).
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !wantsProgress(body),
    // A comment frame every second on a streamed answer: a client that has gone is noticed
    // at the next write wherever the runtime only learns it then (wrangler dev's proxy).
    keepAliveMs: SSE_KEEP_ALIVE_MS,
  });
  await server.connect(transport);
  return transport.handleRequest(c.req.raw, { parsedBody: body });
});

mcpRoute.on(["GET", "DELETE"], "/mcp", (c) => {
  c.header("Allow", "POST");
  return c.json(jsonRpcError(-32000, "Method not allowed: this server is stateless; use POST"), 405);
});
