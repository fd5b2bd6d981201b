import { PROTOCOL_VERSION } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { helloVerdict } from "./hello.js";

const att = { agent: "dc1", conn: "c1", ready: false, vms: [], instance: "i1" };
const hello = {
  type: "hello" as const,
  agent: "dc1",
  version: "1.2.3",
  protocol: PROTOCOL_VERSION,
  vms: ["vm1"],
  jobs: [],
};
const NOW = 1_800_000_000_000;

describe("helloVerdict", () => {
  it("accepts the agent: ready, its VMs and version, connected now, started uptime_s ago on the hub's clock", () => {
    expect(helloVerdict(att, { ...hello, uptime_s: 3600 }, NOW)).toEqual({
      kind: "accept",
      attachment: { ...att, ready: true, vms: ["vm1"], version: "1.2.3", connectedAt: NOW, startedAt: NOW - 3_600_000 },
    });
  });

  it("leaves the start unknown for an agent that does not say its uptime", () => {
    const verdict = helloVerdict(att, hello, NOW);
    expect(verdict.kind === "accept" && "startedAt" in verdict.attachment).toBe(false);
  });

  it("welcomes a probe without making it the agent's connection", () => {
    expect(helloVerdict(att, { ...hello, probe: true }, NOW)).toEqual({ kind: "probe" });
  });

  it("refuses another protocol (4002) and a name that is not its token's (4003)", () => {
    expect(helloVerdict(att, { ...hello, protocol: PROTOCOL_VERSION + 1 }, NOW)).toMatchObject({
      kind: "refuse",
      closeCode: 4002,
      message: `protocol ${PROTOCOL_VERSION + 1} not supported; this edge speaks protocol ${PROTOCOL_VERSION}`,
    });
    expect(helloVerdict(att, { ...hello, agent: "dc2", probe: true }, NOW)).toMatchObject({
      kind: "refuse",
      closeCode: 4003,
      message: 'this token belongs to agent "dc1"',
    });
  });
});
