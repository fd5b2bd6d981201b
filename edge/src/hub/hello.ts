/**
 * @module The hub's answer to an agent's hello: refuse it (wrong protocol, a name that is not
 * its token's), welcome a probe (doctor) without making it the agent's connection, or accept
 * it as the connection that takes this agent's jobs.
 */
import { type Message, PROTOCOL_VERSION } from "@telecommande/shared";
import type { Attachment } from "./sockets.js";
import type { HubAttachment } from "./status-report.js";

type Hello = Extract<Message, { type: "hello" }>;

export type HelloVerdict =
  | { kind: "refuse"; closeCode: number; closeReason: string; message: string }
  | { kind: "probe" }
  | { kind: "accept"; attachment: HubAttachment };

export function helloVerdict(att: Attachment, hello: Hello, now = Date.now()): HelloVerdict {
  const { agent, protocol, version, vms, uptime_s } = hello;
  if (protocol !== PROTOCOL_VERSION) {
    const message = `protocol ${protocol} not supported; this edge speaks protocol ${PROTOCOL_VERSION}`;
    return { kind: "refuse", closeCode: 4002, closeReason: "protocol version mismatch", message };
  }
  if (agent !== att.agent) {
    const message = `this token belongs to agent "${att.agent}"`;
    return { kind: "refuse", closeCode: 4003, closeReason: "agent name does not match its token", message };
  }
  // A doctor's check: it must not receive jobs, nor fail the ones a dropped agent holds.
  if (hello.probe) return { kind: "probe" };
  const startedAt = uptime_s === undefined ? undefined : now - uptime_s * 1000;
  return {
    kind: "accept",
    attachment: {
      ...att,
      ready: true,
      vms,
      version,
      connectedAt: now,
      ...(startedAt === undefined ? {} : { startedAt }),
    },
  };
}
