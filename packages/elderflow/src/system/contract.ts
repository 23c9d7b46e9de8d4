/**
 * The seams the wiring crosses, in one place: how an outbox item becomes a typed event, how the
 * wiring acts in the time bank as an actor, and how it lists the bank's service entries. Internal:
 * nothing here is exported from the package.
 */
import { ElderflowError, IdSchema } from "@elderflow/core";
import type { ActingTimeBank, EntryView } from "@elderflow/timebank";
import type { HospitalVisitDue, OutboxItem, ServiceVerified } from "@elderflow/workflow";

/** A missed week of contact in a pairing. */
interface MissedContact {
  readonly type: "pairing.missed_contact";
  readonly volunteerId: string;
  readonly personId: string;
  readonly missedWeeks: number;
  readonly communityId?: string;
}

/** Every emitted event the wiring reads, by type. */
export type EmittedEvent =
  | ServiceVerified
  | HospitalVisitDue
  | MissedContact
  | { readonly type: "verification.service_rejected"; readonly entryId: string; readonly volunteerId: string }
  | { readonly type: "carePathway.discharged"; readonly personId: string }
  | { readonly type: "escalation.handed_up" }
  | { readonly type: "escalation.overdue" }
  | { readonly type: "escalation.resolved" }
  | { readonly type: "serviceRequest.closed" }
  | { readonly type: "serviceRequest.escalated" }
  | { readonly type: "serviceRequest.sla_breached" };

/** The emitted event of one type. */
export type EmittedEventOf<T extends EmittedEvent["type"]> = Extract<EmittedEvent, { type: T }>;

const bad = (path: string) =>
  new ElderflowError("INVALID_INPUT", { path: ["payload", path], params: { detail: "emitted event" } });

function id(p: Readonly<Record<string, unknown>>, key: string): string {
  const r = IdSchema.safeParse(p[key]);
  if (!r.success) throw bad(key);
  return r.data;
}

function int(p: Readonly<Record<string, unknown>>, key: string): number {
  const v = p[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(key);
  return v;
}

/** Parses an outbox item into the typed event; a malformed item throws a typed error (dead-lettered). */
export function parseEmitted(item: OutboxItem): EmittedEvent {
  const p = item.payload;
  switch (item.type) {
    case "verification.service_verified":
      return {
        type: item.type,
        entryId: id(p, "entryId"),
        volunteerId: id(p, "volunteerId"),
        recipientId: id(p, "recipientId"),
        serviceKind: id(p, "serviceKind"),
        minutes: int(p, "minutes"),
        servedOn: typeof p.servedOn === "string" ? p.servedOn : "",
        signedBy: id(p, "signedBy"),
        registeredBy: id(p, "registeredBy"),
        verifiedBy: id(p, "verifiedBy"),
        communityId: id(p, "communityId"),
      };
    case "carePathway.hospital_visit_due":
      return {
        type: item.type,
        personId: id(p, "personId"),
        rank: id(p, "rank"),
        communityId: id(p, "communityId"),
        hospitalId: p.hospitalId === null ? null : id(p, "hospitalId"),
        admission: int(p, "admission"),
      };
    case "pairing.missed_contact":
      return {
        type: item.type,
        volunteerId: id(p, "volunteerId"),
        personId: id(p, "personId"),
        missedWeeks: int(p, "missedWeeks"),
        ...(p.communityId === undefined ? {} : { communityId: id(p, "communityId") }),
      };
    case "verification.service_rejected":
      return { type: item.type, entryId: id(p, "entryId"), volunteerId: id(p, "volunteerId") };
    case "carePathway.discharged":
      return { type: item.type, personId: id(p, "personId") };
    case "escalation.handed_up":
    case "escalation.overdue":
    case "escalation.resolved":
    case "serviceRequest.closed":
    case "serviceRequest.escalated":
    case "serviceRequest.sla_breached":
      return { type: item.type };
    default:
      throw new ElderflowError("UNKNOWN_EVENT", { path: ["type"], params: { event: "emitted" } });
  }
}

/** Every posted service entry of the wiring's namespace (`prefix`) the actor reaches. */
export function postedServiceEntries(bank: ActingTimeBank, prefix: string): EntryView[] {
  return bank.entries({ keyPrefix: prefix, status: "posted" }).filter((e) => e.kind === "record");
}
