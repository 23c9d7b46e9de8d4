import { ElderflowError, fromZodError, type Result } from "@elderflow/core";
import { z } from "zod";
import { Discharged, HospitalVisitDue } from "./machines/carePathway";
import { EscalationHandedUp, EscalationOverdue, EscalationResolved } from "./machines/escalation";
import { GroupMemberSuspended, GroupMissedContact } from "./machines/medicalGroup";
import { CertificateLapsedAlert, MissedContact } from "./machines/pairing";
import { RequestClosed, RequestEscalated, SlaBreached } from "./machines/serviceRequest";
import { ServiceRejected, ServiceVerified } from "./machines/verification";
import type { OutboxItem } from "./types";

/**
 * Every domain event the five built-in machines emit, as one union discriminated on `type`: a
 * consumer routes with a typed table of handlers instead of reading fields by name.
 *
 * @example
 * ```ts
 * const e = EmittedEvent.parse({ type: "pairing.missed_contact", volunteerId: "v1", personId: "p1", missedWeeks: 1 });
 * ```
 */
export const EmittedEvent = z.discriminatedUnion("type", [
  HospitalVisitDue,
  Discharged,
  ServiceVerified,
  ServiceRejected,
  MissedContact,
  GroupMissedContact,
  GroupMemberSuspended,
  CertificateLapsedAlert,
  SlaBreached,
  RequestEscalated,
  RequestClosed,
  EscalationHandedUp,
  EscalationOverdue,
  EscalationResolved,
]);
/** A domain event emitted by a built-in machine. */
export type EmittedEvent = z.infer<typeof EmittedEvent>;

/**
 * The emitted event of one type.
 *
 * @example
 * ```ts
 * const handle = (e: EmittedEventOf<"verification.service_verified">) => e.minutes;
 * ```
 */
export type EmittedEventOf<T extends EmittedEvent["type"]> = Extract<EmittedEvent, { type: T }>;

/**
 * The type names of {@link EmittedEvent}.
 *
 * @example
 * ```ts
 * EMITTED_EVENT_TYPES.includes("pairing.missed_contact"); // true
 * ```
 */
export const EMITTED_EVENT_TYPES: readonly EmittedEvent["type"][] = EmittedEvent.options.map((o) => o.shape.type.value);

/**
 * Parses an outbox item into its typed {@link EmittedEvent}. An unknown type is `UNKNOWN_EVENT`;
 * a payload that does not fit its schema carries the codes and paths (under `payload`) of what is
 * wrong, never the values.
 *
 * @example
 * ```ts
 * const r = parseEmitted(item);
 * if (r.ok && r.value.type === "verification.service_verified") credit(r.value.volunteerId, r.value.minutes);
 * ```
 */
export function parseEmitted(item: OutboxItem): Result<EmittedEvent> {
  if (!(EMITTED_EVENT_TYPES as readonly string[]).includes(item.type))
    return {
      ok: false,
      error: new ElderflowError("UNKNOWN_EVENT", { path: ["type"], params: { event: String(item.type).slice(0, 64) } }),
    };
  const payload = typeof item.payload === "object" && item.payload !== null ? item.payload : {};
  const r = EmittedEvent.safeParse({ ...payload, type: item.type });
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: fromZodError(r.error, ["payload"]) };
}
