import {
  type ActorInput,
  fixedClock,
  makeIdNumber,
  type PersonInput,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { mysqlTestDatabases } from "../../../test/support/mysql-databases";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../test/support/pg";
import { memoryRegister, type Register } from "./register";
import { sqlRegister } from "./sql";

const clock = fixedClock("2026-12-01T09:00:00+08:00");
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };

const NAME = "欧阳明华";
const ID_NUMBER = makeIdNumber("110105", "1932-08-09", 3);
const PHONE = "13987654321";
const person = (over: Partial<PersonInput> = {}): PersonInput => ({
  id: "p1",
  name: NAME,
  gender: "male",
  birthDate: "1932-08-09",
  idNumber: ID_NUMBER,
  phone: PHONE,
  retirementKind: "lixiu",
  rank: "county",
  communityId: "c1",
  health: { chronicConditions: 7, mobilityLimited: true },
  ...over,
});
const enrol = (over: Partial<PersonInput> = {}, extra: Record<string, unknown> = {}): unknown => ({
  kind: "enrol",
  personId: over.id ?? "p1",
  effective: "2020-01-01",
  person: person(over),
  source: { kind: "import" },
  ...extra,
});
const rank = (extra: Record<string, unknown> = {}): unknown => ({
  kind: "rank",
  personId: "p1",
  effective: "2021-01-01",
  rank: "deputy_department",
  source: { kind: "correction" },
  ...extra,
});

/** Hostile items, each with the code it must be refused with. */
const HOSTILE: readonly [string, unknown, string][] = [
  ["a huge reason", rank({ reason: "长".repeat(1_000_000) }), "TOO_BIG"],
  ["a huge name", enrol({ name: "名".repeat(5_000) }), "TOO_BIG"],
  ["NUL in a name", enrol({ name: "欧阳\u0000明华" }), "CONTROL_CHARACTER"],
  ["a bidi override in a name", enrol({ name: "欧阳\u202E明华" }), "CONTROL_CHARACTER"],
  ["a lone surrogate in a reason", rank({ reason: "原因\ud800" }), "MALFORMED_TEXT"],
  ["NUL in an extra value", enrol({ extra: { note: "a\u0000b" } }), "CONTROL_CHARACTER"],
  ["a lone surrogate in an extra key", enrol({ extra: { "k\udc00": "v" } }), "MALFORMED_TEXT"],
  ["an ID number as the person id", enrol({ id: ID_NUMBER }), "PERSONAL_DATA_IN_ID"],
  ["a phone number as a community id", enrol({ communityId: `c-${PHONE}` }), "PERSONAL_DATA_IN_ID"],
  ["a phone number in a source ref", rank({ source: { kind: "notice", ref: `call ${PHONE}` } }), "PERSONAL_DATA_IN_ID"],
  ["a deep extra", enrol({ extra: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } as never }), "TOO_DEEP"],
  ["an unknown field", rank({ admin: true }), "UNKNOWN_FIELD"],
  [
    "a prototype key",
    JSON.parse(
      '{"kind":"rank","personId":"p1","effective":"2021-01-01","rank":"county","source":{"kind":"correction"},"__proto__":{"x":1}}',
    ),
    "UNKNOWN_FIELD",
  ],
  ["not an object", 42, "INVALID_TYPE"],
  ["null", null, "INVALID_TYPE"],
  ["an unknown kind", { kind: "erase", personId: "p1" }, "INVALID_INPUT"],
  ["a date that does not exist", rank({ effective: "2021-02-30" }), "INVALID_DATE"],
  ["a future date", rank({ effective: "2026-12-02" }), "FUTURE_DATE"],
  ["another community's person", rank({ personId: "p2" }), "WRONG_COMMUNITY"],
  [
    "a move into another community",
    { kind: "community", personId: "p1", effective: "2021-01-01", communityId: "c2", source: { kind: "notice" } },
    "WRONG_COMMUNITY",
  ],
  ["an enrolment into another community", enrol({ id: "p3", communityId: "c2" }), "WRONG_COMMUNITY"],
];

function describeHostile(name: string, open: () => Promise<{ register: Register; rows: () => Promise<number> }>) {
  describe(`hostile input: ${name}`, () => {
    it("refuses every hostile item with its code, writes nothing of it, and repeats no personal data", async () => {
      const { register, rows } = await open();
      await register.record([enrol(), enrol({ id: "p2", communityId: "c2", name: "李四" })], bureau);
      const before = await rows();
      const outcomes = await register.record(
        HOSTILE.map(([, item]) => item),
        registrar,
      );
      const got = outcomes.map((o, i) => [HOSTILE[i]?.[0], o.ok ? "ok" : o.error.code]);
      expect(got).toEqual(HOSTILE.map(([what, , code]) => [what, code]));
      expect(await rows()).toBe(before);
      const text = JSON.stringify(outcomes);
      for (const secret of [NAME, ID_NUMBER, PHONE, "长长长", "名名名"]) expect(text).not.toContain(secret);
      expect(text.length).toBeLessThan(HOSTILE.length * 2_000);
      await register.close();
    });

    it("refuses a batch from an actor who may not write, writing nothing", async () => {
      const { register, rows } = await open();
      for (const actor of [
        staff,
        { id: "v1", roles: ["volunteer"], communities: ["c1"] },
        { id: ID_NUMBER, roles: ["bureau"] },
        { id: "x", roles: ["root"] },
        null,
      ]) {
        await expect(register.record([enrol()], actor as ActorInput)).rejects.toMatchObject({ name: "ElderflowError" });
      }
      expect(await rows()).toBe(0);
      await register.close();
    });

    it("shows no name, ID number, phone or health in listings, exports, histories or errors", async () => {
      const { register } = await open();
      await register.record(
        [
          enrol(),
          {
            kind: "health",
            personId: "p1",
            effective: "2022-01-01",
            health: { chronicConditions: 9 },
            source: { kind: "survey" },
          },
          {
            kind: "contact",
            personId: "p1",
            effective: "2022-01-01",
            phone: "13911112222",
            reason: `${NAME}的新号码 13911112222，身份证 ${ID_NUMBER}`,
            source: { kind: "survey" },
          },
        ],
        registrar,
      );
      const shown = JSON.stringify([
        await register.list(staff),
        await register.exportRows(bureau),
        await register.exportRows(staff, { asOf: "2021-01-01" }),
        await register.history("p1", staff),
        await register.record(
          [{ ...(enrol() as object), person: person({ idNumber: makeIdNumber("110105", "1932-08-10", 3) }) }],
          registrar,
        ),
        await register.record(
          [
            {
              kind: "contact",
              personId: "p1",
              effective: "2022-01-01",
              phone: `x${PHONE}`,
              source: { kind: "survey" },
            },
          ],
          registrar,
        ),
      ]);
      for (const secret of [
        NAME,
        ID_NUMBER,
        PHONE,
        "13911112222",
        "chronicConditions",
        "mobilityLimited",
        '"health":{"',
      ])
        expect(shown).not.toContain(secret);
      expect(shown).toContain("欧**华");
    });

    it("never throws anything but refusals for arbitrary JSON items", async () => {
      const { register, rows } = await open();
      await fc.assert(
        fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 4 }), async (items) => {
          const outcomes = await register.record(items, registrar);
          expect(outcomes.every((o) => !o.ok)).toBe(true);
        }),
        { numRuns: 50 },
      );
      expect(await rows()).toBe(0);
      await register.close();
    });
  });
}

describeHostile("memory", async () => {
  const register = memoryRegister({ clock });
  return {
    register,
    rows: async () => (await register.history("p1", bureau)).length + (await register.history("p2", bureau)).length,
  };
});

const dbs: PGlite[] = [];
afterAll(async () => {
  for (const db of dbs) await db.close();
});
describeHostile("PGlite", async () => {
  const db = new PGlite();
  dbs.push(db);
  const register = await sqlRegister(sqlFromPglite(db, { owned: false }), { clock });
  return {
    register,
    rows: async () =>
      Number((await db.query<{ n: number }>("select count(*)::int as n from register_changes")).rows[0]?.n),
  };
});

// A database of this file's own, a schema per test; an unreachable server fails (never a skip).
const pgDb = privateDatabase("ef_register_hostile");
let created: Promise<void> | undefined;
let schemas = 0;
const pools: pg.Pool[] = [];
describe("on PostgreSQL", () => {
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await dropPgDatabase(pgDb);
  });
  describeHostile("PostgreSQL", async () => {
    created ??= pgAdmin(`create database ${pgDb}`);
    await created;
    const schema = `h${++schemas}`;
    const url = new URL(PG_URL);
    url.pathname = `/${pgDb}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2, options: `-c search_path=${schema}` });
    pools.push(pool);
    await pool.query(`create schema ${schema}`);
    const register = await sqlRegister(sqlFromPgPool(pool, { owned: false }), { clock });
    return {
      register,
      rows: async () => Number((await pool.query("select count(*)::int as n from register_changes")).rows[0]?.n),
    };
  });
});

// MariaDB: a database per test, all dropped after the file (pools ended first).
const mariadb = mysqlTestDatabases("ef_reg_hostile");
describe("on MariaDB", () => {
  afterAll(() => mariadb.dropAll());
  describeHostile("MariaDB", async () => {
    const db = await mariadb.create();
    const register = await sqlRegister(db.client(), { clock });
    return {
      register,
      rows: async () => Number(((await db.run("select count(*) as n from register_changes")) as { n: number }[])[0]?.n),
    };
  });
});
