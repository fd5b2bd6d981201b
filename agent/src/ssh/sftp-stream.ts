/**
 * @module Node streams over open SFTP handles, for copying a file between two sessions
 * without holding it: the reader keeps a few READ requests in flight (in order), the writer
 * a few WRITE requests, and the stream machinery's backpressure bounds what is buffered to
 * about `depth × chunk` on each side. The streams never own their handles: the caller
 * opens and closes them, so a destroyed stream (abort, error) leaves that to its clean-up.
 */
import { Readable, Writable } from "node:stream";
import type { SFTPWrapper } from "ssh2";

/** Bytes per READ/WRITE request (below OpenSSH's 255 KiB limit, so never split). */
export const CHUNK_BYTES = 64 * 1024;
/** Requests kept in flight per stream. */
export const DEPTH = 8;

export interface StreamOptions {
  chunk?: number;
  depth?: number;
}

interface PendingRead {
  position: number;
  length: number;
  done: boolean;
  error?: Error;
  data?: Buffer;
}

/** Reads `handle` from `start` to the end of the file (or `end`, excluded). */
export class SftpReader extends Readable {
  private position: number;
  private readonly chunk: number;
  private readonly depth: number;
  private readonly pending: PendingRead[] = [];
  private atEnd = false;
  /** Requests of an older generation answer after a short read restarted the sequence: ignored. */
  private generation = 0;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly handle: Buffer,
    start = 0,
    private readonly end = Number.POSITIVE_INFINITY,
    options: StreamOptions = {},
  ) {
    const chunk = options.chunk ?? CHUNK_BYTES;
    const depth = options.depth ?? DEPTH;
    super({ highWaterMark: chunk * depth });
    this.position = start;
    this.chunk = chunk;
    this.depth = depth;
  }

  override _read(): void {
    this.fill();
  }

  /** Keeps `depth` requests in flight while the consumer wants more. */
  private fill(): void {
    while (!this.atEnd && !this.destroyed && this.pending.length < this.depth && this.position < this.end) {
      const length = Math.min(this.chunk, this.end - this.position);
      const request: PendingRead = { position: this.position, length, done: false };
      this.position += length;
      this.pending.push(request);
      const generation = this.generation;
      const buffer = Buffer.allocUnsafe(length);
      try {
        this.sftp.read(this.handle, buffer, 0, length, request.position, (err, bytesRead) => {
          if (generation !== this.generation) return;
          request.done = true;
          if (err) request.error = err;
          else request.data = buffer.subarray(0, bytesRead);
          this.deliver();
        });
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
    }
    if (this.pending.length === 0 && (this.atEnd || this.position >= this.end)) this.push(null);
  }

  /** Pushes the answered requests at the head of the queue, in file order. */
  private deliver(): void {
    if (this.destroyed) return;
    let wantMore = true;
    while (this.pending[0]?.done) {
      const request = this.pending.shift() as PendingRead;
      if (request.error) {
        this.destroy(request.error);
        return;
      }
      const data = request.data as Buffer;
      if (data.length === 0) {
        // End of file: the requests past it are moot.
        this.atEnd = true;
        this.pending.length = 0;
        this.generation++;
        break;
      }
      wantMore = this.push(data);
      if (data.length < request.length) {
        // A short read: ask again from where it stopped; later answers no longer fit.
        this.position = request.position + data.length;
        this.pending.length = 0;
        this.generation++;
        break;
      }
    }
    if (this.pending.length === 0 && (this.atEnd || this.position >= this.end)) {
      this.push(null);
      return;
    }
    if (wantMore) this.fill();
  }
}

/** Writes what it is given to `handle` from `start`, `depth` WRITE requests in flight. */
export class SftpWriter extends Writable {
  private position: number;
  private inFlight = 0;
  private failure: Error | undefined;
  /** The stream's callback for the last chunk, held while `depth` writes are in flight. */
  private held: ((err?: Error | null) => void) | undefined;
  private finalCallback: ((err?: Error | null) => void) | undefined;
  /** Bytes the server confirmed written. */
  written = 0;

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly handle: Buffer,
    start = 0,
    private readonly options: StreamOptions = {},
  ) {
    super({ highWaterMark: (options.chunk ?? CHUNK_BYTES) * 2 });
    this.position = start;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.failure) {
      callback(this.failure);
      return;
    }
    const position = this.position;
    this.position += chunk.length;
    this.inFlight++;
    try {
      this.sftp.write(this.handle, chunk, 0, chunk.length, position, (err) => this.answered(err, chunk.length));
    } catch (err) {
      this.inFlight--;
      callback(err as Error);
      return;
    }
    if (this.inFlight < (this.options.depth ?? DEPTH)) callback();
    else this.held = callback;
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.failure || this.inFlight === 0) callback(this.failure);
    else this.finalCallback = callback;
  }

  private answered(err: Error | undefined | null, bytes: number): void {
    this.inFlight--;
    if (err) this.failure ??= err;
    else this.written += bytes;
    const held = this.held;
    this.held = undefined;
    held?.(this.failure);
    if (this.inFlight === 0 && this.finalCallback) {
      const done = this.finalCallback;
      this.finalCallback = undefined;
      done(this.failure);
    }
  }
}
