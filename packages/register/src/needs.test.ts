import {
  type ActorInput,
  isElderflowError,
  manualClock,
  type SqlClient,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { mysqlTestDatabases } from "../../../test/support/mysql-databases";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../test/support/pg";
import { createNeedsRegister, memoryNeedsStore, type NeedInput, type NeedsRegister, sqlNeedsStore } from "./needs";
import { createRegister, memoryRegisterStore } from "./register";
import { REGISTER_MIGRATIONS, REGISTER_MYSQL_MIGRATIONS, sqlNeedsRegister, sqlRegister } from "./sql";

const officer: ActorInput = { id: "officer-1", roles: ["team_leader"], communities: ["c1"] };
const staff2: ActorInput = { id: "staff-2", roles: ["community_staff"], communities: ["c2"] };
const volunteer: ActorInput = { id: "vol-1", roles: ["volunteer"], communities: ["c1"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };

const aNeed = (over: Partial<NeedInput> = {}): NeedInput => ({
  id: "n1",
  personId: "p1",
  communityId: "c1",
  serviceKind: "medical_care",
  urgency: "high",
  recordedOn: "2027-03-01",
  ...over,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    return isElderflowError(e) ? e.code : "raw";
  }
}

function describeNeedsContract(
  name: string,
  open: () => Promise<{ needs: NeedsRegister; cleanup: () => Promise<void> }>,
) {
  describe(`needs register on ${name}`, () => {
    const withNeeds = async (fn: (needs: NeedsRegister) => Promise<void>) => {
      const { needs, cleanup } = await open();
      try {
        await fn(needs);
      } finally {
        await cleanup();
      }
    };

    it("records a need with who recorded it and when, open", () =>
      withNeeds(async (needs) => {
        const [o] = await needs.record(
          [aNeed({ skills: ["housekeeping", "housekeeping"], note: "行动不便" })],
          officer,
        );
        expect(o?.ok).toBe(true);
        const need = await needs.get("n1", officer);
        expect(need).toMatchObject({
          id: "n1",
          personId: "p1",
          serviceKind: "medical_care",
          skills: ["housekeeping"],
          urgency: "high",
          recordedBy: "officer-1",
          recordedOn: "2027-03-01",
          status: "open",
          volunteerId: null,
          note: "行动不便",
        });
        expect(need?.history).toEqual([{ from: null, to: "open", by: "officer-1", at: "2027-03-02T01:00:00.000Z" }]);
      }));

    it("moves open → matched → open → matched → closed, and refuses what the status does not allow", () =>
      withNeeds(async (needs) => {
        await needs.record([aNeed()], officer);
        expect(await codeOf(needs.release("n1", officer))).toBe("NEED_STATUS");
        expect((await needs.match("n1", "v1", officer)).status).toBe("matched");
        expect(await codeOf(needs.match("n1", "v2", officer))).toBe("NEED_STATUS");
        expect((await needs.release("n1", officer)).volunteerId).toBeNull();
        await needs.match("n1", "v2", officer);
        const closed = await needs.close("n1", "met", officer);
        expect(closed).toMatchObject({ status: "closed", volunteerId: "v2", version: 5 });
        expect(closed.history.map((h) => h.to)).toEqual(["open", "matched", "open", "matched", "closed"]);
        expect(await codeOf(needs.close("n1", "met", officer))).toBe("NEED_STATUS");
        expect(await needs.get("n1", officer)).toEqual(closed);
      }));

    it("lets only community staff roles of the need's community record and change it", () =>
      withNeeds(async (needs) => {
        expect(await codeOf(needs.record([aNeed()], volunteer))).toBe("NOT_AUTHORIZED");
        const [o] = await needs.record([aNeed()], staff2);
        expect(o).toMatchObject({ ok: false, error: { code: "WRONG_COMMUNITY", path: ["communityId"] } });
        await needs.record([aNeed()], officer);
        expect(await codeOf(needs.match("n1", "v1", staff2))).toBe("UNKNOWN_NEED");
        expect(await codeOf(needs.match("n1", "v1", volunteer))).toBe("NOT_AUTHORIZED");
        expect((await needs.match("n1", "v1", bureau)).status).toBe("matched");
      }));

    it("shows needs only within reach, notes only to those who record, most urgent first", () =>
      withNeeds(async (needs) => {
        await needs.record(
          [
            aNeed({ id: "n1", urgency: "low", note: "备注" }),
            aNeed({ id: "n2", urgency: "urgent", recordedOn: "2027-03-02" }),
            aNeed({ id: "n3", urgency: "urgent" }),
          ],
          officer,
        );
        await needs.record([aNeed({ id: "m1", communityId: "c2" })], staff2);
        expect((await needs.list(officer)).map((n) => n.id)).toEqual(["n3", "n2", "n1"]);
        expect((await needs.list(staff2)).map((n) => n.id)).toEqual(["m1"]);
        expect((await needs.list(bureau, { status: "open" })).map((n) => n.id)).toEqual(["n3", "n2", "m1", "n1"]);
        expect((await needs.list(officer)).some((n) => n.note !== undefined)).toBe(false);
        expect((await needs.get("n1", volunteer))?.note).toBeUndefined();
        expect((await needs.get("n1", officer))?.note).toBe("备注");
        expect(await needs.get("m1", officer)).toBeUndefined();
        expect((await needs.list(officer, { personId: "p9" })).length).toBe(0);
      }));

    it("refuses each bad item on its own and keeps the rest: duplicate, future date, unknown field", () =>
      withNeeds(async (needs) => {
        const out = await needs.record(
          [
            aNeed(),
            aNeed(),
            aNeed({ id: "n2", recordedOn: "2027-03-03" }),
            { ...aNeed({ id: "n3" }), extra: true },
            aNeed({ id: "n4", urgency: "soon" as never }),
            aNeed({ id: "n5" }),
          ],
          officer,
        );
        expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual([
          "ok",
          "DUPLICATE_ID",
          "FUTURE_DATE",
          "UNKNOWN_FIELD",
          "INVALID_ENUM",
          "ok",
        ]);
        expect((await needs.list(officer)).map((n) => n.id)).toEqual(["n1", "n5"]);
      }));
  });
}

const clock = () => manualClock("2027-03-02T09:00:00+08:00");

describeNeedsContract("memory", async () => ({
  needs: createNeedsRegister({ store: memoryNeedsStore(), clock: clock() }),
  cleanup: async () => {},
}));

describeNeedsContract("PGlite", async () => {
  const db = new PGlite();
  const needs = await sqlNeedsRegister(sqlFromPglite(db, { owned: false }), { clock: clock() });
  return { needs, cleanup: () => db.close() };
});

// A database of this file's own, a schema per opened register; an unreachable server fails (never a skip).
const pgDb = privateDatabase("ef_needs");
let pgCreated: Promise<void> | undefined;
let pgCount = 0;
describe("on PostgreSQL", () => {
  afterAll(() => dropPgDatabase(pgDb));
  describeNeedsContract("PostgreSQL", async () => {
    pgCreated ??= pgAdmin(`create database ${pgDb}`);
    await pgCreated;
    const schema = `n${++pgCount}`;
    const url = new URL(PG_URL);
    url.pathname = `/${pgDb}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 3, options: `-c search_path=${schema}` });
    await pool.query(`create schema if not exists ${schema}`);
    const needs = await sqlNeedsRegister(sqlFromPgPool(pool, { owned: false }), { clock: clock() });
    return { needs, cleanup: () => pool.end() };
  });
});

// MariaDB: a database per opened register, all dropped after the file (pools ended first);
// the file's last describe opens one too, so the drop waits for every test of the file.
const mariadb = mysqlTestDatabases("ef_needs");
afterAll(() => mariadb.dropAll());
describe("on MariaDB", () => {
  describeNeedsContract("MariaDB", async () => {
    const db = await mariadb.create();
    const needs = await sqlNeedsRegister(db.client(), { clock: clock() });
    return { needs, cleanup: () => db.end() };
  });

  it("keeps needs whose ids differ only by case or a trailing space apart, and lists none for no community", async () => {
    const db = await mariadb.create();
    const store = await sqlNeedsStore(db.client(), REGISTER_MYSQL_MIGRATIONS);
    const needs = createNeedsRegister({ store, clock: clock() });
    const out = await needs.record([aNeed({ id: "n1" }), aNeed({ id: "N1" }), aNeed({ id: "n1" })], officer);
    expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["ok", "ok", "DUPLICATE_ID"]);
    expect(await store.get("n1 ")).toBeUndefined();
    expect(await store.list([], {})).toEqual([]);
    expect((await store.list(null, {})).map((n) => n.id).sort()).toEqual(["N1", "n1"]);
    await needs.shutdown();
  });

  it("refuses the other dialect's migrations before running any", async () => {
    const db = await mariadb.create();
    await expect(sqlNeedsStore(db.client(), REGISTER_MIGRATIONS)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      path: ["migrations"],
    });
    // A PostgreSQL client that no statement may reach.
    const untouched = (): never => {
      throw new Error("no statement may run");
    };
    const pgClient: SqlClient = {
      dialect: "postgres",
      query: untouched,
      exec: untouched,
      transaction: untouched,
      close: async () => {},
    };
    await expect(sqlNeedsStore(pgClient, REGISTER_MYSQL_MIGRATIONS)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      path: ["migrations"],
    });
  });
});

describe("needs register: hostile input at the boundary", () => {
  const needs = () => createNeedsRegister({ store: memoryNeedsStore(), clock: clock() });
  it("refuses control characters, lone surrogates, phone-shaped ids, deep or huge items, and a bad actor", async () => {
    const n = needs();
    const out = await n.record(
      [
        aNeed({ id: "n\u0000" }),
        aNeed({ id: "n2", note: "a\uD800b" }),
        aNeed({ id: "13800138000" }),
        aNeed({ id: "n4", note: "x".repeat(5000) }),
        { ...aNeed({ id: "n5" }), skills: Array.from({ length: 100 }, () => "plumbing") },
        "not a need",
        null,
        aNeed({ id: "n8", slots: [{ weekday: 9, slot: "morning" }] }),
      ],
      officer,
    );
    expect(out.every((o) => !o.ok)).toBe(true);
    expect(JSON.stringify(out)).not.toContain("13800138000");
    expect(await codeOf(n.record("x" as never, officer))).toBe("INVALID_TYPE");
    expect(await codeOf(n.record([aNeed()], { id: "x", roles: ["nobody"] } as never))).not.toBe("none");
    expect(
      await codeOf(
        n.record(
          Array.from({ length: 5001 }, () => aNeed()),
          officer,
        ),
      ),
    ).toBe("TOO_MANY_ITEMS");
    expect(await codeOf(n.match("n\u0007", "v1", officer))).not.toBe("none");
    expect(await codeOf(n.close("n1", "whatever" as never, officer))).not.toBe("none");
    expect(await n.list(officer)).toEqual([]);
  });

  it("never stores a need that fails, whatever the input (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.anything(), { maxLength: 8 }), async (items) => {
        const n = needs();
        const out = await n.record(items, officer);
        expect(out.length).toBe(items.length);
        const stored = await n.list(officer);
        expect(stored.length).toBe(out.filter((o) => o.ok).length);
      }),
      { numRuns: 100 },
    );
  });
});

describe("needs table in the register's migrations", () => {
  it("joins the register's migrations, so one database holds the register and its needs", async () => {
    expect(REGISTER_MIGRATIONS.map((m) => m.version)).toContain(2);
    const db = new PGlite();
    const sql = sqlFromPglite(db, { owned: false });
    const register = await sqlRegister(sql, { clock: clock() });
    const needs = await sqlNeedsRegister(sql, { clock: clock() });
    await needs.record([aNeed()], officer);
    expect((await needs.list(officer)).length).toBe(1);
    expect(await register.list(officer)).toEqual([]);
    await db.close();
  });
  it("joins the register's MySQL migrations on MariaDB, one database for the register and its needs", async () => {
    expect(REGISTER_MYSQL_MIGRATIONS.map((m) => m.version)).toEqual(REGISTER_MIGRATIONS.map((m) => m.version));
    const db = await mariadb.create();
    const sql = db.client();
    const register = await sqlRegister(sql, { clock: clock() });
    const needs = await sqlNeedsRegister(sql, { clock: clock() });
    await needs.record([aNeed()], officer);
    expect((await needs.list(officer)).length).toBe(1);
    expect(await register.list(officer)).toEqual([]);
    await db.end();
  });
  it("keeps memory and the same register for needs apart from persons", async () => {
    const register = createRegister({ store: memoryRegisterStore(), clock: clock() });
    expect(await register.list(officer)).toEqual([]);
  });
});
