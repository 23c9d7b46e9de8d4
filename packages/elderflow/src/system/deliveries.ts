import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorReaches,
  addDays,
  assertText,
  type Clock,
  ElderflowError,
  type ErrorCode,
  type FieldPath,
  formatIsoDate,
  IdSchema,
  type IsoDate,
  IsoDateSchema,
  isDistrictActor,
  isElderflowError,
  isoWeekday,
  KeySchema,
  type Migration,
  parseOrThrow,
  runMigrations,
  type SqlClient,
  type SqlQueryable,
} from "@elderflow/core";
import type { DepartureStore } from "./follow";
import { assertFitsColumn, MYSQL_KEY_WIDTH, MYSQL_TABLE, mysqlText, placeholders } from "./mysqlRows";

/**
 * A periodical the bureau subscribes to for free for its cadres (seed 003: "免费订阅《老干部之家》、
 * 《老年教育》、《淄博日报》、《淄博晚报》等报刊"): an id, its title, and how often it is delivered
 * (a monthly magazine each month; a daily in a weekly bundle, "定期上门").
 */
export interface Periodical {
  /** Stable id. */
  readonly id: string;
  /** Title in both languages. */
  readonly name: { readonly "zh-CN": string; readonly en: string };
  /** Delivery rhythm: one round a month, or one (bundled) a week. */
  readonly frequency: "monthly" | "weekly";
}

/**
 * The periodicals of the reports (seed 003), the default catalogue: two monthly magazines and a
 * local daily and evening paper delivered in weekly bundles.
 *
 * @example
 * ```ts
 * PERIODICALS.map((p) => p.id); // ["laoganbu_zhijia", "laonian_jiaoyu", "local_daily", "local_evening"]
 * ```
 */
export const PERIODICALS: readonly Periodical[] = [
  { id: "laoganbu_zhijia", name: { "zh-CN": "《老干部之家》", en: "Home of Veteran Cadres" }, frequency: "monthly" },
  { id: "laonian_jiaoyu", name: { "zh-CN": "《老年教育》", en: "Education for the Elderly" }, frequency: "monthly" },
  { id: "local_daily", name: { "zh-CN": "地方日报", en: "local daily" }, frequency: "weekly" },
  { id: "local_evening", name: { "zh-CN": "地方晚报", en: "local evening paper" }, frequency: "weekly" },
];

/**
 * The title id of the 送学上门 rounds (study materials brought home).
 *
 * @example
 * ```ts
 * (await deliveries.items(bureau)).filter((i) => i.title === STUDY_TITLE);
 * ```
 */
export const STUDY_TITLE = "study_materials";

/**
 * Why a delivery was missed: nobody at home, the cadre refused it, the address could not be
 * found, the issue had not arrived, the cadre was in hospital, or another reason.
 *
 * @example
 * ```ts
 * MISS_REASONS.includes("not_at_home"); // true
 * ```
 */
export const MISS_REASONS = [
  "not_at_home",
  "refused",
  "address_unknown",
  "not_arrived",
  "in_hospital",
  "other",
] as const;
/** A reason from {@link MISS_REASONS}. */
export type MissReason = (typeof MISS_REASONS)[number];

/**
 * Where a delivery item stands: due, delivered, or missed (a missed item may still be delivered
 * later, 补送); or cancelled, when its cadre died or moved away before it was delivered (no longer
 * owed: it counts in no completeness figure).
 */
export type DeliveryStatus = "due" | "delivered" | "missed" | "cancelled";

/**
 * One free subscription of a cadre to a periodical for a calendar year. Its id is derived
 * (`<year>/<title>/<person>`), so subscribing twice changes nothing.
 */
export interface Subscription {
  /** `<year>/<title>/<personId>`. */
  readonly id: string;
  /** The cadre. */
  readonly personId: string;
  /** The cadre's community. */
  readonly communityId: string;
  /** The periodical's id. */
  readonly title: string;
  /** The year subscribed (free, paid by the bureau). */
  readonly year: number;
  /** Who subscribed them (actor id). */
  readonly by: string;
  /** When (epoch ms, the clock). */
  readonly at: number;
}

/** What a caller sends to subscribe a cadre. */
export interface SubscriptionInput {
  /** The cadre. */
  readonly personId: string;
  /** The cadre's community. */
  readonly communityId: string;
  /** The periodical's id. */
  readonly title: string;
  /** The year. */
  readonly year: number;
}

/** One step of a delivery item: who recorded what, when (the clock). */
export interface DeliveryStep {
  /** The status after. */
  readonly status: DeliveryStatus;
  /** The acting actor's id. */
  readonly by: string;
  /** When, epoch ms. */
  readonly at: number;
  /** Why, when missed (or `person_left`, when cancelled). */
  readonly reason?: MissReason | "person_left";
}

/** One item of a round: one copy (or one set of study materials) for one cadre. */
export interface DeliveryItem {
  /** `<roundId>/<personId>`. */
  readonly id: string;
  /** `periodical/<title>/<issue>` or `study/<session day>`. */
  readonly roundId: string;
  /** A periodical, or 送学上门 study materials. */
  readonly kind: "periodical" | "study_materials";
  /** Periodical id, or {@link STUDY_TITLE}. */
  readonly title: string;
  /** The issue: `YYYY-MM` (monthly), the Monday of the week (weekly), or the study session's day. */
  readonly issue: string;
  /** The cadre. */
  readonly personId: string;
  /** The cadre's community. */
  readonly communityId: string;
  /** The day it is due. */
  readonly due: IsoDate;
  /** Where it stands. */
  readonly status: DeliveryStatus;
  /** Every step, oldest first; the first is the plan (`due`, by the planner). */
  readonly history: readonly DeliveryStep[];
}

/** One outcome to record. */
export interface DeliveryOutcome {
  /** The item. */
  readonly itemId: string;
  /** Delivered, or missed (with its reason). */
  readonly outcome: "delivered" | "missed";
  /** Why, when missed. */
  readonly reason?: MissReason;
}

/** The result of one element of a batch: changed or not, or refused with a code and path. */
export type DeliveryResult =
  | { readonly index: number; readonly id: string; readonly ok: true; readonly changed: boolean }
  | { readonly index: number; readonly ok: false; readonly code: ErrorCode; readonly path: FieldPath };

/** A community's line of the monthly completeness list. */
export interface CompletenessRow {
  /** The community. */
  readonly communityId: string;
  /** Items due in the month. */
  readonly due: number;
  /** Delivered. */
  readonly delivered: number;
  /** Missed (and not delivered since). */
  readonly missed: number;
  /** Not recorded yet. */
  readonly outstanding: number;
}

/** Which items {@link Deliveries.items} answers. */
export interface DeliveryFilter {
  /** Items due in this month (`YYYY-MM`). */
  readonly month?: string;
  /** One round. */
  readonly roundId?: string;
  /** One status. */
  readonly status?: DeliveryStatus;
}

/**
 * The persistence seam of deliveries: a handful of methods, one implementation in memory and one
 * over SQL (PGlite and PostgreSQL). The rules live in {@link createDeliveries}, written once.
 */
export interface DeliveryStore {
  /** Adds subscriptions (an id already there is left alone); returns the ids that were new. */
  addSubscriptions(subs: readonly Subscription[]): Promise<ReadonlySet<string>>;
  /** Subscriptions to a title in a year, in the communities given (null: all), by id. */
  subscriptions(filter: {
    readonly title?: string;
    readonly year?: number;
    readonly communities: readonly string[] | null;
  }): Promise<Subscription[]>;
  /** Adds items (an id already there is left alone); returns the ids that were new, in the order given. */
  addItems(items: readonly DeliveryItem[]): Promise<string[]>;
  /** Loads items by id, lets `change` return the ones to save, saves them, atomically. */
  update<T>(
    ids: readonly string[],
    change: (items: ReadonlyMap<string, DeliveryItem>) => {
      readonly save: readonly DeliveryItem[];
      readonly result: T;
    },
  ): Promise<T>;
  /** Items due in `[from, to]` (or any), of one round or status, in the communities given, by due then id. */
  items(filter: {
    readonly from?: IsoDate;
    readonly to?: IsoDate;
    readonly roundId?: string;
    readonly status?: DeliveryStatus;
    readonly communities: readonly string[] | null;
  }): Promise<DeliveryItem[]>;
  /** Counts by community and status of the items due in `[from, to]`. */
  tally(
    from: IsoDate,
    to: IsoDate,
    communities: readonly string[] | null,
  ): Promise<{ communityId: string; status: DeliveryStatus; n: number }[]>;
  /** Erasure: drops a person's subscriptions and items; returns how many went. */
  forget(personId: string): Promise<number>;
}

/** Options of {@link createDeliveries}. */
export interface DeliveriesOptions {
  /** Where subscriptions and items are kept. */
  readonly store: DeliveryStore;
  /** The only source of "now". */
  readonly clock: Clock;
  /** The periodical catalogue (default {@link PERIODICALS}). */
  readonly periodicals?: readonly Periodical[];
  /** Departures (deaths, moves): nobody is planned a delivery due on or after their departure. */
  readonly departures?: Pick<DepartureStore, "get">;
}

/** What a round planning did. */
export interface PlannedRound {
  /** The round's id. */
  readonly roundId: string;
  /** Items planned now. */
  readonly added: number;
  /** Their ids (so the carrier can record them without reading the round back). */
  readonly itemIds: readonly string[];
  /** Subscribers or recipients left out because they had left (died, moved) by the due day. */
  readonly departed: number;
}

/**
 * Subscriptions and delivery rounds: periodicals (《老干部之家》 and the local papers) and 送学上门
 * study materials brought to cadres who cannot come, each item recorded as delivered or missed, by
 * whom and when; and the monthly completeness list per community. Every call takes the actor:
 * writes check its role and reach, reads answer only the communities it reaches.
 */
export interface Deliveries {
  /** The periodical catalogue. */
  readonly periodicals: readonly Periodical[];
  /** Subscribes cadres (staff of their community, or a district body); per-item results. */
  subscribe(subs: readonly SubscriptionInput[], actor: ActorInput): Promise<DeliveryResult[]>;
  /** The subscriptions the actor reaches, of one title or year. */
  subscriptions(
    actor: ActorInput,
    filter?: { readonly title?: string; readonly year?: number },
  ): Promise<Subscription[]>;
  /**
   * Plans one issue's round of a periodical: an item for each subscriber of the issue's year in
   * the communities the actor reaches (none for a cadre who left by the due day). Planning it
   * again adds only what is new.
   */
  planPeriodicalRound(
    round: { readonly title: string; readonly issue: string; readonly due: IsoDate },
    actor: ActorInput,
  ): Promise<PlannedRound>;
  /** Plans the 送学上门 round of a study session for its delivery list (`studyPlan(...).sessions[i].deliveries`). */
  planStudyRound(
    round: {
      readonly session: IsoDate;
      readonly due: IsoDate;
      readonly recipients: readonly { readonly personId: string; readonly communityId: string }[];
    },
    actor: ActorInput,
  ): Promise<PlannedRound>;
  /**
   * Records outcomes: a due or missed item may be delivered or missed (again); a delivered item
   * stays delivered (recording it delivered again changes nothing, missed is refused). Per-item
   * results; one bad element never stops the rest.
   */
  record(outcomes: readonly DeliveryOutcome[], actor: ActorInput): Promise<DeliveryResult[]>;
  /** Items the actor reaches. */
  items(actor: ActorInput, filter?: DeliveryFilter): Promise<DeliveryItem[]>;
  /** The monthly completeness list: per community the actor reaches, due, delivered, missed, outstanding. */
  completeness(month: string, actor: ActorInput): Promise<CompletenessRow[]>;
  /**
   * Cancels a cadre's items not yet delivered (due or missed) that fall due on or after `from`,
   * because the cadre died or moved away (the register's follow-through calls it): they are no
   * longer owed, so they leave the completeness list. Returns the ids cancelled. Carriers' roles or
   * a district body, in the communities the actor reaches.
   */
  cancelFor(personId: string, from: IsoDate, actor: ActorInput): Promise<string[]>;
  /** Erasure: drops a person's subscriptions and items (`admin` or a district role). */
  forget(personId: string, actor: ActorInput): Promise<number>;
}

/** Roles that subscribe cadres and plan rounds. */
const PLANNER_ROLES: readonly ActorRole[] = ["community_staff", "admin", "bureau", "system"];
/** Roles that carry deliveries and record them (staff, volunteers, team leaders). */
const CARRIER_ROLES: readonly ActorRole[] = [
  "community_staff",
  "volunteer",
  "team_leader",
  "party_secretary",
  "admin",
  "bureau",
  "system",
];
/** Most elements of one batch. */
/** Most subscriptions or outcomes one call takes (a larger list is refused whole with `TOO_BIG`). */
export const MAX_DELIVERY_BATCH = 20_000;
const MAX_BATCH = MAX_DELIVERY_BATCH;

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A code from a closed list, or `INVALID_ENUM` naming the list (never the value given). */
function oneOf<T extends string>(list: readonly T[], value: unknown, path: FieldPath): T {
  if (typeof value === "string" && (list as readonly string[]).includes(value)) return value as T;
  throw new ElderflowError("INVALID_ENUM", { path: [...path], params: { options: list.join(", ") } });
}

/** A plain object with only the allowed keys (`INVALID_TYPE`, `UNKNOWN_FIELD` naming the key). */
function record(value: unknown, allowed: readonly string[], path: FieldPath): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ElderflowError("INVALID_TYPE", { path: [...path], params: { expected: "object" } });
  for (const key of Object.keys(value))
    if (!allowed.includes(key))
      throw new ElderflowError("UNKNOWN_FIELD", { path: [...path, key], params: { field: key.slice(0, 64) } });
  return value as Record<string, unknown>;
}

const month = (value: unknown, path: FieldPath): string => {
  if (typeof value !== "string" || !MONTH.test(value))
    throw new ElderflowError("INVALID_FORMAT", { path: [...path], params: { format: "YYYY-MM" } });
  return value;
};

function parseSubscription(raw: unknown, path: FieldPath): SubscriptionInput {
  const r = record(raw, ["personId", "communityId", "title", "year"], path);
  const year = r.year;
  if (typeof year !== "number" || !Number.isInteger(year))
    throw new ElderflowError("INVALID_TYPE", { path: [...path, "year"], params: { expected: "integer" } });
  if (year < 2000 || year > 2100)
    throw new ElderflowError("OUT_OF_RANGE", { path: [...path, "year"], params: { detail: "2000..2100" } });
  return {
    personId: parseOrThrow(IdSchema, r.personId, [...path, "personId"]),
    communityId: parseOrThrow(IdSchema, r.communityId, [...path, "communityId"]),
    title: parseOrThrow(IdSchema, r.title, [...path, "title"]),
    year,
  };
}

function parseOutcome(raw: unknown, path: FieldPath): DeliveryOutcome {
  const r = record(raw, ["itemId", "outcome", "reason"], path);
  const itemId = parseOrThrow(KeySchema, r.itemId, [...path, "itemId"]);
  const outcome = oneOf(["delivered", "missed"] as const, r.outcome, [...path, "outcome"]);
  if (r.reason === undefined) {
    if (outcome === "missed") throw new ElderflowError("MISSED_NEEDS_REASON", { path: [...path, "reason"] });
    return { itemId, outcome };
  }
  return { itemId, outcome, reason: oneOf(MISS_REASONS, r.reason, [...path, "reason"]) };
}

function parsePeriodical(raw: unknown, path: FieldPath): Periodical {
  const r = record(raw, ["id", "name", "frequency"], path);
  const n = record(r.name, ["zh-CN", "en"], [...path, "name"]);
  const text = (v: unknown, p: FieldPath) => assertText(v, { max: 100 }, p);
  return {
    id: parseOrThrow(IdSchema, r.id, [...path, "id"]),
    name: { "zh-CN": text(n["zh-CN"], [...path, "name", "zh-CN"]), en: text(n.en, [...path, "name", "en"]) },
    frequency: oneOf(["monthly", "weekly"] as const, r.frequency, [...path, "frequency"]),
  };
}

function parseRecipients(raw: unknown, path: FieldPath): { personId: string; communityId: string }[] {
  return [...batch(raw as readonly unknown[], path)].map((x, i) => {
    const r = record(x, ["personId", "communityId"], [...path, i]);
    return {
      personId: parseOrThrow(IdSchema, r.personId, [...path, i, "personId"]),
      communityId: parseOrThrow(IdSchema, r.communityId, [...path, i, "communityId"]),
    };
  });
}

function withRoles(actor: ActorInput, roles: readonly ActorRole[]): Actor {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  if (!a.roles.some((r) => roles.includes(r))) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
  return a;
}
const scopeOf = (a: Actor): readonly string[] | null => (isDistrictActor(a) ? null : a.communities);
const batch = <T>(list: readonly T[], path: FieldPath): readonly T[] => {
  if (!Array.isArray(list)) throw new ElderflowError("INVALID_TYPE", { path, params: { expected: "array" } });
  if (list.length > MAX_BATCH) throw new ElderflowError("TOO_BIG", { path, params: { maximum: MAX_BATCH } });
  return list;
};
const refusal = (index: number, error: unknown): DeliveryResult => {
  if (!isElderflowError(error)) throw error;
  return { index, ok: false, code: error.code, path: [...(error.path ?? [])] };
};

/**
 * The issues of a periodical in a year, each with its due day: a monthly title's issue is the
 * month (`YYYY-MM`, due on the 10th); a weekly bundle's issue is the Monday of its week (weeks
 * start on Monday; every week whose Monday falls in the year), due on that Friday.
 *
 * @example
 * ```ts
 * periodicalIssues(PERIODICALS[0], 2026)[2]; // { issue: "2026-03", due: "2026-03-10" }
 * periodicalIssues(PERIODICALS[2], 2026)[0]; // { issue: "2026-01-05", due: "2026-01-09" }
 * ```
 */
export function periodicalIssues(
  periodical: Pick<Periodical, "frequency">,
  year: number,
): { readonly issue: string; readonly due: IsoDate }[] {
  if (periodical.frequency === "monthly")
    return Array.from({ length: 12 }, (_, i) => ({
      issue: formatIsoDate(year, i + 1, 1).slice(0, 7),
      due: formatIsoDate(year, i + 1, 10),
    }));
  const jan1 = formatIsoDate(year, 1, 1);
  const out: { issue: string; due: IsoDate }[] = [];
  for (
    let monday = addDays(jan1, (8 - isoWeekday(jan1)) % 7);
    monday.startsWith(`${year}-`);
    monday = addDays(monday, 7)
  )
    out.push({ issue: monday, due: addDays(monday, 4) });
  return out;
}

/** The one rule of an item's life, shared by every store. */
function applyOutcome(item: DeliveryItem, o: DeliveryOutcome, actor: Actor, at: number): DeliveryItem | null {
  if (!actorReaches(actor, item.communityId))
    throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor", "communities"] });
  if (item.status === "cancelled") throw new ElderflowError("DELIVERY_CANCELLED", { path: ["outcome"] });
  if (item.status === "delivered") {
    if (o.outcome === "delivered") return null;
    throw new ElderflowError("DELIVERY_ALREADY_RECORDED", { path: ["outcome"] });
  }
  const last = item.history[item.history.length - 1];
  if (o.outcome === "missed" && item.status === "missed" && last?.reason === o.reason) return null;
  const step: DeliveryStep =
    o.outcome === "missed"
      ? { status: "missed", by: actor.id, at, reason: o.reason as MissReason }
      : { status: "delivered", by: actor.id, at };
  return { ...item, status: o.outcome, history: [...item.history, step] };
}

/**
 * Creates the deliveries service over a store.
 *
 * @example
 * ```ts
 * const deliveries = createDeliveries({ store: memoryDeliveryStore(), clock });
 * await deliveries.subscribe([{ personId: "p1", communityId: "c1", title: "laoganbu_zhijia", year: 2027 }], staff);
 * await deliveries.planPeriodicalRound({ title: "laoganbu_zhijia", issue: "2027-03", due: "2027-03-10" }, staff);
 * await deliveries.record([{ itemId: "periodical/laoganbu_zhijia/2027-03/p1", outcome: "delivered" }], staff);
 * await deliveries.completeness("2027-03", staff); // [{ communityId: "c1", due: 1, delivered: 1, missed: 0, outstanding: 0 }]
 * ```
 */
export function createDeliveries(options: DeliveriesOptions): Deliveries {
  const { store, clock } = options;
  const periodicals = (options.periodicals ?? PERIODICALS).map((p, i) => parsePeriodical(p, ["periodicals", i]));
  const byId = new Map(periodicals.map((p) => [p.id, p]));
  const title = (id: unknown, path: FieldPath): Periodical => {
    const p = typeof id === "string" ? byId.get(id) : undefined;
    if (p === undefined)
      throw new ElderflowError("UNKNOWN_PERIODICAL", {
        path,
        params: { title: typeof id === "string" ? id.slice(0, 64) : "" },
      });
    return p;
  };
  const departedBy = async (personIds: readonly string[], due: IsoDate): Promise<ReadonlySet<string>> => {
    if (options.departures === undefined || personIds.length === 0) return new Set();
    const left = await options.departures.get(personIds);
    return new Set([...left.values()].filter((d) => d.effective <= due).map((d) => d.personId));
  };
  const plan = async (
    roundId: string,
    kind: DeliveryItem["kind"],
    titleId: string,
    issue: string,
    due: IsoDate,
    recipients: readonly { readonly personId: string; readonly communityId: string }[],
    a: Actor,
  ): Promise<PlannedRound> => {
    const gone = await departedBy(
      recipients.map((r) => r.personId),
      due,
    );
    const at = clock.now();
    const items = recipients
      .filter((r) => !gone.has(r.personId))
      .map(
        (r): DeliveryItem => ({
          id: `${roundId}/${r.personId}`,
          roundId,
          kind,
          title: titleId,
          issue,
          personId: r.personId,
          communityId: r.communityId,
          due,
          status: "due",
          history: [{ status: "due", by: a.id, at }],
        }),
      );
    const itemIds = await store.addItems(items);
    return { roundId, added: itemIds.length, itemIds, departed: recipients.length - items.length };
  };
  return {
    periodicals,
    async subscribe(subs, actor) {
      const a = withRoles(actor, PLANNER_ROLES);
      const at = clock.now();
      const results: (DeliveryResult | null)[] = [];
      const valid: { index: number; sub: Subscription }[] = [];
      for (const [index, raw] of batch(subs, ["subscriptions"]).entries()) {
        try {
          const s = parseSubscription(raw, ["subscriptions", index]);
          title(s.title, ["subscriptions", index, "title"]);
          if (!actorReaches(a, s.communityId))
            throw new ElderflowError("WRONG_COMMUNITY", { path: ["subscriptions", index, "communityId"] });
          valid.push({ index, sub: { id: `${s.year}/${s.title}/${s.personId}`, ...s, by: a.id, at } });
          results.push(null);
        } catch (error) {
          results.push(refusal(index, error));
        }
      }
      const added = await store.addSubscriptions(valid.map((v) => v.sub));
      for (const v of valid)
        results[v.index] = { index: v.index, id: v.sub.id, ok: true, changed: added.has(v.sub.id) };
      return results as DeliveryResult[];
    },
    async subscriptions(actor, filter = {}) {
      const a = parseOrThrow(Actor, actor, ["actor"]);
      if (filter.title !== undefined) title(filter.title, ["filter", "title"]);
      if (filter.year !== undefined && !Number.isInteger(filter.year))
        throw new ElderflowError("INVALID_TYPE", { path: ["filter", "year"], params: { expected: "integer" } });
      return store.subscriptions({ ...filter, communities: scopeOf(a) });
    },
    async planPeriodicalRound(round, actor) {
      const a = withRoles(actor, PLANNER_ROLES);
      const p = title(round?.title, ["round", "title"]);
      const due = parseOrThrow(IsoDateSchema, round.due, ["round", "due"]);
      const year = typeof round.issue === "string" ? Number(round.issue.slice(0, 4)) : Number.NaN;
      const issue =
        year >= 2000 && year <= 2100 ? periodicalIssues(p, year).find((i) => i.issue === round.issue) : undefined;
      if (issue === undefined) throw new ElderflowError("UNKNOWN_ISSUE", { path: ["round", "issue"] });
      const subs = await store.subscriptions({
        title: p.id,
        year: Number(issue.issue.slice(0, 4)),
        communities: scopeOf(a),
      });
      return plan(`periodical/${p.id}/${issue.issue}`, "periodical", p.id, issue.issue, due, subs, a);
    },
    async planStudyRound(round, actor) {
      const a = withRoles(actor, PLANNER_ROLES);
      const session = parseOrThrow(IsoDateSchema, round?.session, ["round", "session"]);
      const due = parseOrThrow(IsoDateSchema, round.due, ["round", "due"]);
      const recipients = parseRecipients(round.recipients, ["round", "recipients"]);
      for (const [i, r] of recipients.entries())
        if (!actorReaches(a, r.communityId))
          throw new ElderflowError("WRONG_COMMUNITY", { path: ["round", "recipients", i, "communityId"] });
      return plan(`study/${session}`, "study_materials", STUDY_TITLE, session, due, recipients, a);
    },
    async record(outcomes, actor) {
      const a = withRoles(actor, CARRIER_ROLES);
      const parsed: { index: number; o: DeliveryOutcome }[] = [];
      const results: DeliveryResult[] = [];
      for (const [index, raw] of batch(outcomes, ["outcomes"]).entries()) {
        try {
          parsed.push({ index, o: parseOutcome(raw, ["outcomes", index]) });
        } catch (error) {
          results.push(refusal(index, error));
        }
      }
      const at = clock.now();
      const done = await store.update(
        parsed.map((p) => p.o.itemId),
        (items) => {
          const current = new Map(items);
          const out: DeliveryResult[] = [];
          const touched = new Set<string>();
          for (const { index, o } of parsed) {
            try {
              const item = current.get(o.itemId);
              if (item === undefined)
                throw new ElderflowError("UNKNOWN_DELIVERY", { path: ["outcomes", index, "itemId"] });
              const next = applyOutcome(item, o, a, at);
              if (next !== null) {
                current.set(item.id, next);
                touched.add(item.id);
              }
              out.push({ index, id: item.id, ok: true, changed: next !== null });
            } catch (error) {
              out.push(refusal(index, error));
            }
          }
          return { save: [...touched].map((id) => current.get(id) as DeliveryItem), result: out };
        },
      );
      return [...results, ...done].sort((x, y) => x.index - y.index);
    },
    async items(actor, filter = {}) {
      const a = parseOrThrow(Actor, actor, ["actor"]);
      const range = filter.month === undefined ? {} : monthRange(month(filter.month, ["filter", "month"]));
      return store.items({
        ...range,
        ...(filter.roundId === undefined
          ? {}
          : { roundId: parseOrThrow(KeySchema, filter.roundId, ["filter", "roundId"]) }),
        ...(filter.status === undefined
          ? {}
          : {
              status: oneOf(["due", "delivered", "missed", "cancelled"] as const, filter.status, ["filter", "status"]),
            }),
        communities: scopeOf(a),
      });
    },
    async completeness(m, actor) {
      const a = parseOrThrow(Actor, actor, ["actor"]);
      const { from, to } = monthRange(month(m, ["month"]));
      const rows = new Map<
        string,
        { communityId: string; due: number; delivered: number; missed: number; outstanding: number }
      >();
      for (const t of await store.tally(from, to, scopeOf(a))) {
        if (t.status === "cancelled") continue;
        const row = rows.get(t.communityId) ?? {
          communityId: t.communityId,
          due: 0,
          delivered: 0,
          missed: 0,
          outstanding: 0,
        };
        row.due += t.n;
        if (t.status === "delivered") row.delivered += t.n;
        else if (t.status === "missed") row.missed += t.n;
        else row.outstanding += t.n;
        rows.set(t.communityId, row);
      }
      return [...rows.values()].sort((x, y) => (x.communityId < y.communityId ? -1 : 1));
    },
    async cancelFor(personId, from, actor) {
      const id = parseOrThrow(IdSchema, personId, ["personId"]);
      const day = parseOrThrow(IsoDateSchema, from, ["from"]);
      const a = withRoles(actor, CARRIER_ROLES);
      const open = (await store.items({ from: day, communities: scopeOf(a) })).filter(
        (i) => i.personId === id && (i.status === "due" || i.status === "missed"),
      );
      if (open.length === 0) return [];
      const at = clock.now();
      return store.update(
        open.map((i) => i.id),
        (current) => {
          const save: DeliveryItem[] = [];
          for (const item of current.values()) {
            if (item.status !== "due" && item.status !== "missed") continue;
            const step: DeliveryStep = { status: "cancelled", by: a.id, at, reason: "person_left" };
            save.push({ ...item, status: "cancelled", history: [...item.history, step] });
          }
          return { save, result: save.map((i) => i.id).sort() };
        },
      );
    },
    async forget(personId, actor) {
      const id = parseOrThrow(IdSchema, personId, ["personId"]);
      const a = parseOrThrow(Actor, actor, ["actor"]);
      if (!a.roles.includes("admin") && !isDistrictActor(a))
        throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
      return store.forget(id);
    },
  };
}

function monthRange(month: string): { from: IsoDate; to: IsoDate } {
  const from = `${month}-01`;
  const [y, m] = month.split("-").map(Number) as [number, number];
  return { from, to: addDays(m === 12 ? formatIsoDate(y + 1, 1, 1) : formatIsoDate(y, m + 1, 1), -1) };
}

const inScope = (communities: readonly string[] | null, communityId: string) =>
  communities === null || communities.includes(communityId);
const byDueThenId = (a: DeliveryItem, b: DeliveryItem) =>
  a.due < b.due ? -1 : a.due > b.due ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * Deliveries in memory (tests, the browser, short-lived tools).
 *
 * @example
 * ```ts
 * const deliveries = createDeliveries({ store: memoryDeliveryStore(), clock: systemClock() });
 * ```
 */
export function memoryDeliveryStore(): DeliveryStore {
  const subs = new Map<string, Subscription>();
  const items = new Map<string, DeliveryItem>();
  return {
    async addSubscriptions(list) {
      const added = new Set<string>();
      for (const s of list)
        if (!subs.has(s.id)) {
          subs.set(s.id, s);
          added.add(s.id);
        }
      return added;
    },
    async subscriptions(f) {
      return [...subs.values()]
        .filter(
          (s) =>
            (f.title === undefined || s.title === f.title) &&
            (f.year === undefined || s.year === f.year) &&
            inScope(f.communities, s.communityId),
        )
        .sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async addItems(list) {
      const added: string[] = [];
      for (const i of list)
        if (!items.has(i.id)) {
          items.set(i.id, i);
          added.push(i.id);
        }
      return added;
    },
    async update(ids, change) {
      const loaded = new Map<string, DeliveryItem>();
      for (const id of ids) {
        const i = items.get(id);
        if (i !== undefined) loaded.set(id, i);
      }
      const { save, result } = change(loaded);
      for (const i of save) items.set(i.id, i);
      return result;
    },
    async items(f) {
      return [...items.values()]
        .filter(
          (i) =>
            (f.from === undefined || i.due >= f.from) &&
            (f.to === undefined || i.due <= f.to) &&
            (f.roundId === undefined || i.roundId === f.roundId) &&
            (f.status === undefined || i.status === f.status) &&
            inScope(f.communities, i.communityId),
        )
        .sort(byDueThenId);
    },
    async tally(from, to, communities) {
      const counts = new Map<string, { communityId: string; status: DeliveryStatus; n: number }>();
      for (const i of items.values()) {
        if (i.due < from || i.due > to || !inScope(communities, i.communityId)) continue;
        const key = `${i.communityId}\u0000${i.status}`;
        const c = counts.get(key) ?? { communityId: i.communityId, status: i.status, n: 0 };
        c.n++;
        counts.set(key, c);
      }
      return [...counts.values()];
    },
    async forget(personId) {
      let n = 0;
      for (const [id, s] of subs)
        if (s.personId === personId) {
          subs.delete(id);
          n++;
        }
      for (const [id, i] of items)
        if (i.personId === personId) {
          items.delete(id);
          n++;
        }
      return n;
    },
  };
}

const MIGRATIONS = [
  {
    version: 1,
    name: "subscriptions and deliveries",
    sql: `create table if not exists elderflow_subscriptions (
      id text primary key, person_id text not null, community_id text not null, title text not null,
      year integer not null, created_by text not null, created_at double precision not null);
    create index if not exists elderflow_subscriptions_title_year on elderflow_subscriptions (title, year);
    create table if not exists elderflow_deliveries (
      id text primary key, round_id text not null, kind text not null, title text not null, issue text not null,
      person_id text not null, community_id text not null, due date not null, status text not null,
      history jsonb not null);
    create index if not exists elderflow_deliveries_due on elderflow_deliveries (due, community_id);
    create index if not exists elderflow_deliveries_person on elderflow_deliveries (person_id);`,
  },
];

const ITEM_COLUMNS = `id, round_id, kind, title, issue, person_id, community_id, to_char(due, 'YYYY-MM-DD') as due,
  status, history`;

function toItem(r: Record<string, unknown>): DeliveryItem {
  return {
    id: String(r.id),
    roundId: String(r.round_id),
    kind: r.kind as DeliveryItem["kind"],
    title: String(r.title),
    issue: String(r.issue),
    personId: String(r.person_id),
    communityId: String(r.community_id),
    due: String(r.due),
    status: r.status as DeliveryStatus,
    history: r.history as DeliveryStep[],
  };
}

function toSubscription(r: Record<string, unknown>): Subscription {
  return {
    id: String(r.id),
    personId: String(r.person_id),
    communityId: String(r.community_id),
    title: String(r.title),
    year: Number(r.year),
    by: String(r.created_by),
    at: Number(r.created_at),
  };
}

const CHUNK = 1000;

async function saveItems(tx: SqlQueryable, list: readonly DeliveryItem[]): Promise<void> {
  for (let i = 0; i < list.length; i += CHUNK)
    await tx.query(
      `update elderflow_deliveries d set status = u.status, history = u.history
       from jsonb_to_recordset($1::jsonb) as u(id text, status text, history jsonb) where d.id = u.id`,
      [JSON.stringify(list.slice(i, i + CHUNK).map((x) => ({ id: x.id, status: x.status, history: x.history })))],
    );
}

/**
 * Deliveries in the `elderflow_subscriptions` and `elderflow_deliveries` tables of a PGlite,
 * PostgreSQL or MySQL-family (MySQL 8, MariaDB 10.6+) database (migrations in the `deliveries`
 * namespace of `elderflow_migrations`; on MySQL a twin of the schema, picked by `sql.dialect`). Batches go in a few statements, never one round trip per item. Several
 * processes may share one database: an id is added once (only one caller is told it was new),
 * and outcomes on one item are serialised by a row lock, so no step of its history is lost.
 *
 * @example
 * ```ts
 * const store = await sqlDeliveryStore(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlDeliveryStore(sql: SqlClient): Promise<DeliveryStore> {
  if (sql.dialect === "mysql") return mysqlDeliveryStore(sql);
  await runMigrations(sql, "deliveries", MIGRATIONS);
  const scope = (c: readonly string[] | null) => (c === null ? null : JSON.stringify(c));
  return {
    async addSubscriptions(list) {
      const added = new Set<string>();
      if (list.length === 0) return added;
      await sql.transaction(async (tx) => {
        for (let i = 0; i < list.length; i += CHUNK) {
          const r = await tx.query<{ id: string }>(
            `insert into elderflow_subscriptions (id, person_id, community_id, title, year, created_by, created_at)
             select * from jsonb_to_recordset($1::jsonb) as s(id text, person_id text, community_id text, title text,
               year integer, created_by text, created_at double precision)
             on conflict (id) do nothing returning id`,
            [
              JSON.stringify(
                list.slice(i, i + CHUNK).map((s) => ({
                  id: s.id,
                  person_id: s.personId,
                  community_id: s.communityId,
                  title: s.title,
                  year: s.year,
                  created_by: s.by,
                  created_at: s.at,
                })),
              ),
            ],
          );
          for (const row of r.rows) added.add(row.id);
        }
      });
      return added;
    },
    async subscriptions(f) {
      const r = await sql.query<Record<string, unknown>>(
        `select * from elderflow_subscriptions
         where ($1::text is null or title = $1) and ($2::integer is null or year = $2)
           and ($3::jsonb is null or $3::jsonb ? community_id)
         order by id`,
        [f.title ?? null, f.year ?? null, scope(f.communities)],
      );
      // Ordered in code too: the database's collation may order text otherwise than every other store.
      return r.rows.map(toSubscription).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async addItems(list) {
      if (list.length === 0) return [];
      const added = await sql.transaction(async (tx) => {
        const ids = new Set<string>();
        for (let i = 0; i < list.length; i += CHUNK) {
          const r = await tx.query<{ id: string }>(
            `insert into elderflow_deliveries (id, round_id, kind, title, issue, person_id, community_id, due, status, history)
             select * from jsonb_to_recordset($1::jsonb) as d(id text, round_id text, kind text, title text, issue text,
               person_id text, community_id text, due date, status text, history jsonb)
             on conflict (id) do nothing returning id`,
            [
              JSON.stringify(
                list.slice(i, i + CHUNK).map((d) => ({
                  id: d.id,
                  round_id: d.roundId,
                  kind: d.kind,
                  title: d.title,
                  issue: d.issue,
                  person_id: d.personId,
                  community_id: d.communityId,
                  due: d.due,
                  status: d.status,
                  history: d.history,
                })),
              ),
            ],
          );
          for (const row of r.rows) ids.add(row.id);
        }
        return ids;
      });
      // In the order given, whatever order the database returned them in.
      return list.filter((d) => added.has(d.id)).map((d) => d.id);
    },
    async update(ids, change) {
      return sql.transaction(async (tx) => {
        const loaded = new Map<string, DeliveryItem>();
        const unique = [...new Set(ids)];
        for (let i = 0; i < unique.length; i += CHUNK) {
          const r = await tx.query<Record<string, unknown>>(
            `select ${ITEM_COLUMNS} from elderflow_deliveries where id = any($1::text[]) order by id for update`,
            [unique.slice(i, i + CHUNK)],
          );
          for (const row of r.rows) loaded.set(String(row.id), toItem(row));
        }
        const { save, result } = change(loaded);
        await saveItems(tx, save);
        return result;
      });
    },
    async items(f) {
      const r = await sql.query<Record<string, unknown>>(
        `select ${ITEM_COLUMNS} from elderflow_deliveries
         where ($1::date is null or due >= $1::date) and ($2::date is null or due <= $2::date)
           and ($3::text is null or round_id = $3) and ($4::text is null or status = $4)
           and ($5::jsonb is null or $5::jsonb ? community_id)
         order by due, id`,
        [f.from ?? null, f.to ?? null, f.roundId ?? null, f.status ?? null, scope(f.communities)],
      );
      return r.rows.map(toItem).sort(byDueThenId);
    },
    async tally(from, to, communities) {
      const r = await sql.query<{ community_id: string; status: DeliveryStatus; n: string | number }>(
        `select community_id, status, count(*) as n from elderflow_deliveries
         where due >= $1::date and due <= $2::date and ($3::jsonb is null or $3::jsonb ? community_id)
         group by community_id, status`,
        [from, to, scope(communities)],
      );
      return r.rows.map((row) => ({ communityId: row.community_id, status: row.status, n: Number(row.n) }));
    },
    async forget(personId) {
      return sql.transaction(async (tx) => {
        const a = await tx.query("delete from elderflow_subscriptions where person_id = $1 returning id", [personId]);
        const b = await tx.query("delete from elderflow_deliveries where person_id = $1 returning id", [personId]);
        return a.rows.length + b.rows.length;
      });
    },
  };
}

/**
 * The deliveries schema on the MySQL family: the same version and meaning as `MIGRATIONS` under
 * the same namespace, statement by statement. Where it differs: keys and ids are
 * `varbinary(800)` (compared byte for byte; `utf8mb4_bin` ignores trailing spaces), other text is
 * a bounded `varchar`, `jsonb` history is `longtext` holding JSON, `double precision` is `double`,
 * and the indexes are declared inside `create table if not exists` (MySQL 8 has no `create index
 * if not exists`), so every statement may run again, as MySQL commits DDL one statement at a time.
 */
const MYSQL_V1 = [
  `create table if not exists elderflow_subscriptions (
  id varbinary(800) primary key, person_id varbinary(800) not null, community_id varbinary(800) not null,
  title varbinary(800) not null, year integer not null, created_by varchar(${MYSQL_KEY_WIDTH}) not null,
  created_at double not null,
  index elderflow_subscriptions_title_year (title, year)) ${MYSQL_TABLE}`,
  `create table if not exists elderflow_deliveries (
  id varbinary(800) primary key, round_id varbinary(800) not null, kind varchar(32) not null,
  title varbinary(800) not null, issue varchar(${MYSQL_KEY_WIDTH}) not null, person_id varbinary(800) not null,
  community_id varbinary(800) not null, due date not null, status varchar(16) not null,
  history longtext not null,
  index elderflow_deliveries_due (due, community_id),
  index elderflow_deliveries_person (person_id)) ${MYSQL_TABLE}`,
];
const MYSQL_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "subscriptions and deliveries", statements: MYSQL_V1, sql: MYSQL_V1.join(";\n") },
];

/** `to_char(due, 'YYYY-MM-DD')` becomes `date_format`. */
const MYSQL_ITEM_COLUMNS = `id, round_id, kind, title, issue, person_id, community_id,
  date_format(due, '%Y-%m-%d') as due, status, history`;

/** Rows per multi-row MySQL statement (PostgreSQL sends one JSON array to `jsonb_to_recordset`). */
const MYSQL_ROWS = 500;

function toMysqlItem(r: Record<string, unknown>): DeliveryItem {
  return {
    id: mysqlText(r.id),
    roundId: mysqlText(r.round_id),
    kind: String(r.kind) as DeliveryItem["kind"],
    title: mysqlText(r.title),
    issue: String(r.issue),
    personId: mysqlText(r.person_id),
    communityId: mysqlText(r.community_id),
    due: String(r.due),
    status: String(r.status) as DeliveryStatus,
    history: JSON.parse(String(r.history)) as DeliveryStep[],
  };
}

function toMysqlSubscription(r: Record<string, unknown>): Subscription {
  return {
    id: mysqlText(r.id),
    personId: mysqlText(r.person_id),
    communityId: mysqlText(r.community_id),
    title: mysqlText(r.title),
    year: Number(r.year),
    by: String(r.created_by),
    at: Number(r.created_at),
  };
}

/** The rows of a list, the first of each id only, in id order (one lock order for every writer). */
function firstById<T extends { readonly id: string }>(list: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of list) if (!seen.has(x.id)) seen.set(x.id, x);
  return [...seen.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `insert … on conflict (id) do nothing returning id` on MySQL, which has no `returning`: in one
 * repeatable-read transaction, the ids present before (the read that fixes the snapshot), then
 * `insert ignore`, then the ids present after. A row another writer committed meanwhile is skipped
 * by the insert and stays outside the snapshot, so "after minus before" is exactly what this call
 * added, as with `returning`.
 */
async function insertNew(
  tx: SqlQueryable,
  table: string,
  columns: readonly string[],
  rows: readonly { readonly id: string; readonly values: readonly unknown[] }[],
): Promise<Set<string>> {
  const added = new Set<string>();
  const ids = rows.map((r) => r.id);
  const present = async () => {
    const params: unknown[] = [];
    const r = await tx.query<{ id: unknown }>(
      `select id from ${table} where id in (${placeholders(params, ids)})`,
      params,
    );
    return new Set(r.rows.map((row) => mysqlText(row.id)));
  };
  const before = await present();
  const fresh = rows.filter((r) => !before.has(r.id));
  if (fresh.length === 0) return added;
  const params: unknown[] = [];
  const tuples = fresh.map((r) => `(${placeholders(params, r.values)})`).join(", ");
  const inserted = await tx.query(`insert ignore into ${table} (${columns.join(", ")}) values ${tuples}`, params);
  if (inserted.rowCount === 0) return added;
  for (const id of await present()) if (!before.has(id)) added.add(id);
  return added;
}

/** The writers' transactions: a repeatable-read snapshot, run again after a deadlock between inserters. */
const INSERT_TX = { isolation: "repeatable read", retries: 3 } as const;

async function mysqlDeliveryStore(sql: SqlClient): Promise<DeliveryStore> {
  await runMigrations(sql, "deliveries", MYSQL_MIGRATIONS);
  /** `$n::jsonb ? community_id` becomes an `in` list; null is every community. */
  const inScope = (params: unknown[], communities: readonly string[] | null) =>
    communities === null ? "" : ` and community_id in (${placeholders(params, communities)})`;
  return {
    async addSubscriptions(list) {
      const added = new Set<string>();
      if (list.length === 0) return added;
      for (const [i, s] of list.entries()) {
        assertFitsColumn(s.id, MYSQL_KEY_WIDTH, ["subscriptions", i, "id"]);
        assertFitsColumn(s.personId, MYSQL_KEY_WIDTH, ["subscriptions", i, "personId"]);
        assertFitsColumn(s.communityId, MYSQL_KEY_WIDTH, ["subscriptions", i, "communityId"]);
        assertFitsColumn(s.title, MYSQL_KEY_WIDTH, ["subscriptions", i, "title"]);
        assertFitsColumn(s.by, MYSQL_KEY_WIDTH, ["subscriptions", i, "by"]);
      }
      const rows = firstById(list);
      await sql.transaction(async (tx) => {
        added.clear();
        for (let i = 0; i < rows.length; i += MYSQL_ROWS) {
          const chunk = rows.slice(i, i + MYSQL_ROWS).map((s) => ({
            id: s.id,
            values: [s.id, s.personId, s.communityId, s.title, s.year, s.by, s.at],
          }));
          const ids = await insertNew(
            tx,
            "elderflow_subscriptions",
            ["id", "person_id", "community_id", "title", "year", "created_by", "created_at"],
            chunk,
          );
          for (const id of ids) added.add(id);
        }
      }, INSERT_TX);
      return added;
    },
    async subscriptions(f) {
      if (f.communities !== null && f.communities.length === 0) return [];
      const params: unknown[] = [];
      let where = "1 = 1";
      if (f.title !== undefined) where += ` and title = ${placeholders(params, [f.title])}`;
      if (f.year !== undefined) where += ` and year = ${placeholders(params, [f.year])}`;
      where += inScope(params, f.communities);
      const r = await sql.query<Record<string, unknown>>(
        `select id, person_id, community_id, title, year, created_by, created_at from elderflow_subscriptions
         where ${where} order by id`,
        params,
      );
      return r.rows.map(toMysqlSubscription).sort((a, b) => (a.id < b.id ? -1 : 1));
    },
    async addItems(list) {
      if (list.length === 0) return [];
      for (const [i, d] of list.entries()) {
        assertFitsColumn(d.id, MYSQL_KEY_WIDTH, ["items", i, "id"]);
        assertFitsColumn(d.roundId, MYSQL_KEY_WIDTH, ["items", i, "roundId"]);
        assertFitsColumn(d.title, MYSQL_KEY_WIDTH, ["items", i, "title"]);
        assertFitsColumn(d.issue, MYSQL_KEY_WIDTH, ["items", i, "issue"]);
        assertFitsColumn(d.personId, MYSQL_KEY_WIDTH, ["items", i, "personId"]);
        assertFitsColumn(d.communityId, MYSQL_KEY_WIDTH, ["items", i, "communityId"]);
      }
      const rows = firstById(list);
      const added = await sql.transaction(async (tx) => {
        const ids = new Set<string>();
        for (let i = 0; i < rows.length; i += MYSQL_ROWS) {
          const chunk = rows.slice(i, i + MYSQL_ROWS).map((d) => ({
            id: d.id,
            values: [
              d.id,
              d.roundId,
              d.kind,
              d.title,
              d.issue,
              d.personId,
              d.communityId,
              d.due,
              d.status,
              JSON.stringify(d.history),
            ],
          }));
          const got = await insertNew(
            tx,
            "elderflow_deliveries",
            ["id", "round_id", "kind", "title", "issue", "person_id", "community_id", "due", "status", "history"],
            chunk,
          );
          for (const id of got) ids.add(id);
        }
        return ids;
      }, INSERT_TX);
      // In the order given, as on PostgreSQL.
      return list.filter((d) => added.has(d.id)).map((d) => d.id);
    },
    async update(ids, change) {
      return sql.transaction(async (tx) => {
        const loaded = new Map<string, DeliveryItem>();
        const unique = [...new Set(ids)];
        for (let i = 0; i < unique.length; i += MYSQL_ROWS) {
          const params: unknown[] = [];
          // The same row locks as on PostgreSQL, taken in id order.
          const r = await tx.query<Record<string, unknown>>(
            `select ${MYSQL_ITEM_COLUMNS} from elderflow_deliveries
             where id in (${placeholders(params, unique.slice(i, i + MYSQL_ROWS))}) order by id for update`,
            params,
          );
          for (const row of r.rows) {
            const item = toMysqlItem(row);
            loaded.set(item.id, item);
          }
        }
        const { save, result } = change(loaded);
        await saveMysqlItems(tx, save);
        return result;
      });
    },
    async items(f) {
      if (f.communities !== null && f.communities.length === 0) return [];
      const params: unknown[] = [];
      let where = "1 = 1";
      if (f.from !== undefined) where += ` and due >= ${placeholders(params, [f.from])}`;
      if (f.to !== undefined) where += ` and due <= ${placeholders(params, [f.to])}`;
      if (f.roundId !== undefined) where += ` and round_id = ${placeholders(params, [f.roundId])}`;
      if (f.status !== undefined) where += ` and status = ${placeholders(params, [f.status])}`;
      where += inScope(params, f.communities);
      const r = await sql.query<Record<string, unknown>>(
        `select ${MYSQL_ITEM_COLUMNS} from elderflow_deliveries where ${where} order by due, id`,
        params,
      );
      return r.rows.map(toMysqlItem).sort(byDueThenId);
    },
    async tally(from, to, communities) {
      if (communities !== null && communities.length === 0) return [];
      const params: unknown[] = [from, to];
      const r = await sql.query<{ community_id: unknown; status: string; n: string | number }>(
        `select community_id, status, count(*) as n from elderflow_deliveries
         where due >= $1 and due <= $2${inScope(params, communities)}
         group by community_id, status`,
        params,
      );
      return r.rows.map((row) => ({
        communityId: mysqlText(row.community_id),
        status: row.status as DeliveryStatus,
        n: Number(row.n),
      }));
    },
    async forget(personId) {
      // `delete … returning id` counted its rows; MySQL reports the rows a delete affected.
      return sql.transaction(async (tx) => {
        const a = await tx.query("delete from elderflow_subscriptions where person_id = $1", [personId]);
        const b = await tx.query("delete from elderflow_deliveries where person_id = $1", [personId]);
        return (a.rowCount ?? 0) + (b.rowCount ?? 0);
      });
    },
  };
}

/**
 * `update … from jsonb_to_recordset($1)` on MySQL: a multi-table update joined to the new values
 * as a derived table of `select … union all select …` (portable to MySQL 8 and MariaDB, which
 * spell row constructors differently). As on PostgreSQL, an id that is not there changes nothing.
 */
async function saveMysqlItems(tx: SqlQueryable, list: readonly DeliveryItem[]): Promise<void> {
  for (let i = 0; i < list.length; i += MYSQL_ROWS) {
    const params: unknown[] = [];
    const rows = list.slice(i, i + MYSQL_ROWS).map((x, k) => {
      const [id, status, history] = [x.id, x.status, JSON.stringify(x.history)].map((v) => placeholders(params, [v]));
      return k === 0
        ? `select ${id} as id, ${status} as status, ${history} as history`
        : `select ${id}, ${status}, ${history}`;
    });
    await tx.query(
      `update elderflow_deliveries d join (${rows.join(" union all ")}) u on d.id = u.id
       set d.status = u.status, d.history = u.history`,
      params,
    );
  }
}
