import { describe, expect, it } from "vitest";
import { MAX_OUTPUT_BYTES, OutputCapture, truncationMarker } from "./output.js";

function feed(capture: OutputCapture, data: Buffer, piece = 32 * 1024) {
  for (let i = 0; i < data.length; i += piece) capture.push(data.subarray(i, i + piece));
}

describe("OutputCapture", () => {
  it("keeps small output whole and sends no chunk", () => {
    const chunks: string[] = [];
    const c = new OutputCapture({ onChunk: (d) => chunks.push(d) });
    c.push(Buffer.from("hello\n"));
    c.push(Buffer.from("world\n"));
    expect(c.finish()).toBe("hello\nworld\n");
    expect(chunks).toEqual([]);
    expect(c.truncated).toBe(false);
  });

  it("keeps output of exactly one chunk inline", () => {
    const chunks: string[] = [];
    const c = new OutputCapture({ chunkChars: 10, onChunk: (d) => chunks.push(d) });
    c.push(Buffer.from("0123456789"));
    expect(c.finish()).toBe("0123456789");
    expect(chunks).toEqual([]);
  });

  it("decodes a UTF-8 character split across packets", () => {
    const bytes = Buffer.from("aé漢🙂z");
    const c = new OutputCapture();
    for (let i = 0; i < bytes.length; i++) c.push(bytes.subarray(i, i + 1));
    expect(c.finish()).toBe("aé漢🙂z");
  });

  it("truncates at 1 MiB, counts everything and appends a clear marker", () => {
    const c = new OutputCapture();
    feed(c, Buffer.alloc(2_500_000, "a"));
    const text = c.finish();
    expect(c.truncated).toBe(true);
    expect(c.totalBytes).toBe(2_500_000);
    const marker = "\n[output truncated: 2500000 bytes, first 1048576 shown]";
    expect(truncationMarker(2_500_000, MAX_OUTPUT_BYTES)).toBe(marker);
    expect(text).toBe("a".repeat(MAX_OUTPUT_BYTES) + marker);
  });

  it("streams large output in chunks of at most chunkChars, the rest for the result", () => {
    const chunks: string[] = [];
    const c = new OutputCapture({ limitBytes: 1000, chunkChars: 64, onChunk: (d) => chunks.push(d) });
    const data = Buffer.from(Array.from({ length: 1500 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(""));
    feed(c, data, 37);
    const rest = c.finish();
    for (const chunk of chunks) expect(chunk).toHaveLength(64);
    expect(rest.length).toBeLessThanOrEqual(64);
    expect(rest.length).toBeGreaterThan(0);
    expect(chunks.join("") + rest).toBe(data.subarray(0, 1000).toString() + truncationMarker(1500, 1000));
    expect(c.chunks).toBe(chunks.length);
  });

  it("never streams while there is no receiver", () => {
    const c = new OutputCapture({ chunkChars: 4 });
    c.push(Buffer.from("0123456789"));
    expect(c.finish()).toBe("0123456789");
    expect(c.chunks).toBe(0);
  });
});
