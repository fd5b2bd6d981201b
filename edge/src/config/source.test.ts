import { afterEach, describe, expect, it, vi } from "vitest";
import { EdgeConfigError, loadEdgeConfig } from "./source.js";

const base = { ALLOWED_HOSTS: "", ALLOWED_ORIGINS: "", AGENT_HUB: {} as DurableObjectNamespace };

afterEach(() => vi.restoreAllMocks());

describe("loadEdgeConfig", () => {
  it("names every missing variable when there is neither CONFIG_YAML nor a complete fetch setup", async () => {
    await expect(loadEdgeConfig({ ...base, URL: "https://cfg.example" })).rejects.toThrow(
      new EdgeConfigError(
        "no config: set the CONFIG_YAML secret, or URL, VERSION and API_KEY to fetch it (missing: VERSION, API_KEY)",
      ),
    );
  });

  it("fetches URL/VERSION/CONFIG_FILENAME with X-API-Key, as the original", async () => {
    // The config server is outside this machine; a stand-in answers the same HTTP request.
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(new Response("vms:\n- {name: web, host: 10.1.1.1, user: deploy, key: secret}\n"));
    const config = await loadEdgeConfig({ ...base, URL: "https://cfg.example/", VERSION: "v2", API_KEY: "k" });
    expect(fetchSpy).toHaveBeenCalledWith("https://cfg.example/v2/config.yaml", { headers: { "X-API-Key": "k" } });
    expect([...config.vms.values()]).toEqual([
      { name: "web", host: "10.1.1.1", port: 22, user: "deploy", agent: "default" },
    ]);
    expect(JSON.stringify([...config.vms.values()])).not.toContain("secret");
  });

  it("reports a failed fetch and does not cache the failure", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response("no", { status: 403 }));
    const env = { ...base, URL: "https://cfg2.example", VERSION: "1", API_KEY: "k", CONFIG_FILENAME: "fleet.yaml" };
    await expect(loadEdgeConfig(env)).rejects.toThrow(
      "fetching the config from https://cfg2.example/1/fleet.yaml failed: HTTP 403",
    );
    vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response("vms: []"));
    expect((await loadEdgeConfig(env)).vms.size).toBe(0);
  });

  it("lists every config problem with its path", async () => {
    await expect(loadEdgeConfig({ ...base, CONFIG_YAML: "vms: [{name: a, hots: b}]" })).rejects.toThrow(
      /Invalid CONFIG_YAML \(3 problems\):\n {2}- vms\[0\]\.host: required/,
    );
  });
});
