/** @module `GET /agent/connect`: authenticates an agent by its token and hands the socket to its hub. */

import { DEFAULT_AGENT, sha256Hex } from "@telecommande/shared";
import { Hono } from "hono";
import { findBySecret } from "../auth/compare.js";
import { parseAuthorization } from "../auth/header.js";
import { loadEdgeConfig } from "../config/source.js";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import { AGENT_HEADER } from "./agent-hub.js";
import { hubStub } from "./dispatch.js";

export const connectRoute = new Hono<{ Bindings: EdgeEnv }>();

async function agentForToken(env: EdgeEnv, token: string): Promise<string | null> {
  const config = await loadEdgeConfig(env);
  const agents =
    config.agents ?? (env.AGENT_TOKEN ? [{ name: DEFAULT_AGENT, tokenHash: await sha256Hex(env.AGENT_TOKEN) }] : []);
  if (!agents.length) log("warn", "no_agent_token", { message: "no `agents` in the config and no AGENT_TOKEN secret" });
  return (await findBySecret(token, agents, (a) => a.tokenHash))?.name ?? null;
}

connectRoute.get("/agent/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.text("this endpoint takes a WebSocket upgrade from a La Télécommande agent", 426);
  }
  const token = parseAuthorization(c.req.header("authorization"));
  const agent = token ? await agentForToken(c.env, token) : null;
  if (!agent) {
    log("warn", "agent_auth_failed", {});
    return c.text("agent token invalid", 401);
  }
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set(AGENT_HEADER, agent);
  return hubStub(c.env, agent).fetch(forwarded);
});
