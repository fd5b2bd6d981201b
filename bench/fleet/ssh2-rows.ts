/**
 * @module Raw ssh2 rows, the product's own SSH library without the product: fresh
 * connections (connect, exec, close per host, all at once) and warm connections (one per
 * host, opened before the clock starts, as the agent's pool keeps them).
 */
import type { Client } from "ssh2";
import { wrapCommand } from "../../agent/src/ssh/quote.js";
import { type SshTarget, sshConnect, sshExec } from "../../e2e/harness/ssh-client.js";
import { COMMAND, type FleetHost, type FleetRow, type HostOutcome } from "./types.js";

const target = (h: FleetHost): SshTarget => ({
  host: h.host,
  port: h.port,
  user: h.user,
  privateKey: h.clientKey,
  hostKeyFingerprint: h.hostKeyFingerprint,
});

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function execOn(name: string, conn: Client, command: string): Promise<HostOutcome> {
  try {
    const out = await sshExec(conn, command);
    if (out.code === 0) return { name, stdout: out.stdout };
    return { name, stdout: out.stdout, error: `exit ${out.code ?? out.signal}: ${out.stderr.trim()}` };
  } catch (error) {
    return { name, error: message(error) };
  }
}

/** A new connection per host, all N at once (TCP_NODELAY, host key checked), plain `uname -a`. */
export function ssh2FreshRow(): FleetRow {
  return {
    id: "ssh2-fresh",
    label: "ssh2 fresh connections",
    run: (hosts) =>
      Promise.all(
        hosts.map(async (h) => {
          let conn: Client;
          try {
            conn = await sshConnect(target(h));
          } catch (error) {
            return { name: h.name, error: message(error) };
          }
          try {
            return await execOn(h.name, conn, COMMAND);
          } finally {
            conn.end();
          }
        }),
      ),
  };
}

/** Opens one connection per host, 8 at a time and retried: untimed, so sshd's MaxStartups must not fail it. */
async function openAll(hosts: FleetHost[]): Promise<Client[]> {
  const conns: Client[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const i = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          conns[i] = await sshConnect(target(hosts[i] as FleetHost));
          break;
        } catch (error) {
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: 8 }, worker));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    for (const conn of conns) conn?.end();
    throw (failed as PromiseRejectedResult).reason;
  }
  return conns;
}

/**
 * Warm connections, one per host, opened in `setup`; each repetition runs N execs at once.
 * `agentCommand`: the remote string the agent sends (`wrapCommand`, login shell included),
 * else plain `uname -a` like the peers.
 */
export function ssh2WarmRow(agentCommand: boolean): FleetRow {
  let conns: Client[] = [];
  const command = agentCommand ? wrapCommand(COMMAND) : COMMAND;
  return {
    id: agentCommand ? "ssh2-warm" : "ssh2-warm-plain",
    label: agentCommand ? "ssh2 warm, agent's wrapCommand" : "ssh2 warm, plain uname -a",
    async setup(hosts) {
      conns = await openAll(hosts);
    },
    run: (hosts) => Promise.all(hosts.map((h, i) => execOn(h.name, conns[i] as Client, command))),
    async teardown() {
      for (const conn of conns.splice(0)) conn?.end();
    },
  };
}
