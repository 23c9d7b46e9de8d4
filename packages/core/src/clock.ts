import { DateTime } from "luxon";
import { assertTimeZone, DEFAULT_ZONE, type IsoDate, isoDateAt } from "./dates";
import { ElderflowError } from "./errors";

/**
 * The only source of "now" in Elderflow. Library code never calls `new Date()`; it asks a clock, so
 * that tests, simulations and replays are exact.
 */
export interface Clock {
  /** The current instant, in milliseconds since the Unix epoch. */
  now(): number;
  /** The IANA time zone in which calendar dates are read (default Asia/Shanghai). */
  readonly zone: string;
}

/** A clock that tests and simulations move by hand. */
export interface ManualClock extends Clock {
  /** Moves the clock forward (or back, with a negative value) by some milliseconds. */
  advance(ms: number): void;
  /** Sets the clock to an instant (epoch ms or an ISO 8601 string with an offset). */
  set(instant: number | string): void;
}

function toEpochMs(instant: number | string): number {
  if (typeof instant === "number") {
    if (!Number.isFinite(instant)) throw new ElderflowError("INVALID_INSTANT", { path: ["instant"] });
    return instant;
  }
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/.test(instant)) throw new ElderflowError("INVALID_INSTANT", { path: ["instant"] });
  const dt = DateTime.fromISO(instant, { setZone: true });
  if (!dt.isValid) throw new ElderflowError("INVALID_INSTANT", { path: ["instant"] });
  return dt.toMillis();
}

/**
 * The real clock, reading the system time.
 *
 * @example
 * ```ts
 * const clock = systemClock();
 * today(clock); // "2026-11-26" in Asia/Shanghai
 * ```
 */
export function systemClock(zone: string = DEFAULT_ZONE): Clock {
  assertTimeZone(zone, ["zone"]);
  return { now: () => Date.now(), zone };
}

/**
 * A clock stopped at one instant.
 *
 * @example
 * ```ts
 * const clock = fixedClock("2027-01-01T09:00:00+08:00");
 * ```
 */
export function fixedClock(instant: number | string, zone: string = DEFAULT_ZONE): Clock {
  assertTimeZone(zone, ["zone"]);
  const ms = toEpochMs(instant);
  return { now: () => ms, zone };
}

/**
 * A clock that only moves when told to.
 *
 * @example
 * ```ts
 * const clock = manualClock("2027-01-01T00:00:00+08:00");
 * clock.advance(24 * 3600_000);
 * today(clock); // "2027-01-02"
 * ```
 */
export function manualClock(start: number | string, zone: string = DEFAULT_ZONE): ManualClock {
  assertTimeZone(zone, ["zone"]);
  let ms = toEpochMs(start);
  return {
    now: () => ms,
    zone,
    advance(delta: number) {
      ms += delta;
    },
    set(instant: number | string) {
      ms = toEpochMs(instant);
    },
  };
}

/**
 * Today's calendar date in the clock's time zone.
 *
 * @example
 * ```ts
 * today(fixedClock("2026-12-31T17:00:00Z")); // "2027-01-01"
 * ```
 */
export function today(clock: Clock): IsoDate {
  return isoDateAt(clock.now(), clock.zone);
}

/**
 * Parses an ISO 8601 instant that carries an offset (`Z` or `+08:00`) into epoch ms; throws
 * `INVALID_INSTANT` for anything else, since an instant without an offset is ambiguous.
 *
 * @example
 * ```ts
 * parseInstant("2027-03-01T10:00:00+08:00"); // 1803866400000
 * ```
 */
export function parseInstant(value: string, path: readonly (string | number)[] = []): number {
  try {
    return toEpochMs(value);
  } catch {
    throw new ElderflowError("INVALID_INSTANT", { path });
  }
}
