import {
  type ActorInput,
  type ManualClock,
  manualClock,
  type SqlClient,
  sqlFromMysqlPool,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import {
  createDeliveries,
  type Deliveries,
  type DeliveryStore,
  memoryDeliveryStore,
  PERIODICALS,
  periodicalIssues,
  sqlDeliveryStore,
} from "./deliveries";
import { memoryDepartures } from "./follow";

const C1 = "d01-c001";
const C2 = "d01-c002";
const bureau: ActorInput = { id: "b-1", roles: ["bureau"] };
const staff: ActorInput = { id: "cs-1", roles: ["community_staff"], communities: [C1] };
const otherStaff: ActorInput = { id: "cs-2", roles: ["community_staff"], communities: [C2] };
const volunteer: ActorInput = { id: "v-1", roles: ["volunteer"], communities: [C1] };
const cadre: ActorInput = { id: "p1", roles: ["cadre"], communities: [C1] };
const START = Date.parse("2027-03-10T02:00:00Z");
const ZHIJIA = "laoganbu_zhijia";

const sub = (personId: string, communityId = C1, title = ZHIJIA, year = 2027) => ({
  personId,
  communityId,
  title,
  year,
});
const itemOf = (personId: string, issue = "2027-03", title = ZHIJIA) => `periodical/${title}/${issue}/${personId}`;

type MakeStore = () => Promise<{ store: DeliveryStore; close: () => Promise<void> }>;

/** One contract, written once, that deliveries keep on every store. */
function describeDeliveriesContract(name: string, make: MakeStore) {
  describe(`deliveries on ${name}`, () => {
    async function withDeliveries(
      fn: (d: Deliveries, clock: ManualClock, departures: ReturnType<typeof memoryDepartures>) => Promise<void>,
    ) {
      const clock = manualClock(START);
      const departures = memoryDepartures();
      const { store, close } = await make();
      try {
        await fn(createDeliveries({ store, clock, departures }), clock, departures);
      } finally {
        await close();
      }
    }

    it("subscribes cadres once per title and year, for their community's staff or a district body only", () =>
      withDeliveries(async (d) => {
        const first = await d.subscribe([sub("p1"), sub("p2"), sub("p3", C2)], staff);
        expect(first.map((r) => r.ok)).toEqual([true, true, false]);
        expect(first[2]).toMatchObject({
          ok: false,
          code: "WRONG_COMMUNITY",
          path: ["subscriptions", 2, "communityId"],
        });
        const again = await d.subscribe([sub("p1"), sub("p3", C2)], bureau);
        expect(again).toEqual([
          { index: 0, id: "2027/laoganbu_zhijia/p1", ok: true, changed: false },
          { index: 1, id: "2027/laoganbu_zhijia/p3", ok: true, changed: true },
        ]);
        expect((await d.subscriptions(staff)).map((s) => s.personId)).toEqual(["p1", "p2"]);
        expect((await d.subscriptions(bureau, { year: 2027 })).length).toBe(3);
        await expect(d.subscribe([sub("p1")], volunteer)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
      }));

    it("plans a round for the issue's subscribers, leaves out who died before it is due, and adds nothing twice", () =>
      withDeliveries(async (d, _clock, departures) => {
        await d.subscribe([sub("p1"), sub("p2"), sub("p3", C2), sub("p4", C1, ZHIJIA, 2026)], bureau);
        await departures.record({
          personId: "p2",
          status: "deceased",
          effective: "2027-03-05",
          recordedBy: "b-1",
          recordedAt: 0,
        });
        const round = { title: ZHIJIA, issue: "2027-03", due: "2027-03-10" };
        expect(await d.planPeriodicalRound(round, bureau)).toEqual({
          roundId: "periodical/laoganbu_zhijia/2027-03",
          added: 2,
          itemIds: [itemOf("p1"), itemOf("p3")],
          departed: 1,
        });
        expect((await d.planPeriodicalRound(round, bureau)).added).toBe(0);
        expect((await d.items(bureau)).map((i) => i.id)).toEqual([itemOf("p1"), itemOf("p3")]);
        // A community's staff sees and plans only its own.
        expect((await d.items(staff)).map((i) => i.personId)).toEqual(["p1"]);
        expect((await d.items(otherStaff)).map((i) => i.personId)).toEqual(["p3"]);
      }));

    it("records delivered or missed with who and when, lets a missed copy be delivered later, and never un-delivers", () =>
      withDeliveries(async (d, clock) => {
        await d.subscribe([sub("p1"), sub("p2"), sub("p5")], staff);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, staff);
        clock.set(START + 3_600_000);
        const r = await d.record(
          [
            { itemId: itemOf("p1"), outcome: "delivered" },
            { itemId: itemOf("p2"), outcome: "missed", reason: "not_at_home" },
            { itemId: itemOf("p9"), outcome: "delivered" },
            { itemId: itemOf("p5"), outcome: "missed" },
          ],
          volunteer,
        );
        expect(r.map((x) => (x.ok ? "ok" : x.code))).toEqual(["ok", "ok", "UNKNOWN_DELIVERY", "MISSED_NEEDS_REASON"]);
        const [p1] = await d.items(bureau, { status: "delivered" });
        expect(p1?.history.at(-1)).toEqual({ status: "delivered", by: "v-1", at: START + 3_600_000 });
        clock.set(START + 2 * 86_400_000);
        const later = await d.record(
          [
            { itemId: itemOf("p2"), outcome: "delivered" },
            { itemId: itemOf("p1"), outcome: "delivered" },
            { itemId: itemOf("p1"), outcome: "missed", reason: "refused" },
          ],
          staff,
        );
        expect(later.map((x) => (x.ok ? x.changed : x.code))).toEqual([true, false, "DELIVERY_ALREADY_RECORDED"]);
        const p2 = (await d.items(bureau)).find((i) => i.personId === "p2");
        expect(p2?.history.map((h) => h.status)).toEqual(["due", "missed", "delivered"]);
        expect(await d.completeness("2027-03", bureau)).toEqual([
          { communityId: C1, due: 3, delivered: 2, missed: 0, outstanding: 1 },
        ]);
      }));

    it("cancels what is not yet delivered to a cadre who left, from the day they left, and counts it nowhere", () =>
      withDeliveries(async (d) => {
        await d.subscribe([sub("p1"), sub("p2")], staff);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, staff);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-04", due: "2027-04-10" }, staff);
        const march = (p: string) => `periodical/${ZHIJIA}/2027-03/${p}`;
        const april = (p: string) => `periodical/${ZHIJIA}/2027-04/${p}`;
        await d.record([{ itemId: march("p1"), outcome: "missed", reason: "not_at_home" }], volunteer);
        // p1 died on 03-05: the March copy (due 03-10, missed) and the April one are no longer owed.
        expect(await d.cancelFor("p1", "2027-03-05", staff)).toEqual([march("p1"), april("p1")].sort());
        expect(await d.cancelFor("p1", "2027-03-05", staff)).toEqual([]);
        expect(await d.completeness("2027-03", bureau)).toEqual([
          { communityId: C1, due: 1, delivered: 0, missed: 0, outstanding: 1 },
        ]);
        const cancelled = await d.items(bureau, { status: "cancelled" });
        expect(cancelled.map((i) => i.id)).toEqual([march("p1"), april("p1")]);
        expect(cancelled[0]?.history.at(-1)).toMatchObject({ status: "cancelled", by: "cs-1", reason: "person_left" });
        const late = await d.record([{ itemId: march("p1"), outcome: "delivered" }], volunteer);
        expect(late[0]).toMatchObject({ ok: false, code: "DELIVERY_CANCELLED" });
        // Out of reach or without a carrier's role: nothing is cancelled.
        expect(await d.cancelFor("p2", "2027-03-01", otherStaff)).toEqual([]);
        await expect(d.cancelFor("p2", "2027-03-01", { id: "c-9", roles: ["cadre"] })).rejects.toMatchObject({
          code: "NOT_AUTHORIZED",
        });
        await expect(d.cancelFor("p2", "2027-02-30", staff)).rejects.toMatchObject({ path: ["from"] });
        expect((await d.items(bureau, { status: "due" })).map((i) => i.personId)).toEqual(["p2", "p2"]);
      }));

    it("refuses to record out of reach or without a carrier's role, changing nothing", () =>
      withDeliveries(async (d) => {
        await d.subscribe([sub("p1")], staff);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, staff);
        const r = await d.record([{ itemId: itemOf("p1"), outcome: "delivered" }], otherStaff);
        expect(r).toEqual([{ index: 0, ok: false, code: "WRONG_COMMUNITY", path: ["actor", "communities"] }]);
        await expect(d.record([{ itemId: itemOf("p1"), outcome: "delivered" }], cadre)).rejects.toMatchObject({
          code: "NOT_AUTHORIZED",
        });
        expect((await d.items(bureau))[0]?.status).toBe("due");
      }));

    it("plans the 送学上门 round of a study session from its delivery list and counts it in the month", () =>
      withDeliveries(async (d) => {
        const plan = await d.planStudyRound(
          {
            session: "2027-03-10",
            due: "2027-03-12",
            recipients: [
              { personId: "p7", communityId: C1 },
              { personId: "p8", communityId: C2 },
            ],
          },
          bureau,
        );
        expect(plan).toEqual({
          roundId: "study/2027-03-10",
          added: 2,
          itemIds: ["study/2027-03-10/p7", "study/2027-03-10/p8"],
          departed: 0,
        });
        await d.record([{ itemId: "study/2027-03-10/p8", outcome: "missed", reason: "in_hospital" }], otherStaff);
        expect(await d.completeness("2027-03", bureau)).toEqual([
          { communityId: C1, due: 1, delivered: 0, missed: 0, outstanding: 1 },
          { communityId: C2, due: 1, delivered: 0, missed: 1, outstanding: 0 },
        ]);
        expect(await d.completeness("2027-04", bureau)).toEqual([]);
        await expect(
          d.planStudyRound(
            { session: "2027-03-10", due: "2027-03-12", recipients: [{ personId: "p8", communityId: C2 }] },
            staff,
          ),
        ).rejects.toMatchObject({ code: "WRONG_COMMUNITY" });
      }));

    it("refuses hostile input at the boundary: unknown titles, issues of another year, bad months, ID numbers as ids", () =>
      withDeliveries(async (d) => {
        const r = await d.subscribe(
          [
            sub("p1", C1, "people_daily"),
            sub("110101194901011234"),
            { ...sub("p1"), year: 1800 },
            { ...sub("p1"), extra: true } as never,
            null as never,
          ],
          bureau,
        );
        expect(r.map((x) => (x.ok ? "ok" : x.code))).toEqual([
          "UNKNOWN_PERIODICAL",
          "PERSONAL_DATA_IN_ID",
          "OUT_OF_RANGE",
          "UNKNOWN_FIELD",
          "INVALID_TYPE",
        ]);
        for (const issue of ["2027-13", "2027-03-01", "1800-01", 202703])
          await expect(
            d.planPeriodicalRound({ title: ZHIJIA, issue: issue as string, due: "2027-03-10" }, bureau),
          ).rejects.toMatchObject({ code: "UNKNOWN_ISSUE" });
        await expect(
          d.planPeriodicalRound({ title: "local_daily", issue: "2027-03-02", due: "2027-03-06" }, bureau),
        ).rejects.toMatchObject({ code: "UNKNOWN_ISSUE" });
        // A December issue may be due in January: the issue names its year.
        expect(
          (await d.planPeriodicalRound({ title: "local_daily", issue: "2026-12-28", due: "2027-01-01" }, bureau)).added,
        ).toBe(0);
        await expect(
          d.planPeriodicalRound(
            { title: "x'; drop table elderflow_deliveries; --", issue: "2027-03", due: "2027-03-10" },
            bureau,
          ),
        ).rejects.toMatchObject({ code: "UNKNOWN_PERIODICAL" });
        await expect(d.completeness("2027-13", bureau)).rejects.toMatchObject({ code: "INVALID_FORMAT" });
        await expect(d.completeness("2027-03", { id: "x", roles: [] })).rejects.toMatchObject({ code: "TOO_SMALL" });
        const big = Array.from({ length: 20_001 }, () => ({ itemId: "x", outcome: "delivered" as const }));
        await expect(d.record(big, bureau)).rejects.toMatchObject({ code: "TOO_BIG" });
        await expect(d.items(bureau, { status: "lost" as never })).rejects.toMatchObject({ code: "INVALID_ENUM" });
        await expect(d.items(bureau, { roundId: "r\u0000" })).rejects.toMatchObject({ code: "CONTROL_CHARACTER" });
        await expect(d.subscriptions(bureau, { year: 2027.5 })).rejects.toMatchObject({ code: "INVALID_TYPE" });
        expect(await d.items(bureau)).toEqual([]);
      }));

    it("finds a round or an item by its exact id only: no other case, trailing space or prefix", () =>
      withDeliveries(async (d) => {
        await d.subscribe([sub("p1")], staff);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, staff);
        const roundId = `periodical/${ZHIJIA}/2027-03`;
        expect((await d.items(bureau, { roundId })).map((i) => i.id)).toEqual([itemOf("p1")]);
        for (const other of [`${roundId} `, roundId.toUpperCase(), roundId.slice(0, -1)])
          expect(await d.items(bureau, { roundId: other })).toEqual([]);
        const r = await d.record(
          [
            { itemId: `${itemOf("p1")} `, outcome: "delivered" },
            { itemId: itemOf("P1"), outcome: "delivered" },
          ],
          staff,
        );
        expect(r.map((x) => (x.ok ? "ok" : x.code))).toEqual(["UNKNOWN_DELIVERY", "UNKNOWN_DELIVERY"]);
        expect(await d.cancelFor("P1", "2027-03-01", staff)).toEqual([]);
        expect((await d.items(bureau))[0]?.status).toBe("due");
      }));

    it("forgets a person's subscriptions and deliveries on erasure", () =>
      withDeliveries(async (d) => {
        await d.subscribe([sub("p1"), sub("p2")], bureau);
        await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, bureau);
        await expect(d.forget("p1", staff)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
        expect(await d.forget("p1", bureau)).toBe(2);
        expect((await d.items(bureau)).map((i) => i.personId)).toEqual(["p2"]);
        expect((await d.subscriptions(bureau)).map((s) => s.personId)).toEqual(["p2"]);
      }));

    it("property: per community, delivered + missed + outstanding is what was due, whatever is recorded", async () => {
      const outcome = fc.record({
        person: fc.integer({ min: 0, max: 11 }),
        outcome: fc.constantFrom("delivered" as const, "missed" as const),
        reason: fc.constantFrom("not_at_home" as const, "refused" as const),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(outcome, { maxLength: 30 }), async (outcomes) =>
          withDeliveries(async (d) => {
            const persons = Array.from({ length: 12 }, (_, i) => sub(`p${i}`, i % 3 === 0 ? C2 : C1));
            await d.subscribe(persons, bureau);
            await d.planPeriodicalRound({ title: ZHIJIA, issue: "2027-03", due: "2027-03-10" }, bureau);
            await d.record(
              outcomes.map((o) => ({ itemId: itemOf(`p${o.person}`), outcome: o.outcome, reason: o.reason })),
              bureau,
            );
            const rows = await d.completeness("2027-03", bureau);
            expect(rows.reduce((a, r) => a + r.due, 0)).toBe(12);
            for (const r of rows) expect(r.delivered + r.missed + r.outstanding).toBe(r.due);
            // Delivered only grows: each person delivered at least once in the batch counts as delivered.
            const delivered = new Set(outcomes.filter((o) => o.outcome === "delivered").map((o) => o.person));
            expect(rows.reduce((a, r) => a + r.delivered, 0)).toBe(delivered.size);
          }),
        ),
        { numRuns: name === "memory" ? 100 : 10 },
      );
    });
  });
}

describe("periodical issues", () => {
  it("gives twelve monthly issues due on the 10th and weekly bundles from each Monday of the year", () => {
    const monthly = periodicalIssues({ frequency: "monthly" }, 2026);
    expect(monthly).toHaveLength(12);
    expect(monthly[11]).toEqual({ issue: "2026-12", due: "2026-12-10" });
    const weekly = periodicalIssues({ frequency: "weekly" }, 2026);
    expect(weekly[0]).toEqual({ issue: "2026-01-05", due: "2026-01-09" });
    expect(weekly).toHaveLength(52);
    expect(weekly.at(-1)?.issue).toBe("2026-12-28");
    expect(PERIODICALS.map((p) => p.name["zh-CN"])).toContain("《老干部之家》");
  });
});

describeDeliveriesContract("memory", async () => ({ store: memoryDeliveryStore(), close: async () => {} }));

/** Empties a PostgreSQL database of the deliveries tables and their migration record. */
const PG_RESET = `drop table if exists elderflow_deliveries; drop table if exists elderflow_subscriptions;
  create table if not exists elderflow_migrations (namespace text not null, version integer not null, name text not null, primary key (namespace, version));
  delete from elderflow_migrations where namespace = 'deliveries'`;
/** The same on MySQL, where the migration bookkeeping (two tables) may go too: it is made again. */
const MYSQL_RESET =
  "drop table if exists elderflow_deliveries, elderflow_subscriptions, elderflow_migrations, elderflow_migration_steps";

function sharedSql(open: () => Promise<SqlClient>, reset = PG_RESET): MakeStore {
  let shared: Promise<SqlClient> | undefined;
  afterAll(async () => {
    if (shared !== undefined) await (await shared).close();
  });
  return async () => {
    shared ??= open();
    const sql = await shared;
    await sql.exec(reset);
    return { store: await sqlDeliveryStore(sql), close: async () => {} };
  };
}

describeDeliveriesContract(
  "PGlite",
  sharedSql(async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    return sqlFromPglite(new PGlite());
  }),
);

const pgDb = privateDatabase("ef_deliveries");
describe("on a database of its own", () => {
  afterAll(() => dropPgDatabase(pgDb));
  describeDeliveriesContract(
    "PostgreSQL",
    sharedSql(async () => {
      await pgAdmin(`create database ${pgDb}`);
      const pg = await import("pg");
      const url = new URL(PG_URL);
      url.pathname = `/${pgDb}`;
      return sqlFromPgPool(new (pg.default ?? pg).Pool({ connectionString: url.toString(), max: 2 }));
    }),
  );
});

/** Several stores over one database, as several processes of a host would open them. */
type OpenStores = (n: number) => Promise<{ stores: DeliveryStore[]; close: () => Promise<void> }>;

/** What several processes doing the same thing at once may and may not do to the deliveries. */
function describeConcurrency(name: string, open: OpenStores) {
  describe(`deliveries written at once by several processes on ${name}`, () => {
    async function withMany(fn: (d: Deliveries[]) => Promise<void>) {
      const { stores, close } = await open(2);
      const clock = manualClock(START);
      try {
        // Two calls at once from each process.
        await fn([...stores, ...stores].map((store) => createDeliveries({ store, clock })));
      } finally {
        await close();
      }
    }
    const persons = (n: number) => Array.from({ length: n }, (_, i) => sub(`p${i}`, i % 2 === 0 ? C1 : C2));
    const round = { title: ZHIJIA, issue: "2027-03", due: "2027-03-10" };

    it("subscribes a cadre once, and only one caller is told it was new, when callers' lists overlap", () =>
      withMany(async (ds) => {
        // Caller k subscribes cadres 10k .. 10k+39: each list shares a part with the others'.
        const lists = ds.map((_, k) => persons(80).slice(10 * k, 10 * k + 40));
        const results = await Promise.all(ds.map((d, k) => d.subscribe(lists[k] ?? [], bureau)));
        const told = new Map<string, number>();
        for (const r of results.flat()) if (r.ok && r.changed) told.set(r.id, (told.get(r.id) ?? 0) + 1);
        const all = new Set(lists.flat().map((s) => `2027/${ZHIJIA}/${s.personId}`));
        expect([...told.keys()].sort()).toEqual([...all].sort());
        expect([...told.values()].every((n) => n === 1)).toBe(true);
        expect(await ds[0]?.subscriptions(bureau)).toHaveLength(all.size);
      }));

    it("plans a round once: every item is added by exactly one of the planners", () =>
      withMany(async (ds) => {
        await ds[0]?.subscribe(persons(60), bureau);
        const plans = await Promise.all(ds.map((d) => d.planPeriodicalRound(round, bureau)));
        expect(plans.reduce((n, p) => n + p.added, 0)).toBe(60);
        const ids = plans.flatMap((p) => p.itemIds);
        expect(new Set(ids).size).toBe(60);
        expect(await ds[0]?.items(bureau)).toHaveLength(60);
      }));

    it("records a delivery at most once when carriers record the same items at once", () =>
      withMany(async (ds) => {
        await ds[0]?.subscribe(persons(20), bureau);
        const { itemIds } = (await ds[0]?.planPeriodicalRound(round, bureau)) ?? { itemIds: [] };
        const results = await Promise.all(
          ds.map((d, k) =>
            d.record(
              // Each carrier in another order: the row locks are taken in id order whatever the order given.
              (k % 2 === 0 ? itemIds : [...itemIds].reverse()).map((itemId) => ({ itemId, outcome: "delivered" })),
              bureau,
            ),
          ),
        );
        for (const id of itemIds)
          expect(results.flat().filter((r) => r.ok && r.id === id && r.changed)).toHaveLength(1);
        for (const item of (await ds[0]?.items(bureau)) ?? [])
          expect(item.history.map((h) => h.status)).toEqual(["due", "delivered"]);
      }));

    it("loses no step when carriers record misses of one item at once", () =>
      withMany(async (ds) => {
        await ds[0]?.subscribe([sub("p1")], bureau);
        await ds[0]?.planPeriodicalRound(round, bureau);
        const reasons = ["not_at_home", "refused", "address_unknown", "in_hospital"] as const;
        const results = await Promise.all(
          ds.map((d, k) =>
            d.record(
              [{ itemId: itemOf("p1"), outcome: "missed", reason: reasons[k % reasons.length] ?? "other" }],
              bureau,
            ),
          ),
        );
        const changed = results.flat().filter((r) => r.ok && r.changed).length;
        const [item] = (await ds[0]?.items(bureau)) ?? [];
        expect(item?.history).toHaveLength(1 + changed);
        expect(changed).toBe(reasons.length);
      }));

    it("lets either a delivery or a cancellation win an item, never both", () =>
      withMany(async (ds) => {
        await ds[0]?.subscribe(persons(30), bureau);
        const { itemIds } = (await ds[0]?.planPeriodicalRound(round, bureau)) ?? { itemIds: [] };
        const [a, b, c, d] = ds as [Deliveries, Deliveries, Deliveries, Deliveries];
        const [delivered, cancelled] = await Promise.all([
          a.record(
            itemIds.map((itemId) => ({ itemId, outcome: "delivered" as const })),
            bureau,
          ),
          Promise.all(
            itemIds.map((id, i) => [b, c, d][i % 3]?.cancelFor(id.split("/").at(-1) ?? "", "2027-03-01", bureau)),
          ),
        ]);
        const gone = new Set(cancelled.flat());
        for (const item of await a.items(bureau)) {
          const won = delivered.find((r) => r.ok && r.id === item.id);
          if (gone.has(item.id)) {
            expect(item.history.map((h) => h.status)).toEqual(["due", "cancelled"]);
            expect(won).toBeUndefined();
          } else {
            expect(item.history.map((h) => h.status)).toEqual(["due", "delivered"]);
            expect(won).toMatchObject({ ok: true, changed: true });
          }
        }
        expect(delivered.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(
          [...gone].map(() => "DELIVERY_CANCELLED"),
        );
      }));
  });
}

describeConcurrency("memory", async () => {
  const store = memoryDeliveryStore();
  return { stores: [store, store], close: async () => {} };
});

/** Opens `n` clients over one database, each with its own store, after emptying the deliveries tables. */
function manyClients(connect: () => Promise<SqlClient>, reset: string): OpenStores {
  return async (n) => {
    const clients = await Promise.all(Array.from({ length: n }, connect));
    try {
      await clients[0]?.exec(reset);
      const stores = await Promise.all(clients.map((c) => sqlDeliveryStore(c)));
      return { stores, close: async () => void (await Promise.all(clients.map((c) => c.close()))) };
    } catch (error) {
      await Promise.all(clients.map((c) => c.close()));
      throw error;
    }
  };
}

const pgConcurrentDb = privateDatabase("ef_deliveries_many");
describe("on a PostgreSQL database of its own, several clients", () => {
  let created: Promise<void> | undefined;
  afterAll(() => dropPgDatabase(pgConcurrentDb));
  describeConcurrency(
    "PostgreSQL",
    manyClients(async () => {
      created ??= pgAdmin(`create database ${pgConcurrentDb}`);
      await created;
      const pg = await import("pg");
      const url = new URL(PG_URL);
      url.pathname = `/${pgConcurrentDb}`;
      return sqlFromPgPool(new (pg.default ?? pg).Pool({ connectionString: url.toString(), max: 2 }));
    }, PG_RESET),
  );
});

const myDb = privateMysqlDatabase("ef_deliveries");
describe("on a MariaDB database of its own", () => {
  let url: Promise<string> | undefined;
  const connect = async () => {
    url ??= createMysqlDatabase(myDb);
    return sqlFromMysqlPool(mysqlPool(await url, 2));
  };
  afterAll(() => dropMysqlDatabase(myDb));
  describeDeliveriesContract("MariaDB", sharedSql(connect, MYSQL_RESET));
  describeConcurrency("MariaDB", manyClients(connect, MYSQL_RESET));
});
