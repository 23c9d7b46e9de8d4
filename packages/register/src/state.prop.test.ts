import {
  type ActorInput,
  addDays,
  DEFAULT_RANK_IDS,
  fixedClock,
  makeIdNumber,
  PersonStatus,
  sqlFromPglite,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { mysqlTestDatabases } from "../../../test/support/mysql-databases";
import type { RegisterChangeInput } from "./changes";
import { memoryRegister, type Register } from "./register";
import { sqlRegister } from "./sql";

const clock = fixedClock("2026-12-01T09:00:00+08:00");
const bureau: ActorInput = { id: "b1", roles: ["bureau"] };
const PERSONS = ["p1", "p2", "p3"] as const;
const BASE = "2000-01-01";

const enrolments: RegisterChangeInput[] = PERSONS.map((id, i) => ({
  kind: "enrol",
  personId: id,
  effective: BASE,
  person: {
    id,
    name: "王建国",
    gender: "male",
    birthDate: "1931-02-03",
    idNumber: makeIdNumber("320102", "1931-02-03", 2 * i + 1),
    retirementKind: "lixiu",
    rank: "county",
    communityId: "c1",
  },
  source: { kind: "import" },
}));

/** A change of one person without its date: the date is drawn apart, so that no two share a day. */
const payload = fc.oneof(
  fc.record({ kind: fc.constant("rank" as const), rank: fc.constantFrom(...DEFAULT_RANK_IDS) }),
  fc.record({ kind: fc.constant("status" as const), status: fc.constantFrom(...PersonStatus.options) }),
  fc.record({ kind: fc.constant("community" as const), communityId: fc.constantFrom("c1", "c2", "c3") }),
  fc.record({
    kind: fc.constant("household" as const),
    household: fc.record(
      { livesAlone: fc.option(fc.boolean()), childrenNearby: fc.option(fc.boolean()) },
      { requiredKeys: ["livesAlone"] },
    ),
  }),
  fc.record({
    kind: fc.constant("health" as const),
    health: fc.record(
      { chronicConditions: fc.option(fc.nat(50)), mobilityLimited: fc.option(fc.boolean()) },
      { requiredKeys: ["chronicConditions"] },
    ),
  }),
  fc.record({
    kind: fc.constant("contact" as const),
    name: fc.constantFrom("王建国", "王建华", "Wang Jianguo"),
    phone: fc.constantFrom("13912345678", "010-62345678", null),
  }),
);

const history = fc
  .uniqueArray(fc.integer({ min: 1, max: 9_000 }), { minLength: 1, maxLength: 24 })
  .chain((days) =>
    fc.tuple(
      fc.constant(days),
      fc.array(fc.tuple(fc.constantFrom(...PERSONS), payload), { minLength: days.length, maxLength: days.length }),
      fc.shuffledSubarray(
        days.map((_, i) => i),
        { minLength: days.length, maxLength: days.length },
      ),
    ),
  )
  .map(([days, items, order]) => {
    const changes = items.map(
      ([personId, p], i) =>
        ({
          ...p,
          personId,
          effective: addDays(BASE, days[i] as number),
          source: { kind: "survey" },
        }) as RegisterChangeInput,
    );
    const sorted = [...changes].sort((a, b) => (a.effective < b.effective ? -1 : 1));
    return { sorted, shuffled: order.map((i) => changes[i] as RegisterChangeInput) };
  });

describe("the register as of a day", () => {
  it("is the same whatever order valid changes were recorded in, on every day", async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ sorted, shuffled }) => {
        const inOrder = memoryRegister({ clock });
        const outOfOrder = memoryRegister({ clock });
        await inOrder.record([...enrolments, ...sorted], bureau);
        // Recorded one at a time, as corrections trickle in.
        await outOfOrder.record(enrolments, bureau);
        for (const c of shuffled) {
          const [o] = await outOfOrder.record([c], bureau);
          expect(o?.ok).toBe(true);
        }
        const days = ["1999-12-31", BASE, ...sorted.map((c) => c.effective), "2026-12-01"];
        for (const asOf of days) {
          const a = await inOrder.persons(bureau, { asOf });
          const b = await outOfOrder.persons(bureau, { asOf });
          expect(b).toEqual(a);
        }
        // The state on the last day follows the model: the last change of each field wins.
        const last = await inOrder.persons(bureau);
        for (const person of last) {
          const mine = sorted.filter((c) => c.personId === person.id);
          const lastRank = mine.filter((c) => c.kind === "rank").at(-1);
          expect(person.rank).toBe(lastRank?.kind === "rank" ? lastRank.rank : "county");
          const lastMove = mine.filter((c) => c.kind === "community").at(-1);
          expect(person.communityId).toBe(lastMove?.kind === "community" ? lastMove.communityId : "c1");
          const lastStatus = mine.filter((c) => c.kind === "status").at(-1);
          expect(person.status).toBe(lastStatus?.kind === "status" ? lastStatus.status : "active");
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** The SQL stores' property: the same register on every day as memory for the same changes in the same order. */
async function sameAsMemory(sql: Register): Promise<void> {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(history, async ({ sorted, shuffled }) => {
      // Each run has persons of its own in the one database.
      const tag = `r${++run}-`;
      const rename = (c: RegisterChangeInput): RegisterChangeInput =>
        c.kind === "enrol"
          ? { ...c, personId: tag + c.personId, person: { ...c.person, id: tag + c.person.id } }
          : { ...c, personId: tag + c.personId };
      const memory = memoryRegister({ clock });
      const batch = [...enrolments, ...shuffled].map(rename);
      const [a, b] = [await memory.record(batch, bureau), await sql.record(batch, bureau)];
      expect(b.map((o) => o.ok)).toEqual(a.map((o) => o.ok));
      for (const asOf of [BASE, ...sorted.map((c) => c.effective), "2026-12-01"]) {
        const mine = (await sql.persons(bureau, { asOf })).filter((p) => p.id.startsWith(tag));
        expect(mine).toEqual(await memory.persons(bureau, { asOf }));
      }
    }),
    { numRuns: 15 },
  );
}

describe("the SQL store", () => {
  const db = new PGlite();
  afterAll(() => db.close());

  it("gives the same register on every day as memory for the same changes in the same order", async () => {
    await sameAsMemory(await sqlRegister(sqlFromPglite(db, { owned: false }), { clock }));
  });
});

describe("the SQL store on MariaDB", () => {
  // A database of this file's own, dropped after it (pools ended first).
  const mariadb = mysqlTestDatabases("ef_reg_state");
  afterAll(() => mariadb.dropAll());

  it("gives the same register on every day as memory for the same changes in the same order", async () => {
    const db = await mariadb.create();
    await sameAsMemory(await sqlRegister(db.client(), { clock }));
  });
});
