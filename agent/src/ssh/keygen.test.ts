import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { generateEd25519 } from "./keygen.js";

describe("generateEd25519", () => {
  it("only hands out key pairs that ssh2 can parse back (its generator fails ~1 in 256)", () => {
    for (let i = 0; i < 1_000; i++) {
      const pair = generateEd25519();
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    }
  });

  it("makes encrypted keys that open with their passphrase only", () => {
    const pair = generateEd25519({ passphrase: "pw", cipher: "aes256-cbc", rounds: 1 });
    expect(ssh2.utils.parseKey(pair.private, "pw")).not.toBeInstanceOf(Error);
    expect(ssh2.utils.parseKey(pair.private, "wrong")).toBeInstanceOf(Error);
  });
});
