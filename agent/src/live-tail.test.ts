import { TAIL_CHARS } from "@telecommande/shared";
import { describe, expect, it } from "vitest";
import { LiveTail, lastLines } from "./live-tail.js";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the live tail of a watched command", () => {
  it("sends the first output at once, then at most once per interval, the latest text", async () => {
    const sent: string[] = [];
    const tail = new LiveTail((text) => sent.push(text), 100);
    tail.push("stdout", Buffer.from("one\n"));
    expect(sent).toEqual(["one\n"]);
    tail.push("stdout", Buffer.from("two\n"));
    tail.push("stderr", Buffer.from("three\n"));
    expect(sent).toHaveLength(1);
    await wait(150);
    expect(sent).toEqual(["one\n", "one\ntwo\nthree\n"]);
    await wait(150);
    expect(sent).toHaveLength(2);
    tail.stop();
  });

  it("keeps whole lines from the end within the limit, and characters split across chunks whole", () => {
    const long = `${"x".repeat(TAIL_CHARS)}\nlast line\n`;
    expect(lastLines(long, TAIL_CHARS)).toBe("last line\n");
    expect(lastLines("short\n", TAIL_CHARS)).toBe("short\n");
    const sent: string[] = [];
    const tail = new LiveTail((text) => sent.push(text), 0);
    const e = Buffer.from("é");
    tail.push("stdout", e.subarray(0, 1));
    tail.push("stdout", e.subarray(1));
    expect(sent.at(-1)).toBe("é");
    tail.stop();
  });
});
