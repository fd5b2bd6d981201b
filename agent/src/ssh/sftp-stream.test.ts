import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import type { SFTPWrapper } from "ssh2";
import { describe, expect, it } from "vitest";
import { SftpReader, SftpWriter } from "./sftp-stream.js";

type ReadCb = (err: Error | undefined, bytesRead: number) => void;
type WriteCb = (err: Error | undefined) => void;

/** An SFTP stand-in over one in-memory file: answers out of order, reads short now and then. */
function fakeSftp(source: Buffer, options: { shortEvery?: number; failWriteAt?: number } = {}) {
  const sink = new Map<number, Buffer>();
  let reads = 0;
  let inFlightReads = 0;
  let maxInFlightReads = 0;
  let inFlightWrites = 0;
  let maxInFlightWrites = 0;
  const later = (fn: () => void) => setTimeout(fn, Math.random() * 3);
  const sftp = {
    read(_h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: ReadCb) {
      reads++;
      inFlightReads++;
      maxInFlightReads = Math.max(maxInFlightReads, inFlightReads);
      const short = options.shortEvery && reads % options.shortEvery === 0 ? Math.ceil(len / 3) : len;
      later(() => {
        inFlightReads--;
        const n = Math.max(0, Math.min(short, source.length - pos));
        if (n > 0) source.copy(buf, off, pos, pos + n);
        cb(undefined, n);
      });
    },
    write(_h: Buffer, buf: Buffer, off: number, len: number, pos: number, cb: WriteCb) {
      inFlightWrites++;
      maxInFlightWrites = Math.max(maxInFlightWrites, inFlightWrites);
      const copy = Buffer.from(buf.subarray(off, off + len));
      later(() => {
        inFlightWrites--;
        if (options.failWriteAt !== undefined && pos >= options.failWriteAt) {
          return cb(Object.assign(new Error("Failure"), { code: 4 }));
        }
        sink.set(pos, copy);
        cb(undefined);
      });
    },
  } as unknown as SFTPWrapper;
  const written = () => Buffer.concat([...sink.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
  return { sftp, written, stats: () => ({ maxInFlightReads, maxInFlightWrites }) };
}

const handle = Buffer.from("h");

describe("SFTP streams", () => {
  it("copies a file in order with several requests in flight each way", async () => {
    const data = randomBytes(300_000);
    const fake = fakeSftp(data);
    const writer = new SftpWriter(fake.sftp, handle, 0, { chunk: 8192, depth: 4 });
    await pipeline(new SftpReader(fake.sftp, handle, 0, data.length, { chunk: 8192, depth: 4 }), writer);
    expect(fake.written().equals(data)).toBe(true);
    expect(writer.written).toBe(data.length);
    expect(fake.stats().maxInFlightReads).toBeGreaterThan(1);
    expect(fake.stats().maxInFlightReads).toBeLessThanOrEqual(4);
    expect(fake.stats().maxInFlightWrites).toBeGreaterThan(1);
  });

  it("survives short reads and a file shorter than announced", async () => {
    const data = randomBytes(100_000);
    const fake = fakeSftp(data, { shortEvery: 3 });
    const writer = new SftpWriter(fake.sftp, handle, 0, { chunk: 4096, depth: 3 });
    await pipeline(new SftpReader(fake.sftp, handle, 0, Number.POSITIVE_INFINITY, { chunk: 4096, depth: 3 }), writer);
    expect(fake.written().equals(data)).toBe(true);
    const shorter = fakeSftp(data.subarray(0, 5000));
    const w2 = new SftpWriter(shorter.sftp, handle);
    await pipeline(new SftpReader(shorter.sftp, handle, 0, data.length), w2);
    expect(w2.written).toBe(5000);
  });

  it("copies an empty file", async () => {
    const fake = fakeSftp(Buffer.alloc(0));
    const writer = new SftpWriter(fake.sftp, handle);
    await pipeline(new SftpReader(fake.sftp, handle, 0, 0), writer);
    expect(writer.written).toBe(0);
  });

  it("fails the pipeline when a write fails", async () => {
    const data = randomBytes(200_000);
    const fake = fakeSftp(data, { failWriteAt: 100_000 });
    const writer = new SftpWriter(fake.sftp, handle, 0, { chunk: 8192, depth: 4 });
    await expect(pipeline(new SftpReader(fake.sftp, handle, 0, data.length, { chunk: 8192 }), writer)).rejects.toThrow(
      "Failure",
    );
  });

  it("stops on abort", async () => {
    const data = randomBytes(2_000_000);
    const fake = fakeSftp(data);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled")), 5);
    await expect(
      pipeline(new SftpReader(fake.sftp, handle, 0, data.length, { chunk: 1024 }), new SftpWriter(fake.sftp, handle), {
        signal: controller.signal,
      }),
    ).rejects.toThrow();
  });
});
