/**
 * @module The latest output of a command someone is watching: whole lines from the end,
 * at most TAIL_CHARS, sent at most every 250 ms while it changes (first change at once).
 * A display, not the output: the output still arrives whole in the result.
 */
import { TAIL_CHARS } from "@telecommande/shared";
import type { StreamName } from "./ssh/exec.js";

export class LiveTail {
  private text = "";
  private changed = false;
  private lastSent = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };

  constructor(
    private readonly send: (text: string) => void,
    private readonly intervalMs = 250,
  ) {}

  push(stream: StreamName, chunk: Buffer): void {
    this.text += this.decoders[stream].decode(chunk, { stream: true });
    if (this.text.length > 2 * TAIL_CHARS) this.text = this.text.slice(-TAIL_CHARS);
    this.changed = true;
    const wait = this.lastSent + this.intervalMs - performance.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.changed || !this.text) return;
    this.changed = false;
    this.lastSent = performance.now();
    this.send(lastLines(this.text, TAIL_CHARS));
  }
}

/** The end of `text` within `max` characters, starting at a line when one begins inside it. */
export function lastLines(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = text.slice(-max);
  const newline = end.indexOf("\n");
  return newline >= 0 && newline < end.length - 1 ? end.slice(newline + 1) : end;
}
