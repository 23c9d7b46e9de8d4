import type { ServicePoint } from "@elderflow/core";
import type { ServicePointLookup, ServicePointQuery } from "./serviceRequest";

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

/**
 * A {@link ServicePointLookup} over a list of service points: those offering the kind, nearest
 * first when the location is known; without a location, the request's own community first;
 * ties broken by id so that dispatch is reproducible.
 *
 * @example
 * ```ts
 * const lookup = servicePointDirectory(generateDistrict({ seed: 1 }).servicePoints);
 * ```
 */
export function servicePointDirectory(points: readonly ServicePoint[]): ServicePointLookup {
  return {
    nearest(q: ServicePointQuery): string[] {
      const suitable = points.filter((p) => p.serviceKinds.includes(q.serviceKind));
      const scored = suitable.map((p) => ({
        id: p.id,
        score: q.location === null ? (p.communityId === q.communityId ? 0 : 1) : distanceMetres(q.location, p.location),
      }));
      scored.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return scored.slice(0, q.limit).map((s) => s.id);
    },
  };
}
