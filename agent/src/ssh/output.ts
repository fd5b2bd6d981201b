/**
 * @module Captures one output stream of a remote command: keeps the first MAX_OUTPUT_BYTES
 * bytes, counts the rest, decodes UTF-8 incrementally (a character split across packets
 * decodes whole) and streams large output out in CHUNK_CHARS pieces as it arrives.
 */
import { CHUNK_CHARS, chunkText } from "@telecommande/shared";

/** Per stream: 1 MiB of a log is plenty for a human or a model; more would only bloat messages. */
export const MAX_OUTPUT_BYTES = 1_048_576;

export function truncationMarker(totalBytes: number, keptBytes: number): string {
  return `\n[output truncated: ${totalBytes} bytes, first ${keptBytes} shown]`;
}

export interface OutputCaptureOptions {
  limitBytes?: number;
  chunkChars?: number;
  /** Receives full chunks while the command runs; without it everything stays for `finish`. */
  onChunk?: (data: string) => void;
}

export class OutputCapture {
  private readonly decoder = new TextDecoder("utf-8");
  private readonly limit: number;
  private readonly chunkChars: number;
  private pending = "";
  private kept = 0;
  private seen = 0;
  private chunksSent = 0;

  constructor(private readonly options: OutputCaptureOptions = {}) {
    this.limit = options.limitBytes ?? MAX_OUTPUT_BYTES;
    this.chunkChars = options.chunkChars ?? CHUNK_CHARS;
  }

  /** Total bytes the command wrote, kept or not. */
  get totalBytes(): number {
    return this.seen;
  }

  get truncated(): boolean {
    return this.seen > this.kept;
  }

  /** Chunks handed to onChunk so far. */
  get chunks(): number {
    return this.chunksSent;
  }

  push(data: Buffer): void {
    this.seen += data.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const slice = data.length > room ? data.subarray(0, room) : data;
    this.kept += slice.length;
    this.pending += this.decoder.decode(slice, { stream: true });
    // Strictly more than one chunk: output of exactly one chunk still goes inline in the result.
    if (this.options.onChunk) {
      while (this.pending.length > this.chunkChars) this.emit(this.chunkChars);
    }
  }

  /**
   * Ends the stream and returns what has not been sent yet (marker included). When the
   * rest is larger than one chunk, all but the last chunk are sent first, so the caller's
   * result message stays within CHUNK_CHARS too.
   */
  finish(): string {
    this.pending += this.decoder.decode();
    if (this.truncated) this.pending += truncationMarker(this.seen, this.kept);
    const rest = this.pending;
    this.pending = "";
    if (!this.options.onChunk || rest.length <= this.chunkChars) return rest;
    const pieces = chunkText(rest, this.chunkChars);
    const last = pieces.pop() ?? "";
    for (const piece of pieces) this.send(piece);
    return last;
  }

  private emit(size: number): void {
    const piece = this.pending.slice(0, size);
    this.pending = this.pending.slice(size);
    this.send(piece);
  }

  private send(piece: string): void {
    this.chunksSent++;
    this.options.onChunk?.(piece);
  }
}
