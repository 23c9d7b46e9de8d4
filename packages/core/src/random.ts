/**
 * A seeded pseudo-random source (sfc32), so that synthetic data, simulations and property tests
 * are the same for the same seed on every machine. Not for secrets.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  nextUint32(): number;
  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An index drawn according to weights (non-negative, not all zero). */
  weighted(weights: readonly number[]): number;
  /** A new independent source derived from this one and a label. */
  fork(label: string): Random;
}

function hashString(s: string): number {
  let h = 2166136261 >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h >>> 0;
}

/**
 * Creates a seeded random source. Seeds may be numbers or strings.
 *
 * @example
 * ```ts
 * const rng = seededRandom(42);
 * rng.int(1, 6);
 * ```
 */
export function seededRandom(seed: number | string): Random {
  const s = typeof seed === "number" ? seed >>> 0 : hashString(seed);
  let a = 0x9e3779b9 ^ s;
  let b = 0x243f6a88 ^ Math.imul(s, 0x85ebca6b);
  let c = 0xb7e15162 ^ Math.imul(s, 0xc2b2ae35);
  let d = 1;
  const u32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  const rng: Random = {
    next: () => u32() / 4294967296,
    nextUint32: u32,
    int: (min, max) => min + Math.floor((u32() / 4294967296) * (max - min + 1)),
    chance: (p) => u32() / 4294967296 < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor((u32() / 4294967296) * items.length)] as T,
    weighted(weights) {
      let total = 0;
      for (const w of weights) total += w;
      let x = (u32() / 4294967296) * total;
      for (let i = 0; i < weights.length; i++) {
        x -= weights[i] as number;
        if (x < 0) return i;
      }
      return weights.length - 1;
    },
    fork: (label) => seededRandom((u32() ^ hashString(label)) >>> 0),
  };
  return rng;
}
