import { describe, expect, it } from "vitest";
import { decodeSlice, incompleteTail } from "./utf8.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("incompleteTail", () => {
  it("is 0 for whole characters of every length", () => {
    for (const text of ["", "a", "é", "€", "😀", "abc€😀"]) expect(incompleteTail(bytes(text)), text).toBe(0);
  });

  it("counts the bytes of a character cut at the end", () => {
    const euro = bytes("€"); // 3 bytes
    const emoji = bytes("😀"); // 4 bytes
    expect(incompleteTail(Buffer.concat([bytes("ab"), euro.subarray(0, 1)]))).toBe(1);
    expect(incompleteTail(Buffer.concat([bytes("ab"), euro.subarray(0, 2)]))).toBe(2);
    expect(incompleteTail(emoji.subarray(0, 3))).toBe(3);
    expect(incompleteTail(bytes("é").subarray(0, 1))).toBe(1);
  });
});

describe("decodeSlice", () => {
  it("returns whole text as UTF-8", () => {
    expect(decodeSlice(bytes("héllo\n"), false)).toEqual({
      encoding: "utf8",
      binary: false,
      content: "héllo\n",
      bytes: 7,
    });
  });

  it("leaves a character cut by max_bytes for the next page", () => {
    const text = bytes("ab€cd");
    const first = decodeSlice(text.subarray(0, 4), true); // "ab" + 2 of €'s 3 bytes
    expect(first).toMatchObject({ encoding: "utf8", content: "ab", bytes: 2 });
    const second = decodeSlice(text.subarray(first.bytes), false);
    expect(second).toMatchObject({ encoding: "utf8", content: "€cd", bytes: 5 });
  });

  it("pages through any text without splitting a character", () => {
    const text = bytes("añ€😀z".repeat(7));
    for (const size of [1, 2, 3, 4, 5, 7]) {
      let offset = 0;
      let out = "";
      while (offset < text.length) {
        const end = Math.min(offset + size, text.length);
        const slice = decodeSlice(text.subarray(offset, end), end < text.length);
        if (slice.binary) {
          // Only a slice smaller than one character may come back raw; it still moves on.
          expect(slice.bytes).toBe(end - offset);
        } else out += slice.content;
        offset += slice.bytes;
        if (slice.binary) out += "?";
      }
      if (size >= 4) expect(out, `size ${size}`).toBe("añ€😀z".repeat(7));
    }
  });

  it("treats a cut at the very end of the file as binary, not as text", () => {
    const slice = decodeSlice(bytes("ab€").subarray(0, 4), false);
    expect(slice).toMatchObject({ encoding: "base64", binary: true, bytes: 4 });
  });

  it("returns NUL bytes and invalid UTF-8 as base64", () => {
    const nul = Buffer.from([0x61, 0x00, 0x62]);
    expect(decodeSlice(nul, false)).toEqual({ encoding: "base64", binary: true, content: "YQBi", bytes: 3 });
    const invalid = Buffer.from([0xff, 0xfe, 0x41]);
    expect(decodeSlice(invalid, true)).toMatchObject({ encoding: "base64", binary: true, bytes: 3 });
  });

  it("returns an empty slice as empty text", () => {
    expect(decodeSlice(Buffer.alloc(0), false)).toEqual({ encoding: "utf8", binary: false, content: "", bytes: 0 });
  });
});
