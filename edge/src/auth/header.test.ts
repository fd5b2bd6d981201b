import { describe, expect, it } from "vitest";
import { parseAuthorization } from "./header.js";

describe("parseAuthorization", () => {
  it("reads Bearer keys, any case, with extra spaces", () => {
    expect(parseAuthorization("Bearer abc")).toBe("abc");
    expect(parseAuthorization("bearer   abc  ")).toBe("abc");
    expect(parseAuthorization("BEARER\tabc")).toBe("abc");
  });
  it("takes a raw key as the whole value when it is one word", () => {
    expect(parseAuthorization("alice-secret")).toBe("alice-secret");
    expect(parseAuthorization("  alice-secret ")).toBe("alice-secret");
  });
  it("returns null for missing or blank values", () => {
    expect(parseAuthorization(undefined)).toBeNull();
    expect(parseAuthorization(null)).toBeNull();
    expect(parseAuthorization("   ")).toBeNull();
  });
  it("returns null for a Bearer scheme without a token", () => {
    expect(parseAuthorization("Bearer")).toBeNull();
    expect(parseAuthorization("Bearer ")).toBeNull();
    expect(parseAuthorization("bearer   ")).toBeNull();
  });
  it("returns null for another scheme or a token with spaces", () => {
    expect(parseAuthorization("Basic alice-secret")).toBeNull();
    expect(parseAuthorization("Token alice-secret")).toBeNull();
    expect(parseAuthorization("Basic YWxpY2U6c2VjcmV0")).toBeNull();
    expect(parseAuthorization("Bearer alice secret")).toBeNull();
    expect(parseAuthorization("alice secret")).toBeNull();
  });
});
