/**
 * @module How a slice of a file comes back: UTF-8 text when it is text, base64 otherwise.
 * A slice cut at `max_bytes` may end inside a multi-byte character: those 1–3 bytes are
 * left for the next page (`bytes_read` says how many bytes the content holds), so paging
 * with `offset += bytes_read` never splits a character.
 */
import { isUtf8 } from "node:buffer";

export interface DecodedSlice {
  encoding: "utf8" | "base64";
  binary: boolean;
  content: string;
  /** Bytes of the file the content holds (the slice minus a cut character's bytes). */
  bytes: number;
}

/**
 * Bytes at the end of `bytes` that start a UTF-8 character without finishing it: 0 to 3.
 * Only the lead byte's announced length counts; whether the rest is valid is isUtf8's job.
 */
export function incompleteTail(bytes: Uint8Array): number {
  // A character is at most 4 bytes: its lead byte is within the last 3 if it is cut.
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/**
 * Decodes one slice. `cut`: the slice stops before the end of the file, so a character cut
 * at its end is left out. Text must be valid UTF-8 without NUL; anything else is base64.
 */
export function decodeSlice(slice: Buffer, cut: boolean): DecodedSlice {
  const tail = cut ? incompleteTail(slice) : 0;
  const text = slice.subarray(0, slice.length - tail);
  // A slice of nothing but a cut character (max_bytes 1 on "é") must still move the reader on.
  if ((text.length > 0 || slice.length === 0) && !text.includes(0) && isUtf8(text)) {
    return { encoding: "utf8", binary: false, content: text.toString("utf8"), bytes: text.length };
  }
  return { encoding: "base64", binary: true, content: slice.toString("base64"), bytes: slice.length };
}
