/**
 * The register (信息库): a store of persons with an effective-dated history. Every change is an
 * event; the register on a day is the fold of the events effective by then.
 */
import {
  Actor,
  type ActorInput,
  actorHasRole,
  actorReaches,
  assertText,
  type Clock,
  canonicalJson,
  ElderflowError,
  type FieldPath,
  fromZodError,
  ID_RULES,
  type IsoDate,
  IsoDateSchema,
  isElderflowError,
  type Person,
  PersonStatus,
  personSchema,
  type RankScale,
  textProblem,
  today,
} from "@elderflow/core";
import {
  type RecordedChange,
  type RecordOutcome,
  type RegisterChange,
  registerChangeSchema,
  type SensitiveField,
} from "./changes";
import {
  createRegisterProtector,
  type RegisterEncryption,
  type RegisterVerification,
  verifyRegisterChains,
} from "./crypto/protect";
import { type MaskedPerson, maskChange, maskPerson } from "./masking";
import { byEffective, type PersonState, registerAsOf, timeline } from "./state";

/** Options of the register's listings. */
export interface RegisterQuery {
  /** The day the register is read on (default: the clock's today, in its zone). */
  readonly asOf?: IsoDate;
  /** Only this community. */
  readonly communityId?: string;
  /** Only this status, or `"any"` (the default). */
  readonly status?: PersonStatus | "any";
}

/**
 * A person as the register returns them. With encryption on, `erased` lists the sensitive fields
 * that were left out because the person's data key was erased, and `unreadable` those whose sealed
 * value did not open (altered); a read never fails for them.
 */
export type RegisterPerson = Person & {
  /** Sensitive fields erased by key (left out of the record). */
  readonly erased?: readonly SensitiveField[];
  /** Sensitive fields whose sealed value did not open (left out of the record). */
  readonly unreadable?: readonly SensitiveField[];
};

/**
 * The register. Every method takes the authenticated actor and checks it:
 * - writing (`record`) needs a role of {@link REGISTER_WRITE_ROLES} and reach of the person's
 *   communities, old and new;
 * - full records (`get`, `persons`) need a role of {@link PERSONAL_DATA_ROLES}, and show only
 *   persons of the communities the actor reaches;
 * - masked listings (`list`, `exportRows`) and histories are open to any role, within its reach;
 *   a history's payloads are masked unless the actor holds a personal-data role.
 */
export interface Register {
  /**
   * Records a batch of changes, each on its own: one bad item is refused with a typed error and
   * never fails the others, and nothing of a refused item is written. Items apply in order, so a
   * later item sees an earlier one (enrol, then correct). Throws only for a bad actor, an actor
   * without a writing role (`NOT_AUTHORIZED`), or a batch that is not an array of at most
   * {@link MAX_BATCH} items.
   *
   * @example
   * ```ts
   * const [outcome] = await register.record([{ kind: "status", personId: "p1", effective: "2026-05-02",
   *   status: "deceased", source: { kind: "notice" } }], registrar);
   * if (!outcome.ok) console.log(outcome.error.code);
   * ```
   */
  record(changes: readonly unknown[], actor: ActorInput): Promise<RecordOutcome[]>;
  /**
   * One person's full record on a day (default today), or undefined when the person is not
   * enrolled by then or is outside the actor's communities.
   *
   * @example
   * ```ts
   * const before = await register.get("p1", registrar, { asOf: "2025-12-31" });
   * ```
   */
  get(personId: string, actor: ActorInput, options?: { asOf?: IsoDate }): Promise<RegisterPerson | undefined>;
  /**
   * Full records for engines (rosters, visit lists), sorted by id.
   *
   * @example
   * ```ts
   * const roster = await register.persons(system, { status: "active" });
   * ```
   */
  persons(actor: ActorInput, options?: RegisterQuery): Promise<RegisterPerson[]>;
  /**
   * The masked listing, sorted by id.
   *
   * @example
   * ```ts
   * (await register.list(staff))[0]?.maskedName; // "张*三"
   * ```
   */
  list(actor: ActorInput, options?: RegisterQuery): Promise<MaskedPerson[]>;
  /**
   * Every recorded change of one person, in the order they were recorded (each with its effective
   * date and its recording instant), or `[]` when the person is unknown or out of reach.
   *
   * @example
   * ```ts
   * for (const c of await register.history("p1", registrar)) console.log(c.effective, c.recordedAt, c.kind);
   * ```
   */
  history(personId: string, actor: ActorInput): Promise<RecordedChange[]>;
  /**
   * The rows an export writes: the masked listing.
   *
   * @example
   * ```ts
   * const rows = await register.exportRows(staff, { asOf: "2026-12-31" });
   * ```
   */
  exportRows(actor: ActorInput, options?: RegisterQuery): Promise<MaskedPerson[]>;
  /**
   * The persons whose ID number on a day (default today) is the one given, sorted by id (needs a
   * role of {@link PERSONAL_DATA_ROLES}; only persons the actor reaches). With encryption on, the
   * look-up goes through the blind index: no ID number is stored or compared in clear.
   *
   * @example
   * ```ts
   * const [person] = await register.findByIdNumber("11010519491231002X", registrar);
   * ```
   */
  findByIdNumber(idNumber: string, actor: ActorInput, options?: { asOf?: IsoDate }): Promise<RegisterPerson[]>;
  /**
   * Erases a person by key: their data keys are destroyed, so every sealed field of theirs (ID
   * number, phone, health) is unreadable from now on, while the log and its chains stay intact.
   * Needs a role of {@link REGISTER_ERASE_ROLES} and reach of the person's community; throws
   * `SEALER_REQUIRED` on a register without encryption, `UNKNOWN_PERSON` for an unknown id.
   *
   * @example
   * ```ts
   * await register.erase("p1", bureau);
   * ```
   */
  erase(personId: string, actor: ActorInput): Promise<void>;
  /**
   * Recomputes every person's hash chain over the stored rows (ciphertext, so it verifies after an
   * erasure too). Needs a role of {@link REGISTER_WRITE_ROLES}; the result names persons by id only.
   *
   * @example
   * ```ts
   * (await register.verify(registrar)).ok; // true
   * ```
   */
  verify(actor: ActorInput): Promise<RegisterVerification>;
  /** Closes the store (and its database, if the store owns it). */
  close(): Promise<void>;
}

/**
 * Roles that may write to the register: registrars, the bureau, the host system and admins
 * (district roles reach every community; the others their own).
 *
 * @example
 * ```ts
 * REGISTER_WRITE_ROLES.includes("registrar"); // true
 * ```
 */
export const REGISTER_WRITE_ROLES = ["registrar", "bureau", "system", "admin"] as const;

/**
 * Roles that may read full records with personal data (the same as the writers).
 *
 * @example
 * ```ts
 * PERSONAL_DATA_ROLES.includes("volunteer"); // false
 * ```
 */
export const PERSONAL_DATA_ROLES: readonly (typeof REGISTER_WRITE_ROLES)[number][] = REGISTER_WRITE_ROLES;

/**
 * Roles that may erase a person by key: the bureau, the host system and admins.
 *
 * @example
 * ```ts
 * REGISTER_ERASE_ROLES.includes("registrar"); // false
 * ```
 */
export const REGISTER_ERASE_ROLES = ["bureau", "system", "admin"] as const;

/** Most changes one `record` call takes. */
export const MAX_BATCH = 10_000;

/** Bounds of one change before it is parsed: a hostile input is refused before any work. */
const CHANGE_LIMITS = { maxDepth: 8, maxNodes: 2_000, maxString: 2_000 } as const;

/** What a register store does inside one batch: reads and locks a person, claims an id, appends. */
export interface RegisterBatch {
  /** The person's changes, in any order; the person stays locked for the rest of the batch. */
  lock(personId: string): Promise<RecordedChange[]>;
  /** Claims a person id for an enrolment; false if it is already enrolled (by anyone, also concurrently). */
  claim(personId: string): Promise<boolean>;
  /** Appends a change; the store assigns its seq. */
  append(change: RegisterChange, meta: { readonly recordedAt: string; readonly by: string }): Promise<RecordedChange>;
}

/**
 * The small interface a register stores its append-only log behind (memory, PGlite, PostgreSQL).
 * A batch either commits every append made in it or none.
 */
export interface RegisterStore {
  /** Runs one batch; appends become visible together when it resolves. */
  batch<T>(fn: (batch: RegisterBatch) => Promise<T>): Promise<T>;
  /** Every change effective on or before a day, and every change that supersedes another. */
  changesUpTo(asOf: IsoDate): Promise<RecordedChange[]>;
  /** Every change of one person. */
  changesOf(personId: string): Promise<RecordedChange[]>;
  /**
   * The stored changes whose blind index (`idIndex`) is the one given. Optional: without it the
   * register scans the log.
   */
  changesByIndex?(index: string): Promise<RecordedChange[]>;
  /** Releases the store. */
  close(): Promise<void>;
}

/** Options for {@link createRegister}. */
export interface RegisterOptions {
  /** Where the log is kept. */
  readonly store: RegisterStore;
  /** The source of today and of recording instants. */
  readonly clock: Clock;
  /** The rank scale ranks are checked on (default: the civil-service scale). */
  readonly scale?: RankScale;
  /**
   * Seal ID numbers, phones and health facts per person, index ID numbers blindly and chain the
   * log (default: off, the log is kept in clear and unchained). Clear rows written before it was
   * turned on still read (see docs/guides/register-keys.md for the migration).
   */
  readonly encryption?: RegisterEncryption;
}

function parseActor(input: ActorInput): Actor {
  const r = Actor.safeParse(input, { reportInput: true });
  if (!r.success) throw fromZodError(r.error, ["actor"]);
  return r.data;
}

function hasAnyRole(actor: Actor, roles: readonly string[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

function asOfOf(options: { asOf?: IsoDate } | undefined, clock: Clock): IsoDate {
  if (options?.asOf === undefined) return today(clock);
  const r = IsoDateSchema.safeParse(options.asOf);
  if (!r.success) throw new ElderflowError("INVALID_DATE", { path: ["asOf"] });
  return r.data;
}

/** The first string (value or key) in a parsed change that a store could not return unchanged. */
function storableProblem(value: unknown, path: (string | number)[]): ElderflowError | undefined {
  if (typeof value === "string") {
    const problem = textProblem(value, { max: 2_000, min: 0, lines: true });
    return problem === null ? undefined : new ElderflowError(problem, { path });
  }
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k, { max: 200, lines: false });
      if (keyProblem !== null) return new ElderflowError(keyProblem, { path });
      const inner = storableProblem(v, [...path, k]);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** The canonical ID number a look-up compares (trimmed, upper case), bounded before any work. */
function canonicalIdNumber(idNumber: unknown): string {
  if (typeof idNumber !== "string" || idNumber.length > 40)
    throw new ElderflowError("INVALID_ID_NUMBER", { path: ["idNumber"] });
  const t = idNumber.trim().toUpperCase();
  if (t.length === 0 || t.length > 18 || !/^[0-9X]+$/.test(t))
    throw new ElderflowError("INVALID_ID_NUMBER", { path: ["idNumber"] });
  return t;
}

type Marks = { erased: Set<SensitiveField>; unreadable: Set<SensitiveField> };

/** Per person, the sensitive fields that did not open in any of their changes. */
function marksOf(changes: readonly RecordedChange[]): Map<string, Marks> {
  const out = new Map<string, Marks>();
  for (const c of changes) {
    if (c.erased === undefined && c.unreadable === undefined) continue;
    const m = out.get(c.personId) ?? { erased: new Set(), unreadable: new Set() };
    for (const f of c.erased ?? []) m.erased.add(f);
    for (const f of c.unreadable ?? []) m.unreadable.add(f);
    out.set(c.personId, m);
  }
  return out;
}

function marked(person: Person, marks: Marks | undefined): RegisterPerson {
  if (marks === undefined) return person;
  return {
    ...person,
    ...(marks.erased.size === 0 ? {} : { erased: [...marks.erased].sort() }),
    ...(marks.unreadable.size === 0 ? {} : { unreadable: [...marks.unreadable].sort() }),
  };
}

function refusal(index: number, error: ElderflowError): RecordOutcome {
  return { ok: false, index, error: error.toJSON() };
}

/**
 * Creates a register over a store.
 *
 * @example
 * ```ts
 * const register = createRegister({ store: memoryRegisterStore(), clock: systemClock() });
 * ```
 */
export function createRegister(options: RegisterOptions): Register {
  const { clock } = options;
  const raw = options.store;
  const protector = options.encryption === undefined ? undefined : createRegisterProtector(options.encryption);
  const store = protector === undefined ? raw : protector.wrap(raw);
  const scale = options.scale;
  const changeSchema = registerChangeSchema(scale === undefined ? {} : { scale });

  const prepare = (raw: unknown): RegisterChange => {
    canonicalJson(raw, CHANGE_LIMITS);
    const r = changeSchema.safeParse(raw, { reportInput: true });
    if (!r.success) throw fromZodError(r.error);
    const problem = storableProblem(r.data, []);
    if (problem !== undefined) throw problem;
    return r.data;
  };

  // One person schema per day (building a zod schema costs more than checking a person with it).
  let schemaDay: IsoDate | undefined;
  let daySchema: ReturnType<typeof personSchema> | undefined;
  const personSchemaOn = (todayDate: IsoDate) => {
    if (daySchema === undefined || schemaDay !== todayDate) {
      daySchema = personSchema({ ...(scale === undefined ? {} : { scale }), today: todayDate });
      schemaDay = todayDate;
    }
    return daySchema;
  };

  const validate = (state: PersonState, basePath: FieldPath, todayDate: IsoDate, statusPath: boolean) => {
    const schema = personSchemaOn(todayDate);
    const r = schema.safeParse(state, { reportInput: true });
    if (r.success) return;
    const error = fromZodError(r.error, basePath);
    if (statusPath && error.path[0] === "statusSince")
      throw new ElderflowError(error.code, { path: ["effective"], params: error.params });
    throw error;
  };

  const recordOne = async (
    batch: RegisterBatch,
    actor: Actor,
    change: RegisterChange,
    todayDate: IsoDate,
    meta: { recordedAt: string; by: string },
  ): Promise<RecordedChange> => {
    if (change.effective > todayDate)
      throw new ElderflowError("FUTURE_DATE", { path: ["effective"], params: { limit: todayDate } });
    if (change.kind === "enrol") {
      if (change.person.id !== change.personId) throw new ElderflowError("ID_MISMATCH", { path: ["person", "id"] });
      if (!actorReaches(actor, change.person.communityId))
        throw new ElderflowError("WRONG_COMMUNITY", { path: ["person", "communityId"] });
      if (change.effective < change.person.birthDate) throw new ElderflowError("DATE_ORDER", { path: ["effective"] });
      const existing = await batch.lock(change.personId);
      if (existing.length > 0) throw new ElderflowError("ALREADY_ENROLLED", { params: { id: change.personId } });
      if (change.supersedes !== undefined)
        throw new ElderflowError("UNKNOWN_CHANGE", { path: ["supersedes"], params: { seq: change.supersedes } });
      validate(change.person, ["person"], todayDate, false);
      if (!(await batch.claim(change.personId)))
        throw new ElderflowError("ALREADY_ENROLLED", { params: { id: change.personId } });
      return batch.append(change, meta);
    }
    const existing = await batch.lock(change.personId);
    const enrolment = existing.find((c) => c.kind === "enrol");
    if (enrolment === undefined) throw new ElderflowError("UNKNOWN_PERSON", { path: ["personId"] });
    if (change.effective < enrolment.effective)
      throw new ElderflowError("BEFORE_ENROLMENT", { path: ["effective"], params: { enrolled: enrolment.effective } });
    // The earlier of the superseded change and the new one: every state from there on must hold.
    let target: RecordedChange | undefined;
    if (change.supersedes !== undefined) {
      const seq = change.supersedes;
      target = existing.find((c) => c.seq === seq);
      if (target === undefined) throw new ElderflowError("UNKNOWN_CHANGE", { path: ["supersedes"], params: { seq } });
      if (target.kind !== change.kind)
        throw new ElderflowError("SUPERSEDE_MISMATCH", { path: ["supersedes"], params: { kind: target.kind } });
      if (existing.some((c) => c.supersedes === seq))
        throw new ElderflowError("ALREADY_SUPERSEDED", { path: ["supersedes"], params: { seq } });
    }
    // The new change goes last among those of its day.
    const provisional: RecordedChange = { ...change, seq: Number.POSITIVE_INFINITY, ...meta };
    const line = timeline([...existing, provisional]);
    const own = line.findIndex((s) => s.change === provisional);
    const pivot = target;
    const at =
      pivot !== undefined && pivot.effective <= change.effective
        ? line.findIndex((s) => byEffective(s.change, pivot) > 0)
        : own;
    const before = line[at - 1]?.state;
    const reach = new Set<string>();
    if (before !== undefined) reach.add(before.communityId);
    for (const s of line.slice(at)) if (s.state !== undefined) reach.add(s.state.communityId);
    for (const community of reach) {
      if (!actorReaches(actor, community))
        throw new ElderflowError("WRONG_COMMUNITY", {
          path: change.kind === "community" && community === change.communityId ? ["communityId"] : ["personId"],
        });
    }
    for (const s of line.slice(at))
      if (s.state !== undefined) validate(s.state, [], todayDate, change.kind === "status");
    return batch.append(change, meta);
  };

  const readable = async (actor: Actor, query: RegisterQuery | undefined): Promise<RegisterPerson[]> => {
    const asOf = asOfOf(query, clock);
    if (query?.communityId !== undefined) assertText(query.communityId, ID_RULES, ["communityId"]);
    const status = query?.status ?? "any";
    if (status !== "any" && !PersonStatus.safeParse(status).success)
      throw new ElderflowError("INVALID_ENUM", {
        path: ["status"],
        params: { options: [...PersonStatus.options, "any"].join(", ") },
      });
    const changes = await store.changesUpTo(asOf);
    const all = registerAsOf(changes, asOf);
    const marks = marksOf(changes);
    const out: RegisterPerson[] = [];
    for (const p of all.values()) {
      if (!actorReaches(actor, p.communityId)) continue;
      if (query?.communityId !== undefined && p.communityId !== query.communityId) continue;
      if (status !== "any" && p.status !== status) continue;
      out.push(marked(structuredClone(p), marks.get(p.id)));
    }
    return out;
  };

  const assertPersonalRole = (actor: Actor) => {
    if (!hasAnyRole(actor, PERSONAL_DATA_ROLES)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
  };

  return {
    async record(changes, actorInput) {
      const actor = parseActor(actorInput);
      if (!hasAnyRole(actor, REGISTER_WRITE_ROLES)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
      if (!Array.isArray(changes)) throw new ElderflowError("INVALID_TYPE", { params: { expected: "array" } });
      if (changes.length > MAX_BATCH) throw new ElderflowError("TOO_MANY_ITEMS", { params: { maximum: MAX_BATCH } });
      const todayDate = today(clock);
      const meta = { recordedAt: new Date(clock.now()).toISOString(), by: actor.id };
      const prepared = changes.map((raw) => {
        try {
          return { ok: true as const, change: prepare(raw) };
        } catch (error) {
          if (isElderflowError(error)) return { ok: false as const, error };
          throw error;
        }
      });
      if (prepared.every((p) => !p.ok))
        return prepared.map((p, index) => refusal(index, (p as { error: ElderflowError }).error));
      return store.batch(async (batch) => {
        const outcomes: RecordOutcome[] = [];
        for (const [index, p] of prepared.entries()) {
          if (!p.ok) {
            outcomes.push(refusal(index, p.error));
            continue;
          }
          try {
            outcomes.push({ ok: true, index, change: await recordOne(batch, actor, p.change, todayDate, meta) });
          } catch (error) {
            if (!isElderflowError(error)) throw error;
            outcomes.push(refusal(index, error));
          }
        }
        return outcomes;
      });
    },

    async get(personId, actorInput, options) {
      const actor = parseActor(actorInput);
      assertPersonalRole(actor);
      assertText(personId, ID_RULES, ["personId"]);
      const asOf = asOfOf(options, clock);
      const changes = await store.changesOf(personId);
      const state = registerAsOf(changes, asOf).get(personId);
      if (state === undefined || !actorReaches(actor, state.communityId)) return undefined;
      return marked(structuredClone(state), marksOf(changes).get(personId));
    },

    async findByIdNumber(idNumber, actorInput, options) {
      const actor = parseActor(actorInput);
      assertPersonalRole(actor);
      const wanted = canonicalIdNumber(idNumber);
      const asOf = asOfOf(options, clock);
      if (protector === undefined)
        return (await readable(actor, { asOf })).filter(
          (p) => p.idNumber !== undefined && p.idNumber.toUpperCase() === wanted,
        );
      const index = protector.indexOf(wanted);
      const hits =
        raw.changesByIndex === undefined
          ? (await raw.changesUpTo("9999-12-31")).filter((c) => (c as { idIndex?: unknown }).idIndex === index)
          : await raw.changesByIndex(index);
      const out: RegisterPerson[] = [];
      for (const id of [...new Set(hits.map((c) => c.personId))].sort()) {
        const changes = await store.changesOf(id);
        const state = registerAsOf(changes, asOf).get(id);
        if (state === undefined || !actorReaches(actor, state.communityId)) continue;
        if (state.idNumber?.toUpperCase() !== wanted) continue;
        out.push(marked(structuredClone(state), marksOf(changes).get(id)));
      }
      return out;
    },

    async erase(personId, actorInput) {
      const actor = parseActor(actorInput);
      if (!hasAnyRole(actor, REGISTER_ERASE_ROLES)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
      assertText(personId, ID_RULES, ["personId"]);
      if (protector === undefined) throw new ElderflowError("SEALER_REQUIRED", { path: ["encryption"] });
      const line = timeline(await store.changesOf(personId));
      const now = line[line.length - 1]?.state;
      if (now === undefined) throw new ElderflowError("UNKNOWN_PERSON", { path: ["personId"] });
      if (!actorReaches(actor, now.communityId)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["personId"] });
      await protector.erase(personId);
    },

    async verify(actorInput) {
      const actor = parseActor(actorInput);
      if (!hasAnyRole(actor, REGISTER_WRITE_ROLES)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
      const rows = await raw.changesUpTo("9999-12-31");
      return protector === undefined ? verifyRegisterChains(rows) : protector.verify(rows);
    },

    async persons(actorInput, query) {
      const actor = parseActor(actorInput);
      assertPersonalRole(actor);
      return readable(actor, query);
    },

    async list(actorInput, query) {
      const actor = parseActor(actorInput);
      return (await readable(actor, query)).map(maskPerson);
    },

    async exportRows(actorInput, query) {
      const actor = parseActor(actorInput);
      return (await readable(actor, query)).map(maskPerson);
    },

    async history(personId, actorInput) {
      const actor = parseActor(actorInput);
      assertText(personId, ID_RULES, ["personId"]);
      const changes = await store.changesOf(personId);
      const line = timeline(changes);
      const now = line[line.length - 1]?.state;
      if (now === undefined || !actorReaches(actor, now.communityId)) return [];
      const personal = PERSONAL_DATA_ROLES.some((r) => actorHasRole(actor, r));
      return [...changes].sort((a, b) => a.seq - b.seq).map((c) => (personal ? structuredClone(c) : maskChange(c)));
    },

    close: () => store.close(),
  };
}

/** A JSON copy: what a SQL store would hand back (undefined fields dropped). */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The in-memory store: the log in an array, batches one at a time.
 *
 * @example
 * ```ts
 * const store = memoryRegisterStore();
 * ```
 */
export function memoryRegisterStore(): RegisterStore {
  const log: RecordedChange[] = [];
  const byPerson = new Map<string, RecordedChange[]>();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    batch<T>(fn: (batch: RegisterBatch) => Promise<T>): Promise<T> {
      const run = async () => {
        const staged: RecordedChange[] = [];
        const of = (id: string) => [...(byPerson.get(id) ?? []), ...staged.filter((c) => c.personId === id)];
        const result = await fn({
          lock: async (id) => of(id).map(jsonCopy),
          claim: async (id) => !of(id).some((c) => c.kind === "enrol"),
          append: async (change, meta) => {
            const recorded = jsonCopy({ ...change, seq: log.length + staged.length + 1, ...meta }) as RecordedChange;
            staged.push(recorded);
            return jsonCopy(recorded);
          },
        });
        for (const c of staged) {
          log.push(c);
          const list = byPerson.get(c.personId) ?? [];
          list.push(c);
          byPerson.set(c.personId, list);
        }
        return result;
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    changesUpTo: async (asOf) => log.filter((c) => c.effective <= asOf || c.supersedes !== undefined).map(jsonCopy),
    changesOf: async (personId) => (byPerson.get(personId) ?? []).map(jsonCopy),
    changesByIndex: async (index) => log.filter((c) => (c as { idIndex?: unknown }).idIndex === index).map(jsonCopy),
    close: async () => {},
  };
}

/**
 * A register in memory (tests, demos, the browser).
 *
 * @example
 * ```ts
 * const register = memoryRegister({ clock: fixedClock("2026-12-01T09:00:00+08:00") });
 * ```
 */
export function memoryRegister(options: {
  clock: Clock;
  scale?: RankScale;
  encryption?: RegisterEncryption;
}): Register {
  return createRegister({ ...options, store: memoryRegisterStore() });
}
