/**
 * Adversarial suite for the time bank (issue #11, "done when"): generated hostile commands, sent by
 * hostile actors and mixed into the same group-commit batches as innocent work, on memory, PGlite
 * and PostgreSQL. After every batch: every hostile command failed itself, every innocent command got
 * exactly the result it gets on a twin bank that never saw the hostile ones, the balances equal the
 * twin's, the journal verifies, a reopened bank agrees to the last minute, and nothing the run
 * produced (results, errors, journal, notices, certificates) carries personal data. PostgreSQL fails
 * (never skips) when the server is unreachable.
 */
import { type ActorInput, fixedClock, isElderflowError } from "@elderflow/core";
import {
  type ActingTimeBank,
  type CommandResult,
  createTimeBank,
  memoryStore,
  pgliteStore,
  postgresStore,
  type TimeBank,
  type TimeBankStore,
} from "@elderflow/timebank";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { cmd, dropSchema, HOST, PG_URL, SETUP, schemaName, testStars } from "../timebank-support";
import { badKey, deep, ID_NUMBER, leakContext, leaks, NAME, PHONE, personalText, textOf } from "./hostile";

const clock = fixedClock("2027-01-04T09:00:00+08:00");
/** Fixed under CI (or FC_SEED) so a red run can be replayed; a new one on every local run. */
const SEED = Number(
  process.env.FC_SEED ?? (process.env.CI === "true" ? 20261126 : Math.floor(Math.random() * 2 ** 31)),
);
const BATCHES = 20;
const HOSTILE_PER_BATCH = 100;

/** Hostile actors: another community's admin, the volunteer's own family verifier, the volunteer, a cadre. */
const MALLORY: ActorInput = {
  id: "mallory",
  roles: ["admin", "registrar", "verifier", "community_staff"],
  communities: ["c2"],
};
const FAMILY: ActorInput = { id: "f1", roles: ["verifier", "family"], communities: ["c1"] };
const VOLUNTEER: ActorInput = { id: "v1", roles: ["volunteer", "registrar"], communities: ["c1"] };
const CADRE: ActorInput = { id: "r1", roles: ["cadre"], communities: ["c1"] };

/** The district the suite starts from: SETUP plus the volunteer's family member granted verifier. */
const START = [...SETUP, cmd.grant("g-f1", "f1", "verifier"), cmd.grant("g-mal", "mallory", "registrar", "c2")];

interface Backend {
  readonly name: string;
  /** A fresh data set and a way to open it again as another process would. */
  fresh(): Promise<() => TimeBankStore>;
}

let pglite: PGlite | undefined;
let pgliteSchemas = 0;
const pgSchemas: string[] = [];
afterAll(async () => {
  await pglite?.close();
  for (const s of pgSchemas) await dropSchema(s);
});

const BACKENDS: readonly Backend[] = [
  {
    name: "memory",
    async fresh() {
      const store = memoryStore();
      return () => store;
    },
  },
  {
    name: "pglite",
    async fresh() {
      pglite ??= new PGlite();
      const db = pglite;
      const schema = `adv_${++pgliteSchemas}`;
      await db.exec(`create schema ${schema}; set search_path to ${schema}`);
      return () => pgliteStore({ db });
    },
  },
  {
    name: "postgres",
    async fresh() {
      const schema = schemaName("adv");
      pgSchemas.push(schema);
      return () => postgresStore({ connectionString: PG_URL, schema, max: 2 });
    },
  },
];

const open = (store: TimeBankStore): Promise<TimeBank> => createTimeBank({ store, clock, stars: testStars });

/** What the innocent side knows so far: keys to refer to. */
interface Known {
  records: string[];
  volunteerOf: Map<string, string>;
  v1Records: string[];
  withdrawals: string[];
  all: string[];
}

const day = fc.integer({ min: 5, max: 28 }).map((d) => `2027-01-${String(d).padStart(2, "0")}`);

/** Innocent work of one batch: plausible commands whose result (success or not) the twin decides. */
function innocentBatch(b: number, known: Known): fc.Arbitrary<Record<string, unknown>[]> {
  const ref = (list: string[]) => (list.length === 0 ? fc.constant("none") : fc.constantFrom(...list));
  type Make = (key: string) => Record<string, unknown>;
  const one: fc.Arbitrary<Make> = fc.oneof(
    fc.record({ v: fc.constantFrom("v1", "v2", "w1"), m: fc.integer({ min: 15, max: 180 }), on: day }).map(
      ({ v, m, on }): Make =>
        (key) =>
          cmd.record(key, v, m, on, "r1", v === "w1" ? "reg2" : "reg1"),
    ),
    fc.record({ e: ref(known.records), on: day }).map(
      ({ e, on }): Make =>
        (key) =>
          cmd.verify(key, e, known.volunteerOf.get(e) === "w1" ? "ver2" : "ver1", on),
    ),
    fc.integer({ min: 10, max: 90 }).map(
      (m): Make =>
        (key) =>
          cmd.withdraw(key, "v1", m, "f1"),
    ),
    ref(known.withdrawals).map(
      (w): Make =>
        (key) =>
          cmd.fulfil(key, w),
    ),
    ref(known.withdrawals).map(
      (w): Make =>
        (key) =>
          cmd.cancel(key, w),
    ),
    ref(known.all).map(
      (e): Make =>
        (key) =>
          cmd.reverse(key, e),
    ),
  );
  return fc.array(one, { minLength: 20, maxLength: 40 }).map((ops) => ops.map((make, n) => make(`i-${b}-${n}`)));
}

/** One hostile submission: who sends it and what. Every command in it must fail. */
interface Hostile {
  readonly actor: ActorInput;
  readonly command: unknown;
}

function hostileBatch(b: number, known: Known): fc.Arbitrary<Hostile[]> {
  let n = 0;
  const fresh = () => `h-${b}-${n++}`;
  const ref = (list: string[]) => (list.length === 0 ? fc.constant("none") : fc.constantFrom(...list));
  const host = (command: unknown): Hostile => ({ actor: HOST, command });
  const one: fc.Arbitrary<() => Hostile> = fc.oneof(
    // keys and ids that are not canonical text, or carry personal data
    badKey.map((key) => () => host({ ...cmd.record("x", "v1", 60), key })),
    fc
      .constantFrom<unknown>(PHONE, ID_NUMBER, "v\u0000", "v\ud800", `${NAME}`, "v 1")
      .map((v) => () => host({ ...cmd.record(fresh(), "v1", 60), recipient: v })),
    // malformed content: types, ranges, dates, depth, width, unknown ops and fields
    fc
      .constantFrom<unknown>(Number.NaN, -5, 0, 1.5, "60", 10 ** 12, null)
      .map((minutes) => () => host({ ...cmd.record(fresh(), "v1", 60), minutes })),
    fc
      .constantFrom("2027-02-30", "2027-1-5", "tomorrow", "")
      .map((on) => () => host(cmd.record(fresh(), "v1", 60, on))),
    fc.constant(() => host({ ...cmd.record(fresh(), "v1", 60), extra: deep(20_000) })),
    fc.constant(() => host({ op: "record", key: fresh(), volunteer: deep(5_000) })),
    fc.constant(() =>
      host({ ...cmd.enroll(fresh(), "v9"), family: Array.from({ length: 20_000 }, (_, i) => `f${i}`) }),
    ),
    fc.constantFrom("mint", "transfer", "__proto__", "").map((op) => () => host({ op, key: fresh(), minutes: 600 })),
    fc.constant(() => host(JSON.parse(`{"__proto__":{"ok":true},"op":"record","key":"${fresh()}"}`))),
    fc.constantFrom<unknown>(null, 42, "record", [], [cmd.record("h-arr", "v1", 60)]).map((c) => () => host(c)),
    personalText.map((reason) => () => host({ ...cmd.reject(fresh(), "no-such-entry"), reason })),
    fc.constant(() => host({ ...cmd.reject(fresh(), "no-such-entry"), reason: "no\u0000sig" })),
    // idempotency: an innocent key already decided, sent again with other content
    (known.all.length === 0 ? fc.constant("k\ud800") : fc.constantFrom(...known.all)).map(
      (key) => () => host({ op: "cancel", key, withdrawal: "h-nothing" }),
    ),
    // another community's admin: grants, records, verifies, reads across the boundary
    fc.constant(() => ({ actor: MALLORY, command: cmd.grant(fresh(), "mallory", "verifier", "c1") })),
    fc.constant(() => ({ actor: MALLORY, command: cmd.grant(fresh(), "mallory", "registrar", "c1") })),
    fc.constant(() => ({
      actor: MALLORY,
      command: cmd.record(fresh(), "v1", 60_000 / 60, "2027-01-06", "r1", "reg1"),
    })),
    fc.constant(() => ({ actor: MALLORY, command: cmd.record(fresh(), "v1", 1000, "2027-01-06", "r1", "mallory") })),
    ref(known.records).map((e) => () => ({ actor: MALLORY, command: cmd.verify(fresh(), e, "mallory") })),
    fc.constant(() => ({ actor: MALLORY, command: cmd.enroll(fresh(), "v1", "c1", ["mallory"]) })),
    fc.constant(() => ({ actor: MALLORY, command: cmd.withdraw(fresh(), "v1", 30, "v1") })),
    fc.constant(() => ({ actor: MALLORY, command: cmd.close(fresh(), "2027-Q1", "c1", "mallory") })),
    // the volunteer's own family, granted verifier: may never verify, reverse or cancel for them
    ref(known.v1Records).map((e) => () => ({ actor: FAMILY, command: cmd.verify(fresh(), e, "f1") })),
    ref(known.v1Records).map((e) => () => ({ actor: FAMILY, command: cmd.reverse(fresh(), e, "2027-01-20", "f1") })),
    ref(known.withdrawals).map((w) => () => ({ actor: FAMILY, command: cmd.cancel(fresh(), w) })),
    ref(known.withdrawals).map((w) => () => ({ actor: FAMILY, command: cmd.reverse(fresh(), w, "2027-01-20", "f1") })),
    // the volunteer registering or verifying their own service; a cadre granting itself roles
    fc.constant(() => ({ actor: VOLUNTEER, command: cmd.record(fresh(), "v1", 600, "2027-01-06", "r1", "v1") })),
    ref(known.v1Records).map((e) => () => ({ actor: VOLUNTEER, command: cmd.verify(fresh(), e, "v1") })),
    fc.constant(() => ({ actor: CADRE, command: cmd.grant(fresh(), "r1", "registrar", "c1") })),
    // a name put to the act of someone else
    ref(known.records).map((e) => () => ({ actor: CADRE, command: cmd.verify(fresh(), e, "ver1") })),
  );
  return fc.array(one, { minLength: HOSTILE_PER_BATCH, maxLength: HOSTILE_PER_BATCH }).map((fs) => fs.map((f) => f()));
}

/**
 * Sends a batch as concurrent submissions, so that they share group-commit transactions: innocent
 * chunks in their order, hostile commands one submission each (each actor acts for itself),
 * interleaved as `order` says.
 */
async function sendMixed(
  bank: TimeBank,
  innocents: readonly Record<string, unknown>[],
  hostile: readonly Hostile[],
  order: readonly number[],
): Promise<{ innocent: CommandResult[]; hostile: CommandResult[] }> {
  const actingAs = new Map<string, ActingTimeBank>();
  const as = (actor: ActorInput) => {
    const known = actingAs.get(actor.id);
    if (known !== undefined) return known;
    const made = bank.as(actor);
    actingAs.set(actor.id, made);
    return made;
  };
  const innocent: Promise<CommandResult[]>[] = [];
  const hostileResults: Promise<CommandResult>[] = [];
  let ii = 0;
  let hh = 0;
  let turn = 0;
  while (ii < innocents.length || hh < hostile.length) {
    const innocentTurn = hh >= hostile.length || (ii < innocents.length && (order[turn++ % order.length] ?? 0) === 0);
    if (innocentTurn) {
      innocent.push(as(HOST).submitMany(innocents.slice(ii, ii + 7)));
      ii += 7;
    } else {
      for (const h of hostile.slice(hh, hh + 10)) hostileResults.push(as(h.actor).submit(h.command));
      hh += 10;
    }
  }
  return { innocent: (await Promise.all(innocent)).flat(), hostile: await Promise.all(hostileResults) };
}

/** A short description of a hostile submission for a failure message (never its deep parts). */
function describeHostile(h: Hostile | undefined): string {
  if (h === undefined) return "missing";
  const c = h.command as Record<string, unknown> | null;
  const fields = typeof c === "object" && c !== null && !Array.isArray(c) ? Object.keys(c).join(",") : typeof c;
  return `${h.actor.id}: ${typeof c === "object" && c !== null ? String((c as { op?: unknown }).op) : ""} [${fields}]`;
}

function learn(known: Known, innocents: readonly Record<string, unknown>[], results: readonly CommandResult[]): void {
  for (const [i, c] of innocents.entries()) {
    const key = c.key as string;
    known.all.push(key);
    const r = results[i];
    if (c.op === "record" && r?.ok) {
      known.records.push(key);
      known.volunteerOf.set(key, c.volunteer as string);
      if (c.volunteer === "v1") known.v1Records.push(key);
    }
    if (c.op === "withdraw" && r?.ok) known.withdrawals.push(key);
  }
}

for (const backend of BACKENDS) {
  describe(`the time bank under attack on ${backend.name}`, () => {
    it(`keeps ${BATCHES * HOSTILE_PER_BATCH} hostile commands from harming anyone or leaking anything`, async () => {
      const reopen = await backend.fresh();
      let bank = await open(reopen());
      const twin = await open(memoryStore());
      await bank.as(HOST).submitMany(START);
      await twin.as(HOST).submitMany(START);
      const known: Known = { records: [], volunteerOf: new Map(), v1Records: [], withdrawals: [], all: [] };
      const produced: string[] = [];
      const rng = SEED;
      let hostileSent = 0;

      for (let b = 0; b < BATCHES; b++) {
        const [innocents, hostile, order] = fc.sample(
          fc.tuple(
            innocentBatch(b, known),
            hostileBatch(b, known),
            fc.array(fc.nat(3), { minLength: 20, maxLength: 20 }),
          ),
          { numRuns: 1, seed: rng + b },
        )[0] as [Record<string, unknown>[], Hostile[], number[]];
        const expected = await twin.as(HOST).submitMany(innocents);
        const got = await sendMixed(bank, innocents, hostile, order);
        hostileSent += hostile.length;

        expect(got.innocent, `seed ${SEED}, batch ${b}`).toEqual(expected);
        const harmful = got.hostile.flatMap((r, i) => (r.ok || "replayed" in r ? [describeHostile(hostile[i])] : []));
        expect(harmful, `seed ${SEED}, batch ${b}`).toEqual([]);
        learn(known, innocents, expected);

        const host = bank.as(HOST);
        expect(host.ledgerAccounts()).toEqual(twin.as(HOST).ledgerAccounts());
        const verified = await bank.verifyJournal();
        expect(verified).toMatchObject({ ok: true });

        // a malformed actor is a typed error that repeats none of it
        try {
          bank.as({ id: PHONE, roles: ["cadre"], communities: [] });
          expect.unreachable();
        } catch (e) {
          expect(isElderflowError(e)).toBe(true);
          produced.push(textOf(e));
        }

        // reopen as another process would, and agree to the last minute
        const accounts = host.ledgerAccounts();
        const anchor = bank.anchor();
        await bank.close();
        bank = await open(reopen());
        expect(bank.as(HOST).ledgerAccounts()).toEqual(accounts);
        expect(bank.anchor()).toEqual(anchor);

        produced.push(textOf(got), textOf(verified));
        produced.push(textOf(bank.as(HOST).publicNotice("c1", "2027-Q1")));
        produced.push(textOf(bank.as(HOST).certificate("v1")));
      }
      produced.push(textOf(await bank.journal()));
      expect(hostileSent).toBe(BATCHES * HOSTILE_PER_BATCH);
      for (const text of produced) expect(leaks(text), leakContext(text)).toEqual([]);
      await bank.close();
      await twin.close();
    }, 600_000);
  });
}
