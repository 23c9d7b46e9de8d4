import { ElderflowError, IdSchema, redactPersonalData } from "@elderflow/core";
import type { WorkflowInstance } from "./engine";
import type { ServiceRequestContext, ServiceRequestInput } from "./machines/serviceRequest";

/** A service request in the Open311 GeoReport v2 response form (`GET /requests.json`). */
export interface Open311ServiceRequest {
  /** The request's id. */
  readonly service_request_id: string;
  /** `open` or `closed`. */
  readonly status: "open" | "closed";
  /** Why the status is what it is (here: the workflow state). */
  readonly status_notes: string | null;
  /** The service code (Elderflow service kind). */
  readonly service_code: string | null;
  /** What the caller asked for, with ID numbers and phones masked by their shape. */
  readonly description: string | null;
  /** The service point (agency) responsible now. */
  readonly agency_responsible: string | null;
  /** When it was received (ISO 8601 with offset). */
  readonly requested_datetime: string;
  /** When it last changed. */
  readonly updated_datetime: string;
  /** When service is expected (from the SLA limits), while open. */
  readonly expected_datetime: string | null;
  /** Latitude, if known. */
  readonly lat: number | null;
  /** Longitude, if known. */
  readonly long: number | null;
}

/** An incoming Open311 GeoReport v2 request (`POST /requests.json` arguments). */
export interface Open311PostRequest {
  /** Service code. */
  readonly service_code: string;
  /** The caller's account; Elderflow needs it to be the person's id. */
  readonly account_id?: string;
  /** Latitude. */
  readonly lat?: number | string;
  /** Longitude. */
  readonly long?: number | string;
  /** Personal and free-text fields are accepted but never enter the workflow. */
  readonly [field: string]: unknown;
}

const CLOSED_STATES = new Set(["closed", "archived", "cancelled", "done", "confirmed"]);

/**
 * An ISO 8601 instant with the zone's offset, e.g. `2027-03-01T09:00:00+08:00` (Open311 wants
 * local times with offsets).
 *
 * @example
 * ```ts
 * formatInstant(Date.UTC(2027, 2, 1, 1), "Asia/Shanghai"); // "2027-03-01T09:00:00+08:00"
 * ```
 */
export function formatInstant(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "longOffset",
  }).formatToParts(ms);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const off = get("timeZoneName").replace("GMT", "");
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}${off === "" ? "+00:00" : off}`;
}

/**
 * Maps a service-request instance to Open311 GeoReport v2: `status` is `closed` once the work is
 * done (done, confirmed, closed, archived or cancelled), `agency_responsible` is the service point
 * dispatched, `expected_datetime` the end of the SLA while open. Every string leaves with ID
 * numbers and mobile phones masked by their shape, whatever field they were typed into.
 *
 * @example
 * ```ts
 * const geo = toOpen311(await engine.query("req-1", staff), "Asia/Shanghai");
 * ```
 */
export function toOpen311(instance: WorkflowInstance, zone = "Asia/Shanghai"): Open311ServiceRequest {
  if (instance.machine !== "serviceRequest")
    throw new ElderflowError("UNKNOWN_MACHINE", { params: { machine: instance.machine.slice(0, 64) } });
  const c = instance.context as unknown as ServiceRequestContext;
  const closed = CLOSED_STATES.has(instance.state);
  const received = c.receivedAt > 0 ? c.receivedAt : instance.createdAt;
  const expected =
    closed || c.serviceKind === null ? null : received + c.sla.acceptMs + c.sla.arriveMs + c.sla.finishMs;
  const out = (v: string | null | undefined) => (typeof v === "string" ? redactPersonalData(v) : null);
  return {
    service_request_id: out(c.externalId) ?? out(instance.id) ?? "",
    status: closed ? "closed" : "open",
    status_notes: out(instance.state),
    service_code: out(c.serviceKind),
    description: out(c.description),
    agency_responsible: out(c.assigneeId),
    requested_datetime: formatInstant(received, zone),
    updated_datetime: formatInstant(instance.updatedAt, zone),
    expected_datetime: expected === null ? null : formatInstant(expected, zone),
    lat: c.location?.lat ?? null,
    long: c.location?.lng ?? null,
  };
}

function coord(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ElderflowError("INVALID_TYPE", { path: [field], params: { expected: "coordinate" } });
  return n;
}

/**
 * Maps an incoming Open311 request to a service-request start input. The person is identified by
 * `account_id`; names, phones, e-mail, address and description are deliberately dropped (the
 * embedding system keeps them under the person's id), so that the workflow log holds no
 * personal data.
 *
 * @example
 * ```ts
 * const input = fromOpen311({ service_code: "plumbing", account_id: "p-0001", lat: "31.2", long: "121.4" }, "c01");
 * await engine.start("serviceRequest", { id: "req-9", input, actor: staff });
 * ```
 */
export function fromOpen311(
  request: Open311PostRequest,
  communityId: string,
  externalId?: string,
): ServiceRequestInput {
  if (typeof request.service_code !== "string" || !/^[a-z][a-z0-9_]{0,47}$/.test(request.service_code))
    throw new ElderflowError("INVALID_FORMAT", { path: ["service_code"], params: { format: "service kind" } });
  if (typeof request.account_id !== "string" || !IdSchema.safeParse(request.account_id).success)
    throw new ElderflowError("REQUIRED", { path: ["account_id"] });
  const lat = coord(request.lat, "lat", -90, 90);
  const lng = coord(request.long, "long", -180, 180);
  return {
    communityId,
    personId: request.account_id,
    channel: "open311",
    serviceKind: request.service_code,
    ...(externalId === undefined ? {} : { externalId }),
    ...(lat === undefined || lng === undefined ? {} : { lat, lng }),
  };
}
