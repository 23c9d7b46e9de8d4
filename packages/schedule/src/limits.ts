import { ElderflowError, type FieldPath } from "@elderflow/core";

/**
 * The most occurrences (or roster entries, or calendar days) one expansion produces unless the call
 * says otherwise: enough for a daily rule over 270 years or a weekly one over 1,900, few enough that
 * a rule like `FREQ=MINUTELY` over ten years stops at once instead of expanding 5.26 million dates.
 *
 * @example
 * ```ts
 * DEFAULT_MAX_OCCURRENCES; // 100000
 * ```
 */
export const DEFAULT_MAX_OCCURRENCES = 100_000;

/** The largest limit a caller may ask for (a bound on the bound: memory stays in the tens of MB). */
export const MAX_OCCURRENCES_CEILING = 10_000_000;

/** Options every expanding call takes. */
export interface ExpansionOptions {
  /**
   * Stop with `TOO_MANY_OCCURRENCES` past this many occurrences, counted as they are produced
   * (default {@link DEFAULT_MAX_OCCURRENCES}; a whole number from 1 to 10,000,000).
   */
  readonly maxOccurrences?: number;
}

/** The limit of a call, checked: `NOT_A_NUMBER` for NaN, Infinity or a fraction, `OUT_OF_RANGE` outside 1..ceiling. */
export function occurrenceLimit(options: ExpansionOptions | undefined, path: FieldPath = []): number {
  const value = options?.maxOccurrences;
  if (value === undefined) return DEFAULT_MAX_OCCURRENCES;
  if (typeof value !== "number" || !Number.isInteger(value))
    throw new ElderflowError("NOT_A_NUMBER", { path: [...path, "maxOccurrences"] });
  if (value < 1 || value > MAX_OCCURRENCES_CEILING)
    throw new ElderflowError("OUT_OF_RANGE", {
      path: [...path, "maxOccurrences"],
      params: { detail: `maxOccurrences 1..${MAX_OCCURRENCES_CEILING}` },
    });
  return value;
}

/** The error of an expansion that reached its limit. */
export function tooManyOccurrences(maximum: number, path: FieldPath = []): ElderflowError {
  return new ElderflowError("TOO_MANY_OCCURRENCES", { path, params: { maximum } });
}
