/**
 * The needs register (需求登记): residents' needs as the community's information officers (小组长、
 * 楼道长) record them, "登记造册", for matching with volunteers. A need names the person, the service
 * and skills it asks, its urgency and who recorded it when; it is open, then matched to a
 * volunteer, then closed (a match may be released back to open).
 */
import {
  Actor,
  type ActorInput,
  type ActorRole,
  Availability,
  actorReaches,
  type Clock,
  canonicalJson,
  ElderflowError,
  type ElderflowErrorJSON,
  FreeTextSchema,
  fromZodError,
  IdSchema,
  IsoDateSchema,
  isElderflowError,
  isUniqueViolation,
  type Migration,
  parseOrThrow,
  runMigrations,
  ServiceKind,
  type SqlClient,
  today,
} from "@elderflow/core";
import { z } from "zod";

/**
 * How soon a need should be met.
 *
 * @example
 * ```ts
 * NEED_URGENCIES.includes("urgent"); // true
 * ```
 */
export const NEED_URGENCIES = ["low", "normal", "high", "urgent"] as const;
/** How soon a need should be met. */
export type NeedUrgency = (typeof NEED_URGENCIES)[number];

/**
 * The life of a need: open → matched (a volunteer takes it) → closed; matched → open when the
 * match is released (the volunteer withdrew, or their certificate lapsed).
 *
 * @example
 * ```ts
 * NEED_STATUSES.includes("matched"); // true
 * ```
 */
export const NEED_STATUSES = ["open", "matched", "closed"] as const;
/** A status from {@link NEED_STATUSES}. */
export type NeedStatus = (typeof NEED_STATUSES)[number];

/**
 * Why a need was closed: met, withdrawn by the person, the person left (died, moved, transferred),
 * a duplicate, or another reason.
 *
 * @example
 * ```ts
 * NEED_CLOSE_REASONS.includes("met"); // true
 * ```
 */
export const NEED_CLOSE_REASONS = ["met", "withdrawn", "person_left", "duplicate", "other"] as const;
/** A reason from {@link NEED_CLOSE_REASONS}. */
export type NeedCloseReason = (typeof NEED_CLOSE_REASONS)[number];

/**
 * A need as an information officer records it. `note` is free text (it may name anyone): kept for
 * those who may record needs, never in listings.
 *
 * @example
 * ```ts
 * NeedInput.parse({ id: "n1", personId: "p1", communityId: "c1", serviceKind: "medical_care",
 *   urgency: "high", recordedOn: "2027-03-01" });
 * ```
 */
export const NeedInput = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** The person in need (a person of the register). */
  personId: IdSchema,
  /** The person's community: whose staff may record and see the need. */
  communityId: IdSchema,
  /** The service asked for. */
  serviceKind: ServiceKind,
  /** Further skills asked (特长), beyond the service kind. */
  skills: z.array(ServiceKind).max(15).default([]),
  /** A certificate level for the service kind the need asks itself (持证上岗), beyond the policy's. */
  level: z.int().min(1).max(5).optional(),
  /** How soon (default normal). */
  urgency: z.enum(NEED_URGENCIES).default("normal"),
  /** When it should be met (absent: any time). */
  slots: z.array(Availability).max(21).optional(),
  /** The day the officer recorded it (not after today). */
  recordedOn: IsoDateSchema,
  /** Free text (may name anyone). */
  note: FreeTextSchema.optional(),
});
/** A need as recorded. */
export type NeedInput = z.input<typeof NeedInput>;

/** One step in a need's life. */
export interface NeedTransition {
  /** The status before (null when recorded). */
  readonly from: NeedStatus | null;
  /** The status after. */
  readonly to: NeedStatus;
  /** Who (the actor's id). */
  readonly by: string;
  /** When, an ISO instant from the register's clock. */
  readonly at: string;
  /** The volunteer matched (on a match). */
  readonly volunteerId?: string;
  /** Why closed (on a close). */
  readonly reason?: NeedCloseReason;
}

/** A need in the register. */
export interface Need extends Omit<z.output<typeof NeedInput>, "note"> {
  /** Free text, only for those who may record needs. */
  readonly note?: string;
  /** Who recorded it: the information officer's actor id. */
  readonly recordedBy: string;
  /** Where it stands. */
  readonly status: NeedStatus;
  /** The volunteer it is matched to (null unless matched). */
  readonly volunteerId: string | null;
  /** Every step, oldest first. */
  readonly history: readonly NeedTransition[];
  /** Bumped by every change (optimistic concurrency in the stores). */
  readonly version: number;
}

/** The outcome of one recorded need: the need, or its typed refusal; never both. */
export type NeedOutcome =
  | { readonly ok: true; readonly index: number; readonly need: Need }
  | { readonly ok: false; readonly index: number; readonly error: ElderflowErrorJSON };

/**
 * Roles that may record needs and change them, in the communities they reach: community staff and
 * the officers of the community (小组长 as team leader, 楼道长 and the party secretary), admins, and
 * the district's bodies.
 *
 * @example
 * ```ts
 * NEED_WRITE_ROLES.includes("community_staff"); // true
 * ```
 */
export const NEED_WRITE_ROLES: readonly ActorRole[] = [
  "community_staff",
  "team_leader",
  "party_secretary",
  "admin",
  "bureau",
  "system",
];

/** Which needs {@link NeedsRegister.list} returns. */
export interface NeedQuery {
  /** Only this status. */
  readonly status?: NeedStatus;
  /** Only this community. */
  readonly communityId?: string;
  /** Only this person's. */
  readonly personId?: string;
}

/** The small interface the needs register keeps its rows behind (memory, PGlite, PostgreSQL). */
export interface NeedsStore {
  /** Adds a need; false when its id is taken. */
  insert(need: Need): Promise<boolean>;
  /** Replaces a need if its stored version is `expected`; false otherwise. */
  update(need: Need, expected: number): Promise<boolean>;
  /** One need by id. */
  get(id: string): Promise<Need | undefined>;
  /** Needs of these communities (null: all), by the filter. */
  list(communities: readonly string[] | null, query: NeedQuery): Promise<Need[]>;
  /** Releases the store. */
  close(): Promise<void>;
}

/**
 * The needs register. Writes need a role of {@link NEED_WRITE_ROLES} reaching the need's
 * community; reads show only the communities the actor reaches, and notes only to writers.
 */
export interface NeedsRegister {
  /**
   * Records needs, each on its own: one bad item is refused with a typed error and never fails
   * the others. Throws only for a bad actor, one without a writing role, or a batch that is not an
   * array of at most {@link MAX_NEEDS_BATCH} items.
   *
   * @example
   * ```ts
   * const [o] = await needs.record([{ id: "n1", personId: "p1", communityId: "c1",
   *   serviceKind: "medical_care", urgency: "high", recordedOn: "2027-03-01" }], officer);
   * ```
   */
  record(needs: readonly unknown[], actor: ActorInput): Promise<NeedOutcome[]>;
  /**
   * Matches an open need to a volunteer (`NEED_STATUS` unless open).
   *
   * @example
   * ```ts
   * await needs.match("n1", "v1", officer);
   * ```
   */
  match(needId: string, volunteerId: string, actor: ActorInput): Promise<Need>;
  /**
   * Releases a matched need back to open (`NEED_STATUS` unless matched).
   *
   * @example
   * ```ts
   * await needs.release("n1", officer);
   * ```
   */
  release(needId: string, actor: ActorInput): Promise<Need>;
  /**
   * Closes an open or matched need with a reason (`NEED_STATUS` if already closed).
   *
   * @example
   * ```ts
   * await needs.close("n1", "met", officer);
   * ```
   */
  close(needId: string, reason: NeedCloseReason, actor: ActorInput): Promise<Need>;
  /**
   * One need, or undefined when unknown or out of reach.
   *
   * @example
   * ```ts
   * (await needs.get("n1", officer))?.status;
   * ```
   */
  get(needId: string, actor: ActorInput): Promise<Need | undefined>;
  /**
   * Needs in reach, most urgent first, then oldest, then by id; without notes.
   *
   * @example
   * ```ts
   * const open = await needs.list(officer, { status: "open" });
   * ```
   */
  list(actor: ActorInput, query?: NeedQuery): Promise<Need[]>;
  /** Closes the store. */
  shutdown(): Promise<void>;
}

/** Most needs one `record` call takes. */
export const MAX_NEEDS_BATCH = 5_000;

const NEED_LIMITS = { maxDepth: 6, maxNodes: 500, maxString: 2_000 } as const;
const URGENCY_ORDER: Readonly<Record<NeedUrgency, number>> = { urgent: 0, high: 1, normal: 2, low: 3 };

function parseActor(input: ActorInput): Actor {
  return parseOrThrow(Actor, input, ["actor"]);
}

function isWriter(actor: Actor): boolean {
  return actor.roles.some((r) => NEED_WRITE_ROLES.includes(r));
}

function withoutNote(need: Need): Need {
  const { note: _note, ...rest } = need;
  return rest;
}

/** Options of {@link createNeedsRegister}. */
export interface NeedsRegisterOptions {
  /** Where needs are kept. */
  readonly store: NeedsStore;
  /** Today and the instants of changes. */
  readonly clock: Clock;
}

/**
 * Creates a needs register over a store.
 *
 * @example
 * ```ts
 * const needs = createNeedsRegister({ store: memoryNeedsStore(), clock: systemClock() });
 * ```
 */
export function createNeedsRegister(options: NeedsRegisterOptions): NeedsRegister {
  const { store, clock } = options;
  const writer = (input: ActorInput): Actor => {
    const a = parseActor(input);
    if (!isWriter(a)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
    return a;
  };
  const now = () => new Date(clock.now()).toISOString();

  const change = async (
    needId: string,
    actorInput: ActorInput,
    from: readonly NeedStatus[],
    apply: (need: Need, actor: Actor) => Need,
  ): Promise<Need> => {
    const actor = writer(actorInput);
    parseOrThrow(IdSchema, needId, ["needId"]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const need = await store.get(needId);
      if (need === undefined || !actorReaches(actor, need.communityId))
        throw new ElderflowError("UNKNOWN_NEED", { path: ["needId"] });
      if (!from.includes(need.status))
        throw new ElderflowError("NEED_STATUS", { path: ["needId"], params: { status: need.status } });
      const next = { ...apply(need, actor), version: need.version + 1 };
      if (await store.update(next, need.version)) return next;
    }
    throw new ElderflowError("CONCURRENT_UPDATE", { params: { expected: "latest", actual: "changed" } });
  };

  const step = (need: Need, t: Omit<NeedTransition, "from" | "at">): NeedTransition[] => [
    ...need.history,
    { from: need.status, at: now(), ...t },
  ];

  return {
    async record(needs, actorInput) {
      const actor = writer(actorInput);
      if (!Array.isArray(needs)) throw new ElderflowError("INVALID_TYPE", { params: { expected: "array" } });
      if (needs.length > MAX_NEEDS_BATCH)
        throw new ElderflowError("TOO_MANY_ITEMS", { params: { maximum: MAX_NEEDS_BATCH } });
      const day = today(clock);
      const out: NeedOutcome[] = [];
      for (const [index, raw] of needs.entries()) {
        try {
          canonicalJson(raw, NEED_LIMITS);
          const r = NeedInput.safeParse(raw, { reportInput: true });
          if (!r.success) throw fromZodError(r.error);
          const { note, ...input } = r.data;
          if (!actorReaches(actor, input.communityId))
            throw new ElderflowError("WRONG_COMMUNITY", { path: ["communityId"] });
          if (input.recordedOn > day)
            throw new ElderflowError("FUTURE_DATE", { path: ["recordedOn"], params: { limit: day } });
          const need: Need = {
            ...input,
            ...(note === undefined ? {} : { note }),
            skills: [...new Set(input.skills)],
            recordedBy: actor.id,
            status: "open",
            volunteerId: null,
            history: [{ from: null, to: "open", by: actor.id, at: now() }],
            version: 1,
          };
          if (!(await store.insert(need))) throw new ElderflowError("DUPLICATE_ID", { params: { id: input.id } });
          out.push({ ok: true, index, need });
        } catch (error) {
          if (!isElderflowError(error)) throw error;
          out.push({ ok: false, index, error: error.toJSON() });
        }
      }
      return out;
    },

    async match(needId, volunteerId, actor) {
      parseOrThrow(IdSchema, volunteerId, ["volunteerId"]);
      return change(needId, actor, ["open"], (need, a) => ({
        ...need,
        status: "matched",
        volunteerId,
        history: step(need, { to: "matched", by: a.id, volunteerId }),
      }));
    },

    async release(needId, actor) {
      return change(needId, actor, ["matched"], (need, a) => ({
        ...need,
        status: "open",
        volunteerId: null,
        history: step(need, { to: "open", by: a.id }),
      }));
    },

    async close(needId, reason, actor) {
      parseOrThrow(z.enum(NEED_CLOSE_REASONS), reason, ["reason"]);
      return change(needId, actor, ["open", "matched"], (need, a) => ({
        ...need,
        status: "closed",
        history: step(need, { to: "closed", by: a.id, reason }),
      }));
    },

    async get(needId, actorInput) {
      const actor = parseActor(actorInput);
      parseOrThrow(IdSchema, needId, ["needId"]);
      const need = await store.get(needId);
      if (need === undefined || !actorReaches(actor, need.communityId)) return undefined;
      return isWriter(actor) ? need : withoutNote(need);
    },

    async list(actorInput, query = {}) {
      const actor = parseActor(actorInput);
      const parsed = parseOrThrow(NeedQuerySchema, query, ["query"]);
      const q: NeedQuery = {
        ...(parsed.status === undefined ? {} : { status: parsed.status }),
        ...(parsed.communityId === undefined ? {} : { communityId: parsed.communityId }),
        ...(parsed.personId === undefined ? {} : { personId: parsed.personId }),
      };
      const scope = actor.roles.some((r) => r === "bureau" || r === "department" || r === "system")
        ? null
        : actor.communities;
      const rows = await store.list(scope, q);
      return rows
        .filter((n) => actorReaches(actor, n.communityId))
        .map(withoutNote)
        .sort(
          (a, b) =>
            URGENCY_ORDER[a.urgency] - URGENCY_ORDER[b.urgency] ||
            (a.recordedOn < b.recordedOn ? -1 : a.recordedOn > b.recordedOn ? 1 : 0) ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        );
    },

    shutdown: () => store.close(),
  };
}

const NeedQuerySchema = z.strictObject({
  status: z.enum(NEED_STATUSES).optional(),
  communityId: IdSchema.optional(),
  personId: IdSchema.optional(),
});

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const matches = (n: Need, communities: readonly string[] | null, q: NeedQuery) =>
  (communities === null || communities.includes(n.communityId)) &&
  (q.status === undefined || n.status === q.status) &&
  (q.communityId === undefined || n.communityId === q.communityId) &&
  (q.personId === undefined || n.personId === q.personId);

/**
 * The in-memory needs store.
 *
 * @example
 * ```ts
 * const needs = createNeedsRegister({ store: memoryNeedsStore(), clock });
 * ```
 */
export function memoryNeedsStore(): NeedsStore {
  const rows = new Map<string, Need>();
  return {
    insert: async (need) => {
      if (rows.has(need.id)) return false;
      rows.set(need.id, copy(need));
      return true;
    },
    update: async (need, expected) => {
      if (rows.get(need.id)?.version !== expected) return false;
      rows.set(need.id, copy(need));
      return true;
    },
    get: async (id) => {
      const n = rows.get(id);
      return n === undefined ? undefined : copy(n);
    },
    list: async (communities, q) => [...rows.values()].filter((n) => matches(n, communities, q)).map(copy),
    close: async () => {},
  };
}

/**
 * The needs table, a migration of the register's (`runMigrations(sql, "register", …)`): one row per
 * need, its status, urgency, community and person copied out of the JSON for the listings, and a
 * version for optimistic updates.
 *
 * @example
 * ```ts
 * NEEDS_MIGRATION.version; // 2
 * ```
 */
export const NEEDS_MIGRATION: Migration = {
  version: 2,
  name: "needs register",
  sql: `
create table register_needs (
  id text primary key,
  community_id text not null,
  person_id text not null,
  status text not null,
  urgency text not null,
  recorded_on date not null,
  version integer not null,
  payload jsonb not null
);
create index register_needs_community on register_needs (community_id, status);
create index register_needs_person on register_needs (person_id);
`,
};

const MYSQL_NEEDS = `create table if not exists register_needs (
  id varbinary(64) primary key,
  community_id varbinary(64) not null,
  person_id varbinary(64) not null,
  status varchar(16) not null,
  urgency varchar(16) not null,
  recorded_on date not null,
  version integer not null,
  payload longtext not null,
  constraint register_needs_payload_json check (json_valid(payload)),
  index register_needs_community (community_id, status),
  index register_needs_person (person_id)
) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`;

/**
 * {@link NEEDS_MIGRATION} on the MySQL family, version 2 of the register's MySQL migrations: ids
 * are `varbinary(64)` (compared as bytes, where `utf8mb4_bin` would ignore trailing spaces), the
 * need's JSON is `longtext` checked by `json_valid`, the indexes are declared with the table, and
 * the one statement can run again (`if not exists`).
 *
 * @example
 * ```ts
 * NEEDS_MYSQL_MIGRATION.version; // 2
 * ```
 */
export const NEEDS_MYSQL_MIGRATION: Migration = {
  version: 2,
  name: "needs register",
  statements: [MYSQL_NEEDS],
  sql: MYSQL_NEEDS,
};

interface NeedRow {
  payload: unknown;
}

const fromNeedRow = (r: NeedRow): Need => (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as Need;

/**
 * The needs store on PGlite, PostgreSQL or the MySQL family. Runs the register's migrations of the
 * client's dialect first (which include {@link NEEDS_MIGRATION}, or {@link NEEDS_MYSQL_MIGRATION}
 * on MySQL); a list of the other dialect is refused with `INVALID_INPUT` before anything runs.
 *
 * @example
 * ```ts
 * const store = await sqlNeedsStore(sqlFromPglite(new PGlite()), REGISTER_MIGRATIONS);
 * ```
 */
export async function sqlNeedsStore(sql: SqlClient, migrations: readonly Migration[]): Promise<NeedsStore> {
  const mysql = sql.dialect === "mysql";
  if (migrations.includes(mysql ? NEEDS_MIGRATION : NEEDS_MYSQL_MIGRATION))
    throw new ElderflowError("INVALID_INPUT", {
      path: ["migrations"],
      params: { detail: mysql ? "REGISTER_MYSQL_MIGRATIONS" : "REGISTER_MIGRATIONS" },
    });
  await runMigrations(sql, "register", migrations);
  const values = (n: Need) => [
    n.id,
    n.communityId,
    n.personId,
    n.status,
    n.urgency,
    n.recordedOn,
    n.version,
    JSON.stringify(n),
  ];
  return {
    async insert(need) {
      if (mysql) {
        // A duplicate id ends only this statement on MySQL; `insert ignore` would also cut a value short.
        try {
          await sql.query(
            `insert into register_needs (id, community_id, person_id, status, urgency, recorded_on, version, payload)
             values ($1, $2, $3, $4, $5, $6, $7, $8)`,
            values(need),
          );
          return true;
        } catch (error) {
          if (isUniqueViolation(error)) return false;
          throw error;
        }
      }
      const r = await sql.query(
        `insert into register_needs (id, community_id, person_id, status, urgency, recorded_on, version, payload)
         values ($1, $2, $3, $4, $5, $6::date, $7, $8::jsonb) on conflict (id) do nothing returning id`,
        values(need),
      );
      return r.rows.length === 1;
    },
    async update(need, expected) {
      if (mysql) {
        // No `returning`: the version always moves, so one affected row is one row matched.
        const r = await sql.query(
          `update register_needs set community_id = $2, person_id = $3, status = $4, urgency = $5,
             recorded_on = $6, version = $7, payload = $8
           where id = $1 and version = $9`,
          [...values(need), expected],
        );
        return r.rowCount === 1;
      }
      const r = await sql.query(
        `update register_needs set community_id = $2, person_id = $3, status = $4, urgency = $5,
           recorded_on = $6::date, version = $7, payload = $8::jsonb
         where id = $1 and version = $9 returning id`,
        [...values(need), expected],
      );
      return r.rows.length === 1;
    },
    async get(id) {
      const r = await sql.query<NeedRow>("select payload from register_needs where id = $1", [id]);
      const row = r.rows[0];
      return row === undefined ? undefined : fromNeedRow(row);
    },
    async list(communities, q) {
      if (mysql) {
        // `in (…)` built here stands for PostgreSQL's `jsonb ?`; no community, no need.
        if (communities !== null && communities.length === 0) return [];
        const params: unknown[] = [];
        const param = (v: unknown) => {
          params.push(v);
          return `$${params.length}`;
        };
        const where: string[] = [];
        if (communities !== null) where.push(`community_id in (${communities.map(param).join(", ")})`);
        if (q.status !== undefined) where.push(`status = ${param(q.status)}`);
        if (q.communityId !== undefined) where.push(`community_id = ${param(q.communityId)}`);
        if (q.personId !== undefined) where.push(`person_id = ${param(q.personId)}`);
        const r = await sql.query<NeedRow>(
          `select payload from register_needs${where.length === 0 ? "" : ` where ${where.join(" and ")}`}`,
          params,
        );
        return r.rows.map(fromNeedRow);
      }
      const r = await sql.query<NeedRow>(
        `select payload from register_needs
         where ($1::jsonb is null or $1::jsonb ? community_id)
           and ($2::text is null or status = $2) and ($3::text is null or community_id = $3)
           and ($4::text is null or person_id = $4)`,
        [
          communities === null ? null : JSON.stringify(communities),
          q.status ?? null,
          q.communityId ?? null,
          q.personId ?? null,
        ],
      );
      return r.rows.map(fromNeedRow);
    },
    close: () => sql.close(),
  };
}
