/**
 * The status page never waits on a slow agent: probes the agent does not answer leave their
 * VMs "unknown" after the hub's short wait, and the answer comes all the same.
 */
import { describe, expect, it } from "vitest";
import { PROBE_WAIT_MS } from "../src/hub/status-report.js";
import type { StatusData } from "../src/status/data.js";
import { connectReady } from "./fake-agent.js";
import { statusFetch } from "./status-fixtures.js";

describe("status with an agent that does not answer its probes", () => {
  it("answers after the hub's wait, its VMs unknown and being checked", async () => {
    const agent = await connectReady([], "silent");
    const started = Date.now();
    const res = await statusFetch("/status.json", { headers: { Authorization: "Bearer admin-key" } });
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(PROBE_WAIT_MS - 100);
    expect(took).toBeLessThan(PROBE_WAIT_MS + 2_000);
    const data = (await res.json()) as StatusData;
    expect(data.agents[0]?.connected).toBe(true);
    expect(data.vms.map((vm) => [vm.name, vm.state, vm.error])).toEqual([
      ["vm1", "unknown", "being checked"],
      ["vm2", "unknown", "being checked"],
    ]);
    // The probes did go out; the agent just never answered them.
    expect((await agent.next("job")).kind).toBe("probe");
    expect((await agent.next("job")).kind).toBe("probe");
  });
});
