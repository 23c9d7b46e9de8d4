import { V7Generator } from "uuidv7";
import type { Clock } from "./clock";
import type { Random } from "./random";

/** Options for {@link createIdGenerator}. */
export interface IdGeneratorOptions {
  /** Where the timestamp comes from. */
  readonly clock: Clock;
  /** Where the random bits come from; a seeded source makes ids reproducible. Default: crypto. */
  readonly random?: Pick<Random, "nextUint32">;
}

/**
 * Creates a generator of UUIDv7 ids (RFC 9562): time-ordered, so ids sort by creation time, and
 * monotonic within one generator even when the clock stands still. With a seeded random source and
 * a fixed or manual clock the ids are reproducible.
 *
 * @example
 * ```ts
 * const nextId = createIdGenerator({ clock: fixedClock("2027-01-01T00:00:00+08:00"), random: seededRandom(1) });
 * nextId() < nextId(); // true
 * ```
 */
export function createIdGenerator(options: IdGeneratorOptions): () => string {
  const gen = options.random
    ? new V7Generator({ nextUint32: () => options.random?.nextUint32() ?? 0 })
    : new V7Generator();
  return () => gen.generateOrResetCore(options.clock.now(), 10_000).toString();
}

/**
 * Whether a string is a UUID in canonical lower-case form.
 *
 * @example
 * ```ts
 * isUuid("0190b6a8-7c00-7000-8000-000000000000"); // true
 * ```
 */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}
