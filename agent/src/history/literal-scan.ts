/**
 * @module One scan of a text for the literals of many regexes (required-literals.ts): each
 * regex then runs only if the text holds one literal of each of its lists. Scanning costs
 * a table read or two per character of the lower-cased text, and a comparison only where a
 * literal's first three characters are; the regexes it replaces each cost a walk of the
 * whole text.
 */
import { requiredLiterals } from "./required-literals.js";

/** Found flags, one per literal of a LiteralSet, for one text. */
export type Seen = Uint8Array;

/** Literal ids: one of each list must be in the text. */
export type Needs = readonly (readonly number[])[];

/** Whether a regex needing `needs` (from LiteralSet.need) may match a text with `seen`. */
export function mayMatch(needs: Needs, seen: Seen): boolean {
  for (const anyOf of needs) {
    let found = false;
    for (const id of anyOf) {
      if (seen[id] === 1) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** Buckets of the literals of 3 characters or more, by a hash of their first three. */
const TRIPLE_BUCKETS = 1 << 14;

function tripleHash(a: number, b: number, c: number): number {
  return ((a << 9) ^ (b << 5) ^ c) & (TRIPLE_BUCKETS - 1);
}

/** The literals laid out for scanning. */
interface ScanIndex {
  /** Literals of one character: found with `includes`. */
  singles: number[];
  /** By its two characters (`a << 7 | b`), the id of the literal of two, or -1. */
  pairs: Int32Array;
  /** By tripleHash, the range of `ids` holding the longer literals that start so. */
  starts: Int32Array;
  ids: Int32Array;
  /** By id, a literal's fourth character, or -1: most candidates differ there, before any call. */
  fourth: Int32Array;
}

export class LiteralSet {
  private readonly ids = new Map<string, number>();
  /** Every literal, by id. */
  readonly literals: string[] = [];
  private scanIndex: ScanIndex | undefined;

  /** The literal lists `re` needs, as ids; none when it must always run. */
  need(re: RegExp): Needs {
    this.scanIndex = undefined;
    return requiredLiterals(re).map((anyOf) =>
      anyOf.map((s) => {
        let id = this.ids.get(s);
        if (id === undefined) {
          id = this.literals.length;
          this.ids.set(s, id);
          this.literals.push(s);
        }
        return id;
      }),
    );
  }

  private index(): ScanIndex {
    const singles: number[] = [];
    const pairs = new Int32Array(128 * 128).fill(-1);
    const longer: number[][] = Array.from({ length: TRIPLE_BUCKETS }, () => []);
    this.literals.forEach((s, id) => {
      const [a, b, c] = [s.charCodeAt(0), s.charCodeAt(1), s.charCodeAt(2)];
      if (s.length === 1) singles.push(id);
      else if (s.length === 2) pairs[(a << 7) | b] = id;
      else longer[tripleHash(a, b, c)]?.push(id);
    });
    const starts = new Int32Array(TRIPLE_BUCKETS + 1);
    longer.forEach((bucket, h) => {
      starts[h + 1] = (starts[h] as number) + bucket.length;
    });
    const fourth = Int32Array.from(this.literals, (s) => (s.length > 3 ? s.charCodeAt(3) : -1));
    const scanIndex = { singles, pairs, starts, ids: Int32Array.from(longer.flat()), fourth };
    this.scanIndex = scanIndex;
    return scanIndex;
  }

  /** Which literals `lowered` (a lower-cased text) holds. */
  scan(lowered: string): Seen {
    const { singles, pairs, starts, ids, fourth } = this.scanIndex ?? this.index();
    const seen = new Uint8Array(this.literals.length);
    for (const id of singles) if (lowered.includes(this.literals[id] as string)) seen[id] = 1;
    const n = lowered.length;
    // a, b, c: the characters at i, i + 1, i + 2; past the end, 128 (no literal's).
    let a = n > 0 ? lowered.charCodeAt(0) : 128;
    let b = n > 1 ? lowered.charCodeAt(1) : 128;
    for (let i = 0; i + 1 < n; i++) {
      const c = i + 2 < n ? lowered.charCodeAt(i + 2) : 128;
      if ((a | b) < 128) {
        const pair = pairs[(a << 7) | b] as number;
        if (pair >= 0) seen[pair] = 1;
        if (c < 128) {
          const h = tripleHash(a, b, c);
          for (let k = starts[h] as number, end = starts[h + 1] as number; k < end; k++) {
            const id = ids[k] as number;
            if (seen[id] === 1) continue;
            const d = fourth[id] as number;
            if ((d < 0 || lowered.charCodeAt(i + 3) === d) && lowered.startsWith(this.literals[id] as string, i)) {
              seen[id] = 1;
            }
          }
        }
      }
      a = b;
      b = c;
    }
    return seen;
  }
}
