import { describe, expect, it } from "vitest";
import { HASHING_DIMENSION, hashingEmbedder, hashingVector } from "./hashing-embedder.js";
import { hashingTerms } from "./hashing-terms.js";

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const norm = (v: number[]) => Math.sqrt(cosine(v, v));

const oomRecord =
  "dmesg -T | tail\n[Mon Dec 1 03:12:44 2026] Out of memory: Killed process 4242 (java) total-vm:8123456kB";
const dfRecord = "df -h\nFilesystem Size Used Avail Use% Mounted on\n/dev/sda1 40G 40G 0 100% /\n";
const dfFine = "df -h\nFilesystem Size Used Avail Use% Mounted on\n/dev/sda1 40G 12G 28G 30% /\n";

describe("hashingEmbedder", () => {
  it("is deterministic, 1024-d and L2-normalised", async () => {
    const [a, b] = await hashingEmbedder.embed([oomRecord, oomRecord]);
    expect(a).toHaveLength(HASHING_DIMENSION);
    expect(a).toEqual(b);
    expect(norm(a as number[])).toBeCloseTo(1, 12);
    expect(hashingVector("")).toEqual(new Array(HASHING_DIMENSION).fill(0));
  });

  it("brings a question near the operation it is about", async () => {
    const [question, oom, df] = await hashingEmbedder.embed(["which box ran out of memory", oomRecord, dfRecord]);
    expect(cosine(question as number[], oom as number[])).toBeGreaterThan(cosine(question as number[], df as number[]));
    expect(cosine(question as number[], oom as number[])).toBeGreaterThan(hashingEmbedder.minScore ?? 0);
  });

  it("brings a French question near a full disk", async () => {
    const [question, full, fine] = await hashingEmbedder.embed(["disque plein", dfRecord, dfFine]);
    expect(cosine(question as number[], full as number[])).toBeGreaterThan(
      cosine(question as number[], fine as number[]),
    );
    expect(cosine(question as number[], full as number[])).toBeGreaterThan(hashingEmbedder.minScore ?? 0);
  });

  it("meets a word's forms on its first letters, without accents or stop words", () => {
    const restarted = hashingTerms("nginx restarted");
    const restart = hashingTerms("restart nginx");
    expect(restarted.has("p:resta") && restart.has("w:restart")).toBe(true);
    expect(cosine(hashingVector("restarted"), hashingVector("restart"))).toBeGreaterThan(0.3);
    expect([...hashingTerms("la mémoire")].map(([t]) => t)).toContain("w:memoire");
    expect([...hashingTerms("the")]).toEqual([]);
  });
});
