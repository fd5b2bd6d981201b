import { AGENT_INSTANCE_HEADER, PROTOCOL_VERSION } from "@telecommande/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeEdge, startFakeEdge } from "../testing/fake-edge.js";
import { checkEdge, type EdgeCheckOptions } from "./edge-checks.js";
import type { Row } from "./report.js";

let edge: FakeEdge;
beforeEach(async () => {
  edge = await startFakeEdge();
});
afterEach(async () => {
  await edge.close();
});

const options = (over: Partial<EdgeCheckOptions> = {}): EdgeCheckOptions => ({
  edgeUrl: edge.url,
  allowInsecure: false,
  token: "edge-token-secret",
  name: "dc1",
  version: "0.1.0",
  vms: ["vm1"],
  timeoutMs: 3000,
  ...over,
});

const verdicts = (rows: Row[]) => rows.map((r) => `${r.check}: ${r.verdict}`);
const last = (rows: Row[]) => rows[rows.length - 1];

/** The edge answers the hello with `answer`, as a test decides. */
function answerHello(answer: (socket: Awaited<ReturnType<FakeEdge["nextSocket"]>>) => void) {
  return edge.nextSocket().then(async (socket) => {
    await socket.next((m) => m.type === "hello");
    answer(socket);
    return socket;
  });
}

describe("doctor: the edge", () => {
  it("passes: upgrade with the token, a probe hello claiming no jobs, welcome, clean close", async () => {
    const socket = answerHello((s) => s.send({ type: "welcome", protocol: PROTOCOL_VERSION, agent: "dc1" }));
    const rows = await checkEdge(options());
    expect(verdicts(rows)).toEqual(["edge url: ok", "edge reach: ok", "edge token: ok", "edge protocol: ok"]);
    const s = await socket;
    expect(s.headers.authorization).toBe("Bearer edge-token-secret");
    expect(s.headers[AGENT_INSTANCE_HEADER.toLowerCase()]).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.messages()[0]).toEqual({
      type: "hello",
      agent: "dc1",
      version: "0.1.0",
      protocol: PROTOCOL_VERSION,
      vms: ["vm1"],
      jobs: [],
      probe: true,
    });
    expect(await s.closed).toBe(1000);
  });

  it("fails a rejected token (401), pointing at AGENT_TOKEN and the edge's digest", async () => {
    edge.refuse = () => 401;
    const rows = await checkEdge(options());
    expect(last(rows)).toMatchObject({ check: "edge token", verdict: "FAIL" });
    expect(last(rows)?.detail).toContain("the edge rejected the token");
    expect(last(rows)?.fix).toContain("AGENT_TOKEN");
    expect(JSON.stringify(rows)).not.toContain("edge-token-secret");
  });

  it("fails a welcome of another protocol version, naming both", async () => {
    void answerHello((s) => s.send({ type: "welcome", protocol: PROTOCOL_VERSION + 1, agent: "dc1" }));
    const row = last(await checkEdge(options()));
    expect(row).toMatchObject({ check: "edge protocol", verdict: "FAIL" });
    expect(row?.detail).toBe(
      `the edge speaks protocol ${PROTOCOL_VERSION + 1}, this agent protocol ${PROTOCOL_VERSION}`,
    );
    expect(row?.fix).toContain("upgrade");
  });

  it("fails an edge that refuses the agent's protocol (4002), naming the edge's", async () => {
    void answerHello((s) => {
      s.send({ type: "error", code: "bad_message", message: "protocol 2 not supported; this edge speaks protocol 7" });
      s.ws.close(4002, "protocol version mismatch");
    });
    const row = last(await checkEdge(options()));
    expect(row?.detail).toBe(`the edge speaks protocol 7, this agent protocol ${PROTOCOL_VERSION}`);
  });

  it("warns, without failing, when a live agent holds the name (4009): doctor did not disturb it", async () => {
    void edge.nextSocket().then((s) => s.ws.close(4009, 'agent "dc1" is already connected from another process'));
    const rows = await checkEdge(options());
    expect(last(rows)).toMatchObject({ check: "edge protocol", verdict: "warn" });
    expect(last(rows)?.detail).toContain('an agent is connected as "dc1" (this check did not disturb it)');
  });

  it("fails a name that does not match the token (4003)", async () => {
    void answerHello((s) => s.ws.close(4003, "agent name does not match its token"));
    const row = last(await checkEdge(options()));
    expect(row).toMatchObject({ verdict: "FAIL" });
    expect(row?.detail).toContain('the name "dc1" does not match the token');
  });

  it("fails a plain-text edge off loopback without dialling it, and a missing token", async () => {
    const insecure = await checkEdge(options({ edgeUrl: "http://edge.example:8787" }));
    expect(verdicts(insecure)).toEqual(["edge url: FAIL"]);
    expect(insecure[0]?.detail).toContain("not encrypted and not on loopback");
    const noToken = await checkEdge(options({ token: undefined }));
    expect(last(noToken)).toMatchObject({ check: "edge token", verdict: "FAIL", detail: "AGENT_TOKEN is not set" });
    expect(edge.attempts).toBe(0);
  });

  it("fails an edge that never answers the hello, within the timeout", async () => {
    const row = last(await checkEdge(options({ timeoutMs: 300 })));
    expect(row).toMatchObject({ check: "edge protocol", verdict: "FAIL", detail: "no welcome within 300 ms" });
  });
});
