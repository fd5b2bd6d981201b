import { describe, expect, it } from "vitest";
import { openModeAllowed } from "./open-mode.js";

describe("openModeAllowed", () => {
  it("allows loopback URLs", () => {
    for (const url of [
      "http://127.0.0.1:8787/mcp",
      "http://127.9.9.9/mcp",
      "http://localhost/mcp",
      "http://[::1]:1/mcp",
    ]) {
      expect(openModeAllowed(url, {})).toBe(true);
    }
  });
  it("refuses any other host unless ALLOW_ANONYMOUS is true", () => {
    for (const url of ["https://edge.example.com/mcp", "https://x.workers.dev/mcp", "http://127.0.0.1.evil.com/mcp"]) {
      expect(openModeAllowed(url, {})).toBe(false);
      expect(openModeAllowed(url, { ALLOW_ANONYMOUS: "false" })).toBe(false);
      expect(openModeAllowed(url, { ALLOW_ANONYMOUS: "1" })).toBe(false);
      expect(openModeAllowed(url, { ALLOW_ANONYMOUS: "true" })).toBe(true);
      expect(openModeAllowed(url, { ALLOW_ANONYMOUS: "TRUE" })).toBe(true);
    }
  });
});
