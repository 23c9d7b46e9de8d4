import { DEFAULT_ZONE, type ServicePoint } from "@elderflow/core";
import type { ServicePointLookup, ServicePointQuery } from "./serviceRequest";
import { localTimeAt } from "./workingTime";

const R = 6_371_000;

/**
 * Great-circle distance in metres between two points (haversine).
 *
 * @example
 * ```ts
 * distanceMetres({ lat: 31.2, lng: 121.4 }, { lat: 31.21, lng: 121.4 }); // ≈ 1112
 * ```
 */
export function distanceMetres(
  a: { readonly lat: number; readonly lng: number },
  b: { readonly lat: number; readonly lng: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Hours of a point that is not open around the clock and states none. */
const DAY_HOURS = { from: "08:00", to: "20:00" } as const;

/**
 * Whether a service point takes calls at an instant: `open24h` points always; others within their
 * `hours` (default 08:00 to 20:00) in the zone's local time, `to` excluded.
 *
 * @example
 * ```ts
 * isOpenAt({ ...point, open24h: false, hours: { from: "08:00", to: "20:00" } }, Date.parse("2026-10-01T03:00:00+08:00")); // false
 * ```
 */
export function isOpenAt(
  point: Pick<ServicePoint, "open24h" | "hours">,
  at: number,
  zone: string = DEFAULT_ZONE,
): boolean {
  if (point.open24h) return true;
  const { from, to } = point.hours ?? DAY_HOURS;
  const t = localTimeAt(at, zone);
  return from <= to ? t >= from && t < to : t >= from || t < to;
}

/**
 * A {@link ServicePointLookup} over a list of service points: those offering the kind and open at
 * the query's time (in Asia/Shanghai unless a zone is given), nearest first when the location is
 * known; without a location, the request's own community first; ties broken by id so that
 * dispatch is reproducible.
 *
 * @example
 * ```ts
 * const lookup = servicePointDirectory(generateDistrict({ seed: 1 }).servicePoints);
 * ```
 */
export function servicePointDirectory(
  points: readonly ServicePoint[],
  options: { readonly zone?: string } = {},
): ServicePointLookup {
  const zone = options.zone ?? DEFAULT_ZONE;
  return {
    nearest(q: ServicePointQuery): string[] {
      const at = q.at;
      const suitable = points.filter(
        (p) => p.serviceKinds.includes(q.serviceKind) && (at === undefined || isOpenAt(p, at, zone)),
      );
      const scored = suitable.map((p) => ({
        id: p.id,
        score: q.location === null ? (p.communityId === q.communityId ? 0 : 1) : distanceMetres(q.location, p.location),
      }));
      scored.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return scored.slice(0, q.limit).map((s) => s.id);
    },
  };
}
