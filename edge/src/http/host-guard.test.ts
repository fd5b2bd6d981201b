import { describe, expect, it } from "vitest";
import { hostAllowed, originAllowed } from "./host-guard.js";

const env = { ALLOWED_HOSTS: "*.workers.dev, mcp.example.org", ALLOWED_ORIGINS: "https://chat.mistral.ai" };

describe("hostAllowed", () => {
  it("allows loopback on any port", () => {
    for (const h of ["127.0.0.1:8787", "localhost", "localhost:1", "[::1]:8787", "127.0.0.2"]) {
      expect(hostAllowed(h, "")).toBe(true);
    }
  });
  it("allows listed hosts and wildcard suffixes only", () => {
    expect(hostAllowed("tlc.acme.workers.dev", env.ALLOWED_HOSTS)).toBe(true);
    expect(hostAllowed("mcp.example.org:443", env.ALLOWED_HOSTS)).toBe(true);
    expect(hostAllowed("workers.dev", env.ALLOWED_HOSTS)).toBe(false);
    expect(hostAllowed("evil.com", env.ALLOWED_HOSTS)).toBe(false);
    expect(hostAllowed("127.0.0.1.evil.com", env.ALLOWED_HOSTS)).toBe(false);
    expect(hostAllowed("notworkers.dev", env.ALLOWED_HOSTS)).toBe(false);
    expect(hostAllowed(undefined, env.ALLOWED_HOSTS)).toBe(false);
  });
});

describe("originAllowed", () => {
  const edge = "la-telecommande.x.workers.dev";
  it("allows the edge's own host, loopback and listed origins", () => {
    expect(originAllowed("https://la-telecommande.x.workers.dev", edge, env)).toBe(true);
    expect(originAllowed("https://LA-telecommande.x.workers.dev:443", `${edge}:443`, env)).toBe(true);
    expect(originAllowed("http://localhost:6274", edge, env)).toBe(true);
    expect(originAllowed("http://127.0.0.1:8787", edge, env)).toBe(true);
    expect(originAllowed("https://chat.mistral.ai", edge, env)).toBe(true);
  });
  it("refuses other hosts, even under an allowed host's wildcard", () => {
    expect(originAllowed("https://evil.workers.dev", edge, env)).toBe(false);
    expect(originAllowed("https://x.workers.dev", edge, env)).toBe(false);
    expect(originAllowed("http://la-telecommande.x.workers.dev:8080", edge, env)).toBe(false);
    expect(originAllowed("https://mcp.example.org", edge, env)).toBe(false);
    expect(originAllowed("https://la-telecommande.x.workers.dev", undefined, env)).toBe(false);
  });
  it("refuses garbage", () => {
    expect(originAllowed("http://evil.example", edge, env)).toBe(false);
    expect(originAllowed("null", edge, env)).toBe(false);
    expect(originAllowed("file://localhost", edge, env)).toBe(false);
  });
});
