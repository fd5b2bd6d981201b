/**
 * @module What the local edge is told: the config's edge view (no keys, API keys hashed)
 * plus one fresh agent token digest per agent the dev session starts, and the wrangler
 * command line that carries it.
 */
import { randomBytes } from "node:crypto";
import { agentOf, type Config, DEFAULT_AGENT, edgeView, sha256Hex } from "@telecommande/shared";

/** An agent the session starts, with the token it authenticates with. The edge only sees its digest. */
export interface AgentCredential {
  name: string;
  token: string;
}

/** A fresh agent token: 256 random bits, URL-safe so it travels in headers as-is. */
export function newAgentToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The agents the VMs need, in first-use order; "default" when the fleet is empty so the edge still has one. */
export function agentNames(config: Config): string[] {
  const names = [...new Set(config.vms.map(agentOf))];
  return names.length ? names : [DEFAULT_AGENT];
}

/** One credential per agent the VMs need. */
export function newAgentCredentials(config: Config): AgentCredential[] {
  return agentNames(config).map((name) => ({ name, token: newAgentToken() }));
}

/**
 * The config the edge runs with. The file's own `agents` entries are replaced: their tokens
 * belong to production agents, and the dev session authenticates only the agents it started.
 */
export async function buildEdgeConfig(config: Config, agents: AgentCredential[]): Promise<Config> {
  const view = await edgeView(config);
  return {
    ...view,
    agents: await Promise.all(agents.map(async ({ name, token }) => ({ name, token_sha256: await sha256Hex(token) }))),
  };
}

export interface WranglerOptions {
  port: number;
  /** One-line JSON of the edge config (`--var` splits on the first colon only, so JSON is safe). */
  configJson: string;
  /** Where wrangler keeps Durable Object state: per session, so parallel runs never share it. */
  persistDir: string;
  /** Passes ALLOW_ANONYMOUS=true on, for a config without users served beyond loopback (a tunnel). */
  allowAnonymous?: boolean;
}

/** Arguments for `wrangler dev`, offline-friendly: no inspector port clash, no interactive hotkeys. */
export function wranglerArgs({ port, configJson, persistDir, allowAnonymous }: WranglerOptions): string[] {
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    "0",
    "--show-interactive-dev-session=false",
    "--persist-to",
    persistDir,
    "--var",
    `CONFIG_YAML:${configJson}`,
  ];
  if (allowAnonymous) args.push("--var", "ALLOW_ANONYMOUS:true");
  return args;
}

/**
 * Environment for wrangler: no metrics, no Cloudflare lookups and no banner (printing it asks
 * the npm registry for a newer wrangler), so it starts with no network.
 */
export function wranglerEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
  };
}
