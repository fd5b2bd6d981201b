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
  it("allows origins on allowed hosts and listed origins", () => {
    expect(originAllowed("http://localhost:6274", env)).toBe(true);
    expect(originAllowed("https://chat.mistral.ai", env)).toBe(true);
    expect(originAllowed("https://x.workers.dev", env)).toBe(true);
  });
  it("refuses other origins and garbage", () => {
    expect(originAllowed("http://evil.example", env)).toBe(false);
    expect(originAllowed("null", env)).toBe(false);
    expect(originAllowed("file://localhost", env)).toBe(false);
  });
});
