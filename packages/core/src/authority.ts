/**
 * Who may act: the authenticated actor an embedding system hands to every engine, how far it
 * reaches, whom it may act as, and the one rule on conflicts of interest in a movement of hours,
 * which the verification workflow and the time bank both call.
 */
import { z } from "zod";
import { ElderflowError, type FieldPath } from "./errors";
import type { ErrorCode } from "./messages";
import { certifiedLevel } from "./priority";
import type { Certification } from "./schemas";
import { IdSchema } from "./text";

/**
 * Every role an embedding system may grant. `admin` grants roles in its communities; `bureau`,
 * `department` and `system` are the district's own bodies and reach every community; `system` is
 * the host's own batch work (replays, imports), which may act as any named person.
 *
 * @example
 * ```ts
 * ACTOR_ROLES.includes("verifier"); // true
 * ```
 */
export const ACTOR_ROLES = [
  "cadre",
  "family",
  "hotline_staff",
  "community_staff",
  "service_point",
  "volunteer",
  "team_leader",
  "party_secretary",
  "association",
  "doctor",
  "registrar",
  "verifier",
  "admin",
  "department",
  "bureau",
  "system",
] as const;

/** A role from {@link ACTOR_ROLES}. */
export type ActorRole = (typeof ACTOR_ROLES)[number];

/**
 * Roles whose reach is the whole district (老干部局, the departments, the host system).
 *
 * @example
 * ```ts
 * DISTRICT_ROLES.includes("bureau"); // true
 * ```
 */
export const DISTRICT_ROLES: readonly ActorRole[] = ["bureau", "department", "system"];

/**
 * The authenticated actor, as the embedding system vouches for it: an id (never a name), its
 * roles, the communities it belongs to, and whom it may act for by explicit delegation.
 *
 * @example
 * ```ts
 * const actor = Actor.parse({ id: "staff-07", roles: ["registrar"], communities: ["c-001"] });
 * ```
 */
export const Actor = z.strictObject({
  /** The person's or body's id. */
  id: IdSchema,
  /** Roles granted by the host. */
  roles: z.array(z.enum(ACTOR_ROLES)).min(1).max(16),
  /** Communities it belongs to (its reach, unless a district role). */
  communities: z.array(IdSchema).max(1000).default([]),
  /** Persons it may act for by explicit delegation (their ids). */
  onBehalfOf: z.array(IdSchema).max(100).optional(),
});
/** The authenticated actor. */
export type Actor = z.infer<typeof Actor>;
/** An actor as a caller writes it (`communities` may be left out). */
export type ActorInput = z.input<typeof Actor>;

/**
 * Whether an actor holds a district role.
 *
 * @example
 * ```ts
 * isDistrictActor({ id: "b1", roles: ["bureau"], communities: [] }); // true
 * ```
 */
export function isDistrictActor(actor: Actor): boolean {
  return actor.roles.some((r) => DISTRICT_ROLES.includes(r));
}

/**
 * Whether an actor reaches a community: a district role, or membership.
 *
 * @example
 * ```ts
 * actorReaches({ id: "s1", roles: ["community_staff"], communities: ["c-001"] }, "c-002"); // false
 * ```
 */
export function actorReaches(actor: Actor, communityId: string): boolean {
  return isDistrictActor(actor) || actor.communities.includes(communityId);
}

/**
 * Throws `WRONG_COMMUNITY` unless the actor reaches the community.
 *
 * @example
 * ```ts
 * assertReaches(actor, "c-001");
 * ```
 */
export function assertReaches(actor: Actor, communityId: string, path: FieldPath = ["actor"]): void {
  if (!actorReaches(actor, communityId)) throw new ElderflowError("WRONG_COMMUNITY", { path });
}

/**
 * Whether an actor holds a role (and, when a community is named, reaches it).
 *
 * @example
 * ```ts
 * actorHasRole(actor, "admin", "c-001");
 * ```
 */
export function actorHasRole(actor: Actor, role: ActorRole, communityId?: string): boolean {
  return actor.roles.includes(role) && (communityId === undefined || actorReaches(actor, communityId));
}

/**
 * Whether an actor may put a person's name to an act (`by`, `registeredBy`): it is that person,
 * holds an explicit delegation from them, or is the host's `system` (replays and imports of
 * records the host already holds).
 *
 * @example
 * ```ts
 * actsAs({ id: "v1", roles: ["volunteer"], communities: [] }, "v1"); // true
 * ```
 */
export function actsAs(actor: Actor, personId: string): boolean {
  return actor.id === personId || actor.roles.includes("system") || (actor.onBehalfOf ?? []).includes(personId);
}

/**
 * Throws `ACTOR_MISMATCH` at `path` unless the actor may act as the named person.
 *
 * @example
 * ```ts
 * assertActsAs(actor, cmd.by, ["by"]);
 * ```
 */
export function assertActsAs(actor: Actor, personId: string, path: FieldPath): void {
  if (!actsAs(actor, personId)) throw new ElderflowError("ACTOR_MISMATCH", { path });
}

/** The people a movement of hours is about, with their registered households. */
export interface MovementParties {
  /** The volunteer who earns (a service) or spends (a withdrawal). */
  readonly volunteer: string;
  /** The volunteer's registered family (who may draw on the hours). */
  readonly volunteerHousehold?: readonly string[];
  /** The recipient of the service, or the beneficiary of a withdrawal. */
  readonly counterpart?: string;
  /** The counterpart's registered household (who may sign for a bedridden recipient). */
  readonly counterpartHousehold?: readonly string[];
}

/**
 * The acts on a movement of hours: recording a service, signing for it (the recipient side),
 * registering it (team leader or party secretary), verifying or rejecting it, reversing a posted
 * movement, and fulfilling or cancelling a withdrawal.
 */
export type MovementAct = "record" | "sign" | "register" | "verify" | "reject" | "reverse" | "fulfil" | "cancel";

/**
 * The one rule on conflicts of interest (rule 13): who may not do an act on a movement, whatever
 * roles they hold. Returns the refusal code, or null when the person may act.
 * - `record`: the recipient is neither the volunteer nor one of the volunteer's household
 *   (`SELF_REGISTRATION`); `person` is the recipient.
 * - `sign`: only the recipient or a member of the recipient's registered household, and never the
 *   volunteer's side (`NOT_AUTHORIZED`).
 * - `register`: nobody party to it, nor of either household (`SELF_REGISTRATION`).
 * - `verify`, `reject`, `reverse`, `fulfil`, `cancel`: likewise (`SELF_VERIFICATION`).
 *
 * @example
 * ```ts
 * movementConflict("verify", "f1", { volunteer: "v1", volunteerHousehold: ["f1"] }); // "SELF_VERIFICATION"
 * movementConflict("sign", "p1", { volunteer: "v1", counterpart: "p1" });           // null
 * ```
 */
export function movementConflict(act: MovementAct, person: string, parties: MovementParties): ErrorCode | null {
  const volunteerSide = person === parties.volunteer || (parties.volunteerHousehold ?? []).includes(person);
  const counterpartSide =
    parties.counterpart !== undefined &&
    (person === parties.counterpart || (parties.counterpartHousehold ?? []).includes(person));
  switch (act) {
    case "record":
      return volunteerSide ? "SELF_REGISTRATION" : null;
    case "sign":
      return counterpartSide && !volunteerSide ? null : "NOT_AUTHORIZED";
    case "register":
      return volunteerSide || counterpartSide ? "SELF_REGISTRATION" : null;
    default:
      return volunteerSide || counterpartSide ? "SELF_VERIFICATION" : null;
  }
}

/** The movement an act is about, as an engine knows it. */
export interface MovementRef {
  /** The community whose roles apply (the volunteer's). */
  readonly communityId: string;
  /** The volunteer who earns or spends. */
  readonly volunteer: string;
  /** The recipient of the service, or the beneficiary of a withdrawal. */
  readonly counterpart?: string;
  /** The kind of service, when the act is about one (the certificate rule reads it). */
  readonly serviceKind?: string;
  /** The day the service was given (`YYYY-MM-DD`): a required certificate must be valid on it. */
  readonly servedOn?: string;
}

/**
 * Decides whether a person may do an act on a movement: the roles their community gave them and
 * {@link movementConflict}. The time bank provides one (`bank.authority`, from its grants and
 * enrolments); the verification workflow takes one, so that the workflow never reaches a state the
 * ledger would refuse. Returns the refusal code, or null.
 *
 * @example
 * ```ts
 * const authority: MovementAuthority = (act, person, m) =>
 *   movementConflict(act, person, { volunteer: m.volunteer, ...(m.counterpart ? { counterpart: m.counterpart } : {}) });
 * ```
 */
export type MovementAuthority = (act: MovementAct, person: string, movement: MovementRef) => ErrorCode | null;

/** The skill and level a service needs (持证上岗). */
export interface CertificateRequirement {
  /** The certified skill. */
  readonly skill: string;
  /** The lowest level that serves. */
  readonly level: number;
}

/**
 * What the certificate rule knows: which certificate a kind of service needs on a day (null: none),
 * and each volunteer's certificates (undefined: a volunteer the host does not know, who holds none).
 */
export interface CertificateRule {
  /** The certificate a service kind needs on a day, or null when it needs none. */
  required(serviceKind: string, on: string): CertificateRequirement | null;
  /** The volunteer's certificates. */
  certifications(volunteer: string): readonly Certification[] | undefined;
}

/**
 * The acts that credit hours for a service: recording it (a pending credit) and verifying it
 * (posting the credit). The certificate rule refuses only these.
 *
 * @example
 * ```ts
 * CREDIT_ACTS.includes("verify"); // true
 * ```
 */
export const CREDIT_ACTS: readonly MovementAct[] = ["record", "verify"];

/**
 * The certificate part of the one rule (rule 11, 持证上岗): a service whose kind needs a certificate
 * earns no credit unless the volunteer held a valid certificate for it, at the level, on the day
 * of service (not the day it is verified). Returns `CERTIFICATE_INVALID`, or null when the act is
 * not a credit act, the movement names no service kind or day, or the kind needs no certificate.
 *
 * @example
 * ```ts
 * const rule: CertificateRule = {
 *   required: (kind) => (kind === "medical_care" ? { skill: "medical_care", level: 2 } : null),
 *   certifications: () => [{ skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" }],
 * };
 * const m = { communityId: "c1", volunteer: "v1", serviceKind: "medical_care", servedOn: "2027-03-20" };
 * certificateConflict("verify", m, rule); // "CERTIFICATE_INVALID"
 * certificateConflict("verify", { ...m, servedOn: "2027-03-10" }, rule); // null
 * ```
 */
export function certificateConflict(act: MovementAct, movement: MovementRef, rule: CertificateRule): ErrorCode | null {
  if (!CREDIT_ACTS.includes(act)) return null;
  const { serviceKind, servedOn } = movement;
  if (serviceKind === undefined || servedOn === undefined) return null;
  const need = rule.required(serviceKind, servedOn);
  if (need === null) return null;
  const certifications = rule.certifications(movement.volunteer) ?? [];
  return certifiedLevel({ certifications: [...certifications] }, need.skill, servedOn) >= need.level
    ? null
    : "CERTIFICATE_INVALID";
}

/**
 * A {@link MovementAuthority} that also applies {@link certificateConflict}: the authority's own
 * refusal first (roles, conflicts of interest), then the certificate. The time bank's
 * `bank.authority` is built this way when it is given a rule, so the verification workflow and the
 * ledger refuse an uncertified service with one code.
 *
 * @example
 * ```ts
 * const authority = withCertificates((act, person, m) => movementConflict(act, person, { volunteer: m.volunteer }), rule);
 * ```
 */
export function withCertificates(authority: MovementAuthority, rule: CertificateRule): MovementAuthority {
  return (act, person, movement) => authority(act, person, movement) ?? certificateConflict(act, movement, rule);
}
