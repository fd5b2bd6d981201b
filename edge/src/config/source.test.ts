import { afterEach, describe, expect, it, vi } from "vitest";
import type { EdgeEnv } from "../env.js";
import { EdgeConfigError, fetchLimits, loadEdgeConfig } from "./source.js";

const base = {
  ALLOWED_HOSTS: "",
  ALLOWED_ORIGINS: "",
  AGENT_HUB: {} as EdgeEnv["AGENT_HUB"],
  CALLS_PER_KEY: {} as RateLimit,
};

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
    expect(fetchSpy).toHaveBeenCalledWith("https://cfg.example/v2/config.yaml", {
      headers: { "X-API-Key": "k" },
      signal: expect.any(AbortSignal),
    });
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

  it("gives up on a config server that does not answer, with a clear error", async () => {
    fetchLimits.timeoutMs = 50;
    try {
      vi.spyOn(globalThis, "fetch").mockImplementation(
        (_url, init) =>
          new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
      );
      const env = { ...base, URL: "https://hang.example", VERSION: "1", API_KEY: "k" };
      await expect(loadEdgeConfig(env)).rejects.toThrow(
        "fetching the config from https://hang.example/1/config.yaml failed: no answer within 0.05 s",
      );
    } finally {
      fetchLimits.timeoutMs = 5_000;
    }
  });

  it("keeps serving the last good config when a refresh fails, logging its age", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const env = { ...base, URL: "https://lastgood.example", VERSION: "1", API_KEY: "k" };
      vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response("vms:\n- {name: web, host: h, user: u}\n"));
      expect([...(await loadEdgeConfig(env)).vms.keys()]).toEqual(["web"]);

      vi.setSystemTime(Date.now() + 61_000);
      const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
      vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response("down", { status: 502 }));
      expect([...(await loadEdgeConfig(env)).vms.keys()]).toEqual(["web"]);
      const logged = warn.mock.calls.map((c) => JSON.parse(String(c[0])));
      expect(logged).toContainEqual({
        level: "warn",
        event: "config_refresh_failed",
        error: "fetching the config from https://lastgood.example/1/config.yaml failed: HTTP 502",
        serving_config_age_s: 61,
        retry_in_s: 10,
      });

      // Retried after 10 s, not on every request, and a good answer replaces it.
      const next = vi
        .spyOn(globalThis, "fetch")
        .mockResolvedValue(new Response("vms:\n- {name: db, host: h, user: u}\n"));
      next.mockClear();
      await loadEdgeConfig(env);
      expect(next).not.toHaveBeenCalled();
      vi.setSystemTime(Date.now() + 11_000);
      expect([...(await loadEdgeConfig(env)).vms.keys()]).toEqual(["db"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("warns loudly when private key material reaches the edge, naming the VMs but no secret", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const yaml =
      "vms:\n- {name: web, host: h, user: u, key: TOPSECRETKEY}\n- {name: db, host: h, user: u, key_path: /k}\n";
    await loadEdgeConfig({ ...base, CONFIG_YAML: yaml });
    const lines = error.mock.calls.map((c) => String(c[0]));
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.event === "key_material_at_edge");
    expect(warning).toMatchObject({ level: "error", vms: ["web"], count: 1 });
    expect(warning.message).toMatch(/must not hold it/);
    expect(lines.join("\n")).not.toContain("TOPSECRETKEY");
  });

  it("lists every config problem with its path", async () => {
    await expect(loadEdgeConfig({ ...base, CONFIG_YAML: "vms: [{name: a, hots: b}]" })).rejects.toThrow(
      /Invalid CONFIG_YAML \(3 problems\):\n {2}- vms\[0\]\.host: required/,
    );
  });
});
