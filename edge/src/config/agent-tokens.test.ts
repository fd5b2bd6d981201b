import { parseConfig, sha256Hex } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { findBySecret } from "../auth/compare.js";
import { agentNames } from "../hub/dispatch.js";
import { buildEdgeConfig } from "./edge-config.js";

describe("agent tokens while they rotate", () => {
  it("lets an agent in with any of its listed tokens, and not with one dropped from the list", async () => {
    const [old, next, other] = ["old-token", "next-token", "other-token"];
    const yaml = async (tokens: string[]) =>
      parseConfig(`vms: []
agents:
  - {name: dc1, token_sha256: [${(await Promise.all(tokens.map(sha256Hex))).map((h) => `"${h}"`).join(", ")}]}
  - {name: dc2, token_sha256: "${await sha256Hex(other)}"}
`);
    const rotating = await buildEdgeConfig(await yaml([old, next]));
    const agents = rotating.agents ?? [];
    const who = async (token: string) => (await findBySecret(token, agents, (a) => a.tokenHash))?.name ?? null;
    expect(await who(old)).toBe("dc1");
    expect(await who(next)).toBe("dc1");
    expect(await who(other)).toBe("dc2");
    expect(await who("next-token ")).toBeNull();
    expect(agentNames(rotating.agents)).toEqual(["dc1", "dc2"]);

    // The old token is revoked by dropping its digest: the next connect with it is refused.
    const rotated = await buildEdgeConfig(await yaml([next]));
    const after = async (token: string) =>
      (await findBySecret(token, rotated.agents ?? [], (a) => a.tokenHash))?.name ?? null;
    expect(await after(old)).toBeNull();
    expect(await after(next)).toBe("dc1");
  });
});
