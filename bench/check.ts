/** Output checks shared by the areas: every line compares what the two sides produced. */

/** FNV-1a (32-bit) over strings, in order: a cheap checksum of an output listing. */
export function checksum(parts: Iterable<string>): string {
  let h = 0x811c9dc5;
  for (const s of parts) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 10; // a separator, so that ["ab", "c"] and ["a", "bc"] differ
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Count and checksum of one side's output. */
export interface OutputDigest {
  readonly count: number;
  readonly checksum: string;
}

/** Digest of a listing: its length and the checksum of its lines. */
export function digest(lines: readonly string[]): OutputDigest {
  return { count: lines.length, checksum: checksum(lines) };
}

/**
 * Throws when two sides of a benchmark produced different outputs: a benchmark whose peer did
 * other work says nothing, so the run fails loudly instead of printing a ratio.
 */
export function assertSame(bench: string, sides: Readonly<Record<string, OutputDigest>>): void {
  const entries = Object.entries(sides);
  const [firstName, first] = entries[0] as [string, OutputDigest];
  for (const [name, d] of entries.slice(1))
    if (d.count !== first.count || d.checksum !== first.checksum)
      throw new Error(
        `${bench}: outputs differ: ${firstName} ${first.count} entries (checksum ${first.checksum}), ${name} ${d.count} entries (checksum ${d.checksum})`,
      );
}

/** Whether all digests agree (for the `same_output` field; {@link assertSame} then throws if not). */
export function allSame(sides: Readonly<Record<string, OutputDigest>>): boolean {
  const ds = Object.values(sides);
  return ds.every((d) => d.count === ds[0]?.count && d.checksum === ds[0]?.checksum);
}
