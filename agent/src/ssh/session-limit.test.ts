import { describe, expect, it } from "vitest";
import { SessionLimit } from "./session-limit.js";

describe("SessionLimit", () => {
  it("learns the count at which the server refuses, after three refusals there", () => {
    const limit = new SessionLimit(8);
    for (let live = 1; live <= 3; live++) limit.granted(live);
    expect(limit.refused(3)).toBe("retry");
    expect(limit.refused(3)).toBe("retry");
    expect(limit.refused(3)).toBe("learned");
    expect(limit.limit).toBe(3);
  });

  it("never lowers the limit below what the server has granted: that refusal is reaping lag", () => {
    const limit = new SessionLimit(8);
    limit.granted(8);
    for (let i = 0; i < 20; i++) expect(limit.refused(5)).toBe("retry");
    expect(limit.limit).toBe(8);
  });

  it("starts counting again when the server grants more than before", () => {
    const limit = new SessionLimit(8);
    limit.granted(2);
    limit.refused(2);
    limit.refused(2);
    limit.granted(3);
    expect(limit.refused(3)).toBe("retry");
    expect(limit.limit).toBe(8);
  });

  it("tells a server that refuses every session from a busy one", () => {
    expect(new SessionLimit(8).refused(0)).toBe("refuses-all");
    const busy = new SessionLimit(8);
    busy.granted(1);
    expect(busy.refused(0)).toBe("retry");
  });
});
