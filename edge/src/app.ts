/** @module The edge's Hono app: MCP endpoint, agent connection point, health. */
import { Hono } from "hono";
import { EdgeConfigError } from "./config/source.js";
import { noteEdgeError } from "./edge-errors.js";
import type { EdgeEnv } from "./env.js";
import { jsonRpcError } from "./http/json-rpc.js";
import { connectRoute } from "./hub/connect-route.js";
import { log } from "./log.js";
import { mcpRoute } from "./mcp/route.js";
import { SERVER_INFO } from "./mcp/server.js";
import { oauthRoute } from "./oauth/routes.js";
import { statusRoute } from "./status/route.js";

export const app = new Hono<{ Bindings: EdgeEnv }>();

app.get("/", (c) =>
  c.text(
    `${SERVER_INFO.name} ${SERVER_INFO.version}: MCP over Streamable HTTP at POST /mcp (Authorization: Bearer <api key>); agents connect at /agent/connect.\n`,
  ),
);
app.get("/health", (c) => c.json({ ok: true, ...SERVER_INFO }));
app.route("/", mcpRoute);
app.route("/", connectRoute);
app.route("/", oauthRoute);
app.route("/", statusRoute);

app.notFound((c) => c.json(jsonRpcError(-32601, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));

app.onError((err, c) => {
  if (err instanceof EdgeConfigError) {
    log("error", "config_error", { message: err.message });
    noteEdgeError("config_error", err.message);
    return c.json(
      jsonRpcError(-32603, "server configuration error; the operator can see the details in the edge logs"),
      500,
    );
  }
  log("error", "unhandled_error", { message: err.message });
  return c.json(jsonRpcError(-32603, "internal error"), 500);
});
