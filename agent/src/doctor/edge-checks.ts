/**
 * @module Doctor: the edge, step by step, so a failure says which step: the URL (the daemon's
 * own rule on plain text), DNS and TCP, the WebSocket upgrade with the token, then the
 * protocol handshake. The hello is a probe (the hub sends it no job and leaves the jobs a
 * dropped agent holds alone), and the connect request carries a fresh instance id: beside
 * a live agent of the same name the hub then refuses doctor (4009) instead of replacing
 * the live agent's connection.
 */
import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import {
  AGENT_INSTANCE_HEADER,
  CLOSE_DUPLICATE_AGENT,
  encodeMessage,
  PROTOCOL_VERSION,
  parseMessage,
} from "@telecommande/shared";
import WebSocket from "ws";
import { agentConnectUrl, displayUrl, insecureEdgeProblem } from "../edge-url.js";
import { describeNetError, formatDuration } from "../errors.js";
import { probeTcp } from "../probe.js";
import { fail, ok, type Row, warn } from "./report.js";

export interface EdgeCheckOptions {
  edgeUrl: string;
  allowInsecure: boolean;
  /** Undefined when AGENT_TOKEN is not set. */
  token: string | undefined;
  name: string;
  version: string;
  /** The VMs this agent serves, named in the hello as the daemon would. */
  vms: string[];
  timeoutMs: number;
}

const UPGRADE_FIX = "the agent must be as new as the edge's protocol: upgrade the older of the two";

export async function checkEdge(options: EdgeCheckOptions): Promise<Row[]> {
  let url: URL;
  try {
    url = agentConnectUrl(options.edgeUrl);
  } catch (err) {
    return [fail("edge url", options.edgeUrl, (err as Error).message, "pass --edge or EDGE_URL, e.g. https://…")];
  }
  const target = displayUrl(url);
  const rows: Row[] = [];
  const insecure = insecureEdgeProblem(options.edgeUrl, options.allowInsecure);
  if (insecure) {
    rows.push(fail("edge url", target, insecure, "use the edge's https:// URL"));
    return rows;
  }
  const clear = url.protocol === "ws:";
  rows.push(ok("edge url", target, clear ? "plain text, allowed (loopback or --allow-insecure-edge)" : "TLS (wss)"));

  const port = Number(url.port) || (clear ? 80 : 443);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let address: string;
  try {
    address = (await lookup(host)).address;
  } catch (err) {
    rows.push(
      fail(
        "edge reach",
        target,
        `cannot resolve ${host}: ${describeNetError(err)}`,
        "check the edge URL and this machine's DNS",
      ),
    );
    return rows;
  }
  // By name, not by the address above: Node then tries every address (IPv4 and IPv6) as the WebSocket will.
  const probe = await probeTcp(host, port, options.timeoutMs);
  if (!probe.reachable) {
    rows.push(
      fail(
        "edge reach",
        target,
        `${host} (${address}) port ${port}: ${probe.reason}`,
        "check that the edge is up and that this machine may reach it (proxy, firewall)",
      ),
    );
    return rows;
  }
  rows.push(ok("edge reach", target, `${host} is ${address}; port ${port} open (${probe.latency_ms} ms)`));

  if (!options.token) {
    rows.push(fail("edge token", target, "AGENT_TOKEN is not set", "set AGENT_TOKEN to this agent's token"));
    return rows;
  }
  rows.push(...(await handshake(url, target, { ...options, token: options.token })));
  return rows;
}

interface Outcome {
  opened: boolean;
  status?: number;
  error?: Error;
  welcome?: { protocol: number; agent: string };
  /** The edge's last `error` message before it closed: why, in its words. */
  edgeError?: string;
  closeCode?: number;
  closeReason?: string;
  timedOut?: boolean;
}

/** Dials, says hello, waits for welcome or a close, then closes with 1000. Never throws. */
function dial(url: URL, options: EdgeCheckOptions & { token: string }): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const out: Outcome = { opened: false };
    const ws = new WebSocket(url, {
      headers: {
        Authorization: `Bearer ${options.token}`,
        "User-Agent": `telecommande-agent/${options.version} (doctor)`,
        [AGENT_INSTANCE_HEADER]: randomUUID(),
      },
      handshakeTimeout: options.timeoutMs,
      perMessageDeflate: false,
    });
    const timer = setTimeout(() => {
      out.timedOut = true;
      ws.terminate();
    }, options.timeoutMs);
    ws.on("unexpected-response", (_req, res) => {
      out.status = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on("error", (err) => {
      out.error ??= err;
    });
    ws.on("open", () => {
      out.opened = true;
      const { name: agent, version, vms } = options;
      ws.send(encodeMessage({ type: "hello", agent, version, protocol: PROTOCOL_VERSION, vms, jobs: [], probe: true }));
    });
    ws.on("message", (data) => {
      const parsed = parseMessage(data.toString());
      if (!parsed.ok) return;
      const msg = parsed.message;
      if (msg.type === "error") out.edgeError = msg.message;
      if (msg.type === "welcome" && !out.welcome) {
        out.welcome = { protocol: msg.protocol, agent: msg.agent };
        // Done: a welcomed doctor lingering could be handed a job meant for the agent.
        ws.close(1000, "doctor done");
      }
    });
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      out.closeCode = code;
      out.closeReason = reason.toString();
      resolve(out);
    });
  });
}

async function handshake(url: URL, target: string, options: EdgeCheckOptions & { token: string }): Promise<Row[]> {
  const out = await dial(url, options);
  const name = options.name;
  if (!out.opened) {
    if (out.status === 401 || out.status === 403) {
      return [
        fail(
          "edge token",
          target,
          `the edge rejected the token (HTTP ${out.status})`,
          `check AGENT_TOKEN / the digest in the edge's agents: (token_sha256 of "${name}")`,
        ),
      ];
    }
    if (out.status) {
      return [
        fail(
          "edge token",
          target,
          `HTTP ${out.status} instead of a WebSocket upgrade`,
          "check that the URL is the edge's (the agent dials <edge>/agent/connect)",
        ),
      ];
    }
    const why = out.timedOut
      ? `no answer within ${formatDuration(options.timeoutMs)}`
      : describeNetError(out.error ?? "the connection closed");
    return [fail("edge token", target, `WebSocket upgrade failed: ${why}`, "check the URL, TLS certificate and proxy")];
  }
  const rows = [ok("edge token", target, "accepted (WebSocket upgraded)")];
  const label = `protocol ${PROTOCOL_VERSION}`;
  if (out.welcome) {
    if (out.welcome.protocol !== PROTOCOL_VERSION) {
      rows.push(
        fail(
          "edge protocol",
          target,
          `the edge speaks protocol ${out.welcome.protocol}, this agent ${label}`,
          UPGRADE_FIX,
        ),
      );
    } else rows.push(ok("edge protocol", target, `welcome as "${out.welcome.agent}", ${label}`));
    return rows;
  }
  const said = out.edgeError ?? out.closeReason ?? "";
  if (out.closeCode === CLOSE_DUPLICATE_AGENT) {
    rows.push(
      warn(
        "edge protocol",
        target,
        `an agent is connected as "${name}" (this check did not disturb it); protocol not checked`,
        `nothing if that is this machine's agent; otherwise another machine runs with "${name}"'s token`,
      ),
    );
  } else if (out.closeCode === 4002) {
    const edgeSpeaks = /speaks protocol (\d+)/.exec(said)?.[1];
    const detail = edgeSpeaks
      ? `the edge speaks protocol ${edgeSpeaks}, this agent ${label}`
      : `the edge refused ${label}${said ? `: ${said}` : ""}`;
    rows.push(fail("edge protocol", target, detail, UPGRADE_FIX));
  } else if (out.closeCode === 4003) {
    rows.push(
      fail(
        "edge protocol",
        target,
        `the name "${name}" does not match the token${said ? `: ${said}` : ""}`,
        "run with the --name the token was made for, or that agent's token",
      ),
    );
  } else {
    const why = out.timedOut
      ? `no welcome within ${formatDuration(options.timeoutMs)}`
      : `the edge closed the connection (code ${out.closeCode}${said ? `: ${said}` : ""})`;
    rows.push(fail("edge protocol", target, why, "check the edge's logs (wrangler tail) for agent_* events"));
  }
  return rows;
}
