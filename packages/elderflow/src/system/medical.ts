/**
 * The 贴心儿女 medical volunteer groups in the wired system (rule 12, seed 002): the group workflow's
 * dependencies (certificates from the directory, the programme's scope from the register through
 * the scope policy), contacts recorded with their readings sealed under the cadre's data key, the
 * readings opened only for care roles, the missed-contact alerts, and the subsidy statements over
 * the groups' credited contacts.
 */
import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorReaches,
  type BudgetLine,
  type BudgetLineInput,
  type Clock,
  ElderflowError,
  type FieldSealer,
  IdSchema,
  type IsoDate,
  isoDateAt,
  KeySchema,
  parseOrThrow,
  type StatementPeriod,
  type Volunteer,
} from "@elderflow/core";
import { medicalVolunteerScopePolicy } from "@elderflow/policy";
import type { Register } from "@elderflow/register";
import { type CadenceLogEntry, type CadencePair, type CadenceReport, cadenceReport } from "@elderflow/schedule";
import {
  certificationFromVolunteers,
  checksOf,
  type EmittedEventOf,
  type GroupCadre,
  type GroupContact,
  type MedicalCheckKind,
  MedicalContactInput,
  type MedicalGroupDeps,
  MedicalReadings,
  type OutboxItem,
  type SendResult,
  type WorkflowActor,
  type WorkflowEngine,
} from "@elderflow/workflow";
import { contactsOfGroup, type SubsidyStatement, subsidyStatement } from "./subsidies";
import type { Task, TaskBoard } from "./tasks";

/**
 * The context readings are sealed under (with the cadre's id as the subject), so a sealed reading
 * copied into another field or to another cadre does not open.
 *
 * @example
 * ```ts
 * await sealer.open(personId, READINGS_CONTEXT, sealed);
 * ```
 */
export const READINGS_CONTEXT = "medical-group/readings";

/** Roles that may open a cadre's readings (care, not administration of subsidies). */
const READING_ROLES: readonly ActorRole[] = ["doctor", "community_staff", "bureau"];
/** Roles that may compute subsidy statements. */
const ACCOUNT_ROLES: readonly ActorRole[] = ["community_staff", "admin", "bureau", "department", "system"];

/**
 * Whether a cadre is in the programme's scope on a day: the scope preset (lixiu only by default)
 * over the register's record as of that day; a cadre not on the register is out of scope.
 *
 * @example
 * ```ts
 * const inScope = registerScope(flow.register, HOST_ACTOR);
 * await inScope("p-0001", "2027-03-01"); // true for an active lixiu cadre
 * ```
 */
export function registerScope(
  register: Register,
  host: ActorInput,
  decide: (
    facts: { retirementKind: "lixiu" | "tuixiu"; status: "active" | "deceased" | "moved" | "transferred" },
    on: IsoDate,
  ) => boolean = (() => {
    const policy = medicalVolunteerScopePolicy();
    return (facts, on) => policy.decide(facts, on).granted;
  })(),
): (personId: string, on: IsoDate) => Promise<boolean> {
  return async (personId, on) => {
    const p = await register.get(personId, host, { asOf: on });
    return p !== undefined && decide({ retirementKind: p.retirementKind, status: p.status }, on);
  };
}

/**
 * The group workflow's dependencies: certificates from the directory's volunteers and the scope
 * check on the day (Asia/Shanghai unless the clock says otherwise).
 *
 * @example
 * ```ts
 * builtInWorkflows({ ..., medicalGroup: medicalGroupDeps(volunteers, registerScope(register, host), clock) });
 * ```
 */
export function medicalGroupDeps(
  volunteers: readonly Pick<Volunteer, "id" | "certifications">[],
  scope: (personId: string, on: IsoDate) => boolean | Promise<boolean>,
  clock: Pick<Clock, "zone">,
): MedicalGroupDeps {
  return {
    certification: certificationFromVolunteers(volunteers, clock.zone),
    scope: ({ personId, at }) => scope(personId, isoDateAt(at, clock.zone)),
  };
}

/**
 * A group's cadres and contacts as the schedule package's cadence pairs and log (rule 5): one pair
 * per cadre (`<groupId>/<personId>`, answered for by the group), from the day the cadre was added
 * (or the group activated) to the day they were removed; a visit is a home visit, a call a
 * contact. `cadenceReport(pairs, log, "2027-03")` then measures each cadre's month.
 *
 * @example
 * ```ts
 * const { pairs, log } = groupCadence("g1", (await flow.workflows.query("g1", staff)).context, "c01");
 * cadenceReport(pairs, log, "2027-03").pairs.filter((p) => !p.compliant);
 * ```
 */
export function groupCadence(
  groupId: string,
  context: Readonly<Record<string, unknown>>,
  communityId: string,
  zone = "Asia/Shanghai",
): { readonly pairs: CadencePair[]; readonly log: CadenceLogEntry[] } {
  const cadres = (context.cadres ?? []) as readonly GroupCadre[];
  const contacts = (context.contacts ?? []) as readonly GroupContact[];
  const pairs = cadres
    .filter((c) => c.since > 0)
    .map(
      (c): CadencePair => ({
        pairId: `${groupId}/${c.personId}`,
        volunteerId: groupId,
        personId: c.personId,
        from: isoDateAt(c.since, zone),
        ...(c.status === "removed" ? { to: isoDateAt(c.since, zone) } : {}),
        communityId,
      }),
    );
  const known = new Set(pairs.map((p) => p.pairId));
  const log = contacts
    .map(
      (c): CadenceLogEntry => ({
        pairId: `${groupId}/${c.personId}`,
        at: new Date(c.at).toISOString(),
        kind: c.kind === "visit" ? "home_visit" : "contact",
      }),
    )
    .filter((e) => known.has(e.pairId));
  return { pairs, log };
}

/** One opened reading: which contact, for whom, by whom, when, and the values. */
export interface OpenedReading {
  /** The contact's event id. */
  readonly eventId: string;
  /** The cadre. */
  readonly personId: string;
  /** The member. */
  readonly volunteerId: string;
  /** When (epoch ms). */
  readonly at: number;
  /** Call or visit. */
  readonly kind: string;
  /** The readings. */
  readonly readings: MedicalReadings;
}

/** The medical volunteer groups of the wired system (`flow.medical`). */
export interface MedicalGroups {
  /**
   * Records a contact by the acting volunteer (role `volunteer`, reaching the group's community):
   * its readings are checked against their bounds, sealed under the cadre's data key and sent as
   * the group's `CONTACT` (event `id`, applied at most once). Readings need a sealer
   * (`SEALER_REQUIRED`); measured readings need a visit (`MEASUREMENT_NEEDS_VISIT`).
   */
  recordContact(
    groupId: string,
    contact: MedicalContactInput & { readonly id: string },
    actor: ActorInput,
  ): Promise<SendResult>;
  /**
   * The readings of a group's contacts, opened, for a doctor, community staff or the bureau
   * reaching the group's community; optionally for one cadre. A cadre whose key was erased is
   * skipped (their readings are gone).
   */
  readings(groupId: string, actor: ActorInput, personId?: string): Promise<OpenedReading[]>;
  /**
   * Each cadre's cadence in a month (rule 5: a contact every ISO week, three home visits), for
   * staff reaching the group's community: the schedule package's report over {@link groupCadence}.
   */
  cadence(groupId: string, month: string, actor: ActorInput): Promise<CadenceReport>;
  /** A group's credited contacts as the accounts see them (ids, kinds and days). */
  contacts(groupId: string, actor: ActorInput): Promise<ReturnType<typeof contactsOfGroup>>;
  /** The subsidy statement of a month or a year over the groups' credited contacts. */
  statement(
    groupIds: readonly string[],
    lines: readonly BudgetLineInput[] | readonly BudgetLine[],
    period: StatementPeriod,
    actor: ActorInput,
  ): Promise<SubsidyStatement>;
}

/** What {@link createMedicalGroups} needs from the wiring. */
export interface MedicalGroupsOptions {
  /** The workflow engine (with the `medicalGroup` workflow). */
  readonly workflows: WorkflowEngine;
  /** The clock (its zone dates contacts). */
  readonly clock: Clock;
  /** The host's actor, as which the wiring reads instances. */
  readonly host: Actor;
  /** Seals readings; without one, contacts with readings are refused. */
  readonly sealer?: FieldSealer;
}

function actorOf(actor: ActorInput): Actor {
  return parseOrThrow(Actor, actor, ["actor"]);
}

/**
 * Creates `flow.medical`.
 *
 * @example
 * ```ts
 * const medical = createMedicalGroups({ workflows, clock, host, sealer });
 * await medical.recordContact("g1", { id: "c-1", personId: "p1", kind: "visit", readings: { pulse: { bpm: 72 } } }, volunteer);
 * ```
 */
export function createMedicalGroups(options: MedicalGroupsOptions): MedicalGroups {
  const { workflows, clock, host, sealer } = options;
  const hostWorkflow: WorkflowActor = { id: host.id, role: "system" };
  const groupOf = async (groupId: string) => {
    parseOrThrow(IdSchema, groupId, ["groupId"]);
    const inst = await workflows.query(groupId, hostWorkflow);
    if (inst.machine !== "medicalGroup")
      throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: groupId } });
    return inst;
  };
  const reachWith = (a: Actor, roles: readonly ActorRole[], communityId: string) => {
    if (!a.roles.some((r) => roles.includes(r)))
      throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
    if (!actorReaches(a, communityId)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communities"] });
  };

  return {
    async recordContact(groupId, contact, actor) {
      const a = actorOf(actor);
      if (typeof contact !== "object" || contact === null || Array.isArray(contact))
        throw new ElderflowError("INVALID_TYPE", { path: ["contact"], params: { expected: "object" } });
      const id = parseOrThrow(KeySchema, contact.id, ["contact", "id"]);
      const { id: _id, ...rest } = contact;
      const c = parseOrThrow(MedicalContactInput, rest, ["contact"]);
      const inst = await groupOf(groupId);
      reachWith(a, ["volunteer"], inst.communityId);
      const checks = new Set<MedicalCheckKind>([...(c.readings ? checksOf(c.readings) : []), ...(c.checks ?? [])]);
      let sealedReadings: unknown;
      if (c.readings !== undefined) {
        if (sealer === undefined) throw new ElderflowError("SEALER_REQUIRED", { path: ["contact", "readings"] });
        sealedReadings = await sealer.seal(c.personId, READINGS_CONTEXT, c.readings);
      }
      return workflows.send(groupId, {
        id,
        type: "CONTACT",
        actor: { id: a.id, role: "volunteer", communityId: inst.communityId },
        payload: {
          personId: c.personId,
          kind: c.kind,
          ...(checks.size === 0 ? {} : { checks: [...checks] }),
          ...(sealedReadings === undefined ? {} : { sealedReadings }),
        },
      });
    },
    async readings(groupId, actor, personId) {
      const a = actorOf(actor);
      if (personId !== undefined) parseOrThrow(IdSchema, personId, ["personId"]);
      const inst = await groupOf(groupId);
      reachWith(a, READING_ROLES, inst.communityId);
      if (sealer === undefined) throw new ElderflowError("SEALER_REQUIRED", { path: ["sealer"] });
      const out: OpenedReading[] = [];
      for (const e of await workflows.history(groupId, hostWorkflow)) {
        const p = e.payload as Record<string, unknown>;
        if (e.type !== "CONTACT" || p.sealedReadings === undefined) continue;
        if (personId !== undefined && p.personId !== personId) continue;
        let opened: unknown;
        try {
          opened = await sealer.open(String(p.personId), READINGS_CONTEXT, p.sealedReadings as never);
        } catch (error) {
          if (error instanceof ElderflowError && error.code === "KEY_ERASED") continue;
          throw error;
        }
        out.push({
          eventId: e.eventId,
          personId: String(p.personId),
          volunteerId: e.actorId,
          at: e.at,
          kind: String(p.kind),
          readings: MedicalReadings.parse(opened),
        });
      }
      return out;
    },
    async cadence(groupId, month, actor) {
      const a = actorOf(actor);
      const inst = await groupOf(groupId);
      reachWith(a, ACCOUNT_ROLES, inst.communityId);
      const { pairs, log } = groupCadence(groupId, inst.context, inst.communityId, clock.zone);
      return cadenceReport(pairs, log, month, { zone: clock.zone });
    },
    async contacts(groupId, actor) {
      const a = actorOf(actor);
      const inst = await groupOf(groupId);
      reachWith(a, ACCOUNT_ROLES, inst.communityId);
      return contactsOfGroup(groupId, inst.context.contacts as GroupContact[], clock.zone);
    },
    async statement(groupIds, lines, period, actor) {
      const a = actorOf(actor);
      const ids = parseOrThrow(IdSchema.array().max(10_000), groupIds, ["groupIds"]);
      const all = [];
      for (const [i, g] of ids.entries()) {
        const inst = await groupOf(g).catch((e: unknown) => {
          if (e instanceof ElderflowError)
            throw new ElderflowError(e.code, { path: ["groupIds", i], params: e.params });
          throw e;
        });
        reachWith(a, ACCOUNT_ROLES, inst.communityId);
        all.push(...contactsOfGroup(g, inst.context.contacts as GroupContact[], clock.zone));
      }
      return subsidyStatement(lines, all, period);
    },
  };
}

/**
 * The wiring's handler of a group's missed contact: an alert task for the members serving the
 * cadre, in the group's community (the same task kind as a pairing's missed contact).
 *
 * @example
 * ```ts
 * handlers["medicalGroup.missed_contact"] = groupMissedContactHandler({ workflows, tasks, host, clock });
 * ```
 */
export function groupMissedContactHandler(deps: {
  readonly workflows: WorkflowEngine;
  readonly tasks: Pick<TaskBoard, "add">;
  readonly host: Actor;
  readonly clock: Clock;
}): (
  event: EmittedEventOf<"medicalGroup.missed_contact">,
  item: OutboxItem,
) => Promise<{ readonly posted: number; readonly tasks: number }> {
  return async (e, item) => {
    const { communityId } = await deps.workflows.query(item.instanceId, { id: deps.host.id, role: "system" });
    const task: Task = {
      id: `missed/${item.id}`,
      kind: "missed_contact_alert",
      personId: e.personId,
      communityId,
      due: isoDateAt(item.at, deps.clock.zone),
      assignees: e.volunteerIds.length > 0 ? [...e.volunteerIds] : ["veteran_cadres_bureau"],
      details: { missedWeeks: e.missedWeeks, instanceId: item.instanceId, group: true },
    };
    return { posted: 0, tasks: await deps.tasks.add([task], deps.host.id) };
  };
}
