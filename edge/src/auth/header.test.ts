import { describe, expect, it } from "vitest";
import { parseAuthorization } from "./header.js";

describe("parseAuthorization", () => {
  it("reads Bearer keys, any case, with extra spaces", () => {
    expect(parseAuthorization("Bearer abc")).toBe("abc");
    expect(parseAuthorization("bearer   abc  ")).toBe("abc");
  });
  it("takes a raw key as the whole value", () => {
    expect(parseAuthorization("alice-secret")).toBe("alice-secret");
  });
  it("returns null for missing or blank values", () => {
    expect(parseAuthorization(undefined)).toBeNull();
    expect(parseAuthorization(null)).toBeNull();
    expect(parseAuthorization("   ")).toBeNull();
    expect(parseAuthorization("Bearer ")).toBe("Bearer");
  });
});
