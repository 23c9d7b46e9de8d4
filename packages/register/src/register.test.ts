import {
  type ActorInput,
  type Clock,
  isElderflowError,
  makeIdNumber,
  manualClock,
  maskIdNumber,
  type PersonInput,
  type SqlClient,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { mysqlTestDatabases } from "../../../test/support/mysql-databases";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../test/support/pg";
import type { RecordOutcome, RegisterChangeInput } from "./changes";
import { createRegister, memoryRegisterStore, type Register } from "./register";
import { sqlRegister, sqlRegisterStore } from "./sql";

// ---- fixtures -------------------------------------------------------------------------------

const START = "2026-12-01T09:00:00+08:00";
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1"] };
const registrar2: ActorInput = { id: "reg-2", roles: ["registrar"], communities: ["c2"] };
const bothRegistrar: ActorInput = { id: "reg-3", roles: ["registrar"], communities: ["c1", "c2"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };
const volunteer: ActorInput = { id: "vol-1", roles: ["volunteer"], communities: ["c1"] };

function aPerson(over: Partial<PersonInput> = {}): PersonInput {
  return {
    id: "p1",
    name: "张小三",
    gender: "male",
    birthDate: "1930-05-04",
    retirementKind: "lixiu",
    rank: "county",
    communityId: "c1",
    idNumber: makeIdNumber("110105", over.birthDate ?? "1930-05-04", over.gender === "female" ? 2 : 1),
    phone: "13812345678",
    ...over,
  };
}
const SRC = { kind: "correction" } as const;
const enrol = (over: Partial<PersonInput> = {}, effective = "2020-01-01"): RegisterChangeInput => ({
  kind: "enrol",
  personId: over.id ?? "p1",
  effective,
  person: aPerson(over),
  source: { kind: "import", ref: "2020-roll" },
});
const change = (c: Record<string, unknown>, personId = "p1"): RegisterChangeInput =>
  ({ personId, source: SRC, ...c }) as RegisterChangeInput;

const codes = (outcomes: RecordOutcome[]) => outcomes.map((o) => (o.ok ? "ok" : o.error.code));

async function refusedCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isElderflowError(e)) return e.code;
    throw e;
  }
  return "none";
}

// ---- the contract ---------------------------------------------------------------------------

interface Backend {
  /** A register on the backend's data (a second call opens the same data, as another process would). */
  open(clock: Clock): Promise<Register>;
  cleanup(): Promise<void>;
}

function describeRegisterContract(name: string, makeBackend: () => Promise<Backend>): void {
  describe(`register contract: ${name}`, () => {
    const backends: Backend[] = [];
    const fresh = async (clock: Clock = manualClock(START)) => {
      const b = await makeBackend();
      backends.push(b);
      return { backend: b, register: await b.open(clock), clock };
    };
    afterAll(async () => {
      for (const b of backends) await b.cleanup();
    });

    it("enrols a person and reads the full record back, defaults filled", async () => {
      const { register } = await fresh();
      const [o] = await register.record([enrol()], registrar);
      expect(o?.ok).toBe(true);
      if (!o?.ok) return;
      expect(o.change).toMatchObject({ seq: 1, by: "reg-1", kind: "enrol", effective: "2020-01-01" });
      expect(o.change.recordedAt).toBe("2026-12-01T01:00:00.000Z");
      expect(await register.get("p1", registrar)).toEqual({
        ...aPerson(),
        birthdayCalendar: "gregorian",
        status: "active",
      });
    });

    it("reads the register as of any day: absent before enrolment, each change from its effective day", async () => {
      const { register } = await fresh();
      await register.record(
        [
          enrol({}, "2020-01-01"),
          change({ kind: "rank", effective: "2022-03-01", rank: "deputy_department" }),
          change({ kind: "status", effective: "2025-06-01", status: "moved" }),
        ],
        registrar,
      );
      expect(await register.get("p1", registrar, { asOf: "2019-12-31" })).toBeUndefined();
      expect((await register.get("p1", registrar, { asOf: "2020-01-01" }))?.rank).toBe("county");
      expect((await register.get("p1", registrar, { asOf: "2022-02-28" }))?.rank).toBe("county");
      expect((await register.get("p1", registrar, { asOf: "2022-03-01" }))?.rank).toBe("deputy_department");
      const moved = await register.get("p1", registrar);
      expect({ status: moved?.status, since: moved?.statusSince }).toEqual({ status: "moved", since: "2025-06-01" });
      expect((await register.persons(registrar, { asOf: "2025-05-31", status: "active" })).map((p) => p.id)).toEqual([
        "p1",
      ]);
      expect(await register.persons(registrar, { status: "active" })).toEqual([]);
    });

    it("lets a correction recorded later but effective earlier change the past, and keeps both dates", async () => {
      const clock = manualClock(START);
      const { register } = await fresh(clock);
      await register.record(
        [enrol(), change({ kind: "rank", effective: "2024-01-01", rank: "deputy_department" })],
        registrar,
      );
      clock.advance(3 * 86_400_000);
      const [late] = await register.record(
        [change({ kind: "household", effective: "2021-07-01", household: { livesAlone: true } })],
        registrar,
      );
      expect(late?.ok).toBe(true);
      expect((await register.get("p1", registrar, { asOf: "2021-06-30" }))?.household).toBeUndefined();
      expect((await register.get("p1", registrar, { asOf: "2021-07-01" }))?.household).toEqual({ livesAlone: true });
      const history = await register.history("p1", registrar);
      expect(history.map((c) => [c.seq, c.kind, c.effective, c.recordedAt])).toEqual([
        [1, "enrol", "2020-01-01", "2026-12-01T01:00:00.000Z"],
        [2, "rank", "2024-01-01", "2026-12-01T01:00:00.000Z"],
        [3, "household", "2021-07-01", "2026-12-04T01:00:00.000Z"],
      ]);
    });

    it("applies two changes effective on one day in the order they were recorded", async () => {
      const { register } = await fresh();
      await register.record(
        [
          enrol(),
          change({ kind: "rank", effective: "2023-01-01", rank: "deputy_department" }),
          change({ kind: "rank", effective: "2023-01-01", rank: "department" }),
        ],
        registrar,
      );
      expect((await register.get("p1", registrar))?.rank).toBe("department");
    });

    it("refuses bad items of a batch with stable codes, records the good ones, and writes nothing of a refused one", async () => {
      const { register } = await fresh();
      const outcomes = await register.record(
        [
          enrol(),
          enrol(),
          change({ kind: "rank", effective: "2021-01-01", rank: "no_such_rank" }),
          change({ kind: "rank", effective: "2021-01-01", rank: "department" }, "p-unknown"),
          change({ kind: "rank", effective: "2019-01-01", rank: "department" }),
          change({ kind: "rank", effective: "2026-12-02", rank: "department" }),
          change({ kind: "status", effective: "2021-01-01", status: "gone" }),
          change({ kind: "household", effective: "2021-01-01", household: {} }),
          { kind: "enrol", personId: "p2", effective: "2020-01-01", person: aPerson({ id: "p3" }), source: SRC },
          change({ kind: "health", effective: "2022-01-01", health: { chronicConditions: 2 } }),
        ],
        registrar,
      );
      expect(codes(outcomes)).toEqual([
        "ok",
        "ALREADY_ENROLLED",
        "UNKNOWN_RANK",
        "UNKNOWN_PERSON",
        "BEFORE_ENROLMENT",
        "FUTURE_DATE",
        "INVALID_ENUM",
        "EMPTY_CHANGE",
        "ID_MISMATCH",
        "ok",
      ]);
      expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const refusedRank = outcomes[2];
      expect(refusedRank?.ok === false && refusedRank.error.path).toEqual(["rank"]);
      expect(refusedRank?.ok === false && refusedRank.error.message.en).toBe("Rank is not on the rank scale");
      expect((await register.history("p1", registrar)).map((c) => c.kind)).toEqual(["enrol", "health"]);
      expect(await register.get("p2", bureau)).toBeUndefined();
      expect(await register.get("p3", bureau)).toBeUndefined();
    });

    it("refuses a back-dated change that would make a later state invalid", async () => {
      const { register } = await fresh();
      await register.record(
        [enrol(), change({ kind: "status", effective: "2024-02-01", status: "deceased" })],
        registrar,
      );
      // A birth-date correction after the date of death, effective before it: the later state breaks.
      const [o] = await register.record(
        [change({ kind: "contact", effective: "2021-01-01", birthDate: "2025-01-01", idNumber: null })],
        registrar,
      );
      expect(o?.ok === false && [o.error.code, o.error.path]).toEqual(["DATE_ORDER", ["statusSince"]]);
      expect((await register.get("p1", registrar))?.birthDate).toBe("1930-05-04");
    });

    it("sets statusSince from the effective date, and a second notice of the same status keeps the first date", async () => {
      const { register } = await fresh();
      await register.record(
        [
          enrol(),
          change({ kind: "status", effective: "2024-03-10", status: "deceased" }),
          change({ kind: "status", effective: "2024-02-01", status: "deceased" }),
        ],
        registrar,
      );
      const p = await register.get("p1", registrar);
      expect([p?.status, p?.statusSince]).toEqual(["deceased", "2024-02-01"]);
      await register.record([change({ kind: "status", effective: "2025-01-01", status: "transferred" })], registrar);
      const t = await register.get("p1", registrar);
      expect([t?.status, t?.statusSince]).toEqual(["transferred", "2025-01-01"]);
    });

    it("lets a change supersede a wrong one of its kind: the wrong one counts on no day, the history keeps both", async () => {
      const { register } = await fresh();
      await register.record(
        [enrol(), change({ kind: "status", effective: "2024-02-01", status: "deceased" })],
        registrar,
      );
      const outcomes = await register.record(
        [
          change({ kind: "status", effective: "2024-03-10", status: "deceased", supersedes: 99 }),
          change({ kind: "rank", effective: "2024-03-10", rank: "section", supersedes: 2 }),
          change({
            kind: "status",
            effective: "2024-03-10",
            status: "deceased",
            supersedes: 2,
            reason: "讣告日期有误",
          }),
          change({ kind: "status", effective: "2024-03-11", status: "deceased", supersedes: 2 }),
        ],
        registrar,
      );
      expect(codes(outcomes)).toEqual(["UNKNOWN_CHANGE", "SUPERSEDE_MISMATCH", "ok", "ALREADY_SUPERSEDED"]);
      const p = await register.get("p1", registrar);
      expect([p?.status, p?.statusSince]).toEqual(["deceased", "2024-03-10"]);
      // On a day between the two dates the person was alive: the superseded notice no longer counts.
      expect((await register.get("p1", registrar, { asOf: "2024-02-15" }))?.status).toBe("active");
      expect((await register.persons(registrar, { asOf: "2024-02-15", status: "active" })).map((x) => x.id)).toEqual([
        "p1",
      ]);
      expect((await register.history("p1", registrar)).map((c) => [c.seq, c.supersedes])).toEqual([
        [1, undefined],
        [2, undefined],
        [3, 2],
      ]);
    });

    it("patches household and health facts field by field; null clears one", async () => {
      const { register } = await fresh();
      await register.record(
        [
          enrol(),
          change({
            kind: "household",
            effective: "2021-01-01",
            household: { livesAlone: true, childrenNearby: false },
          }),
          change({ kind: "household", effective: "2022-01-01", household: { childrenNearby: null } }),
          change({ kind: "health", effective: "2022-01-01", health: { chronicConditions: 3 } }),
          change({ kind: "health", effective: "2023-01-01", health: { mobilityLimited: true } }),
        ],
        registrar,
      );
      const p = await register.get("p1", registrar);
      expect(p?.household).toEqual({ livesAlone: true });
      expect(p?.health).toEqual({ chronicConditions: 3, mobilityLimited: true });
      expect((await register.get("p1", registrar, { asOf: "2021-06-01" }))?.household).toEqual({
        livesAlone: true,
        childrenNearby: false,
      });
    });

    it("corrects personal fields, checked together: an ID number must match the birth date", async () => {
      const { register } = await fresh();
      await register.record([enrol()], registrar);
      const newId = makeIdNumber("110105", "1931-05-04", 1);
      const outcomes = await register.record(
        [
          change({ kind: "contact", effective: "2021-01-01", idNumber: newId }),
          change({
            kind: "contact",
            effective: "2021-01-01",
            idNumber: newId,
            birthDate: "1931-05-04",
            name: "张小山",
          }),
          change({ kind: "contact", effective: "2021-01-01", phone: "12" }),
          change({ kind: "contact", effective: "2021-02-01", phone: null }),
        ],
        registrar,
      );
      expect(codes(outcomes)).toEqual(["ID_NUMBER_BIRTH_DATE_MISMATCH", "ok", "INVALID_PHONE", "ok"]);
      const p = await register.get("p1", registrar);
      expect([p?.name, p?.birthDate, p?.idNumber, p?.phone]).toEqual(["张小山", "1931-05-04", newId, undefined]);
    });

    it("lets only registrars, the bureau, the system and admins write, each within its communities", async () => {
      const { register } = await fresh();
      expect(await refusedCode(register.record([enrol()], volunteer))).toBe("NOT_AUTHORIZED");
      expect(await refusedCode(register.record([enrol()], staff))).toBe("NOT_AUTHORIZED");
      expect(await refusedCode(register.record([enrol()], { id: "x", roles: [] } as unknown as ActorInput))).toBe(
        "TOO_SMALL",
      );
      expect(codes(await register.record([enrol()], registrar2))).toEqual(["WRONG_COMMUNITY"]);
      expect(codes(await register.record([enrol()], registrar))).toEqual(["ok"]);
      expect(
        codes(
          await register.record([change({ kind: "rank", effective: "2021-01-01", rank: "department" })], registrar2),
        ),
      ).toEqual(["WRONG_COMMUNITY"]);
      // A move between communities needs both.
      const move = change({ kind: "community", effective: "2023-01-01", communityId: "c2" });
      const refused = await register.record([move], registrar);
      expect(refused[0]?.ok === false && [refused[0].error.code, refused[0].error.path]).toEqual([
        "WRONG_COMMUNITY",
        ["communityId"],
      ]);
      expect(codes(await register.record([move], bothRegistrar))).toEqual(["ok"]);
      // After the move, c1's registrar may no longer correct what holds in c2.
      expect(
        codes(
          await register.record([change({ kind: "rank", effective: "2021-01-01", rank: "department" })], registrar),
        ),
      ).toEqual(["WRONG_COMMUNITY"]);
      expect(
        codes(await register.record([change({ kind: "rank", effective: "2024-01-01", rank: "department" })], bureau)),
      ).toEqual(["ok"]);
      expect((await register.history("p1", bureau)).map((c) => c.by)).toEqual(["reg-1", "reg-3", "bureau-1"]);
    });

    it("scopes reads by the actor: full records for personal-data roles, masked listings for the rest", async () => {
      const { register } = await fresh();
      await register.record([enrol(), enrol({ id: "p2", communityId: "c2", name: "李四" })], bureau);
      expect((await register.persons(registrar)).map((p) => p.id)).toEqual(["p1"]);
      expect((await register.persons(bureau)).map((p) => p.id)).toEqual(["p1", "p2"]);
      expect((await register.persons(bureau, { communityId: "c2" })).map((p) => p.id)).toEqual(["p2"]);
      expect(await register.get("p2", registrar)).toBeUndefined();
      expect(await refusedCode(register.get("p1", staff))).toBe("NOT_AUTHORIZED");
      expect(await refusedCode(register.persons(volunteer))).toBe("NOT_AUTHORIZED");
      expect(await register.list(staff)).toEqual([
        {
          id: "p1",
          maskedName: "张*三",
          gender: "male",
          birthMonth: "1930-05",
          retirementKind: "lixiu",
          rank: "county",
          communityId: "c1",
          status: "active",
          maskedIdNumber: maskIdNumber(aPerson().idNumber as string),
          maskedPhone: "138****5678",
        },
      ]);
      expect((await register.exportRows(bureau)).map((r) => r.maskedName)).toEqual(["张*三", "李*"]);
      expect(await register.history("p2", staff)).toEqual([]);
    });

    it("masks history payloads for actors who may not see personal data", async () => {
      const { register } = await fresh();
      await register.record(
        [
          enrol({ extra: { note: "x" } }),
          change({ kind: "health", effective: "2021-01-01", health: { chronicConditions: 4 } }),
          change({ kind: "contact", effective: "2021-01-01", phone: "13900001111" }),
        ],
        registrar,
      );
      const masked = await register.history("p1", staff);
      expect(masked.every((c) => c.masked === true)).toBe(true);
      const text = JSON.stringify(masked);
      for (const secret of ["张小三", aPerson().idNumber as string, "13812345678", "13900001111", "chronicConditions"])
        expect(text).not.toContain(secret);
      const full = await register.history("p1", registrar);
      expect(full.some((c) => c.masked)).toBe(false);
      expect(JSON.stringify(full)).toContain("13900001111");
    });

    it("keeps what was recorded when the store is opened again", async () => {
      const { backend, register, clock } = await fresh();
      await register.record(
        [enrol(), change({ kind: "rank", effective: "2022-01-01", rank: "department" })],
        registrar,
      );
      const again = await backend.open(clock);
      expect((await again.get("p1", registrar))?.rank).toBe("department");
      expect(
        codes(await again.record([change({ kind: "rank", effective: "2023-01-01", rank: "county" })], registrar)),
      ).toEqual(["ok"]);
      expect((await register.history("p1", registrar)).map((c) => c.seq)).toEqual([1, 2, 3]);
    });

    it("gives one enrolment of an id to one of two writers at once, and keeps every change of two concurrent writers", async () => {
      const { backend, clock } = await fresh();
      const a = await backend.open(clock);
      const b = await backend.open(clock);
      const [ra, rb] = await Promise.all([
        a.record([enrol({ name: "甲" })], registrar),
        b.record([enrol({ name: "乙" })], registrar),
      ]);
      expect([...codes(ra ?? []), ...codes(rb ?? [])].sort()).toEqual(["ALREADY_ENROLLED", "ok"]);
      const writes = Array.from({ length: 8 }, (_, i) =>
        (i % 2 === 0 ? a : b).record(
          [change({ kind: "health", effective: "2021-01-01", health: { chronicConditions: i } })],
          registrar,
        ),
      );
      expect((await Promise.all(writes)).flatMap(codes)).toEqual(Array(8).fill("ok"));
      const seqs = (await a.history("p1", registrar)).map((c) => c.seq);
      expect(seqs).toHaveLength(9);
      expect(new Set(seqs).size).toBe(9);
    });
  });
}

describeRegisterContract("memory", async () => {
  // One store shared by every register opened on the backend.
  const store = memoryRegisterStore();
  return { open: async (clock) => createRegister({ store, clock }), cleanup: async () => {} };
});

describeRegisterContract("PGlite", async () => {
  const db = new PGlite();
  return {
    open: (clock) => sqlRegister(sqlFromPglite(db, { owned: false }), { clock }),
    cleanup: () => db.close(),
  };
});

// A database of this file's own; an unreachable server fails these tests (never a skip).
const pgDb = privateDatabase("ef_register");
let pgCreated: Promise<void> | undefined;
let pgCount = 0;
const allPools = new Set<pg.Pool>();
describe("on PostgreSQL", () => {
  afterAll(async () => {
    // End every pool first: a forced drop would terminate their idle clients mid-run.
    for (const p of allPools) if (!p.ended) await p.end();
    await dropPgDatabase(pgDb);
  });
  describeRegisterContract("PostgreSQL", async () => {
    pgCreated ??= pgAdmin(`create database ${pgDb}`);
    await pgCreated;
    // Each backend gets a schema of its own inside the database, so tests do not see each other.
    const schema = `t${++pgCount}`;
    const url = new URL(PG_URL);
    url.pathname = `/${pgDb}`;
    const pools: pg.Pool[] = [];
    const open = async (): Promise<SqlClient> => {
      const pool = new pg.Pool({ connectionString: url.toString(), max: 3, options: `-c search_path=${schema}` });
      pools.push(pool);
      allPools.add(pool);
      // pg's advice: an idle client the server ends (57P01) is reported on the pool, not thrown.
      pool.on("error", () => {});
      await pool.query(`create schema if not exists ${schema}`);
      return sqlFromPgPool(pool, { owned: false });
    };
    return {
      open: async (clock) => sqlRegister(await open(), { clock }),
      cleanup: async () => {
        for (const p of pools) if (!p.ended) await p.end();
      },
    };
  });
});

// MariaDB: a database per backend (a schema is a database there), all dropped after the file.
const mariadb = mysqlTestDatabases("ef_register");
describe("on MariaDB", () => {
  afterAll(() => mariadb.dropAll());
  describeRegisterContract("MariaDB", async () => {
    const db = await mariadb.create();
    return { open: (clock) => sqlRegister(db.client(), { clock }), cleanup: () => db.end() };
  });

  describe("the MariaDB schema", () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => "none",
        (e: unknown) => String((e as { message?: unknown }).message),
      );

    it("refuses UPDATE, DELETE, TRUNCATE and DROP of the change log and the persons", async () => {
      const db = await mariadb.create();
      const register = await sqlRegister(db.client(), { clock: manualClock(START) });
      expect(codes(await register.record([enrol()], registrar))).toEqual(["ok"]);
      expect(await refusal(db.run("update register_changes set actor = 'x'"))).toContain(
        "UPDATE on register_changes is refused",
      );
      expect(await refusal(db.run("delete from register_changes"))).toContain("DELETE on register_changes is refused");
      expect(await refusal(db.run("update register_persons set id = 'p9'"))).toContain(
        "UPDATE on register_persons is refused",
      );
      expect(await refusal(db.run("delete from register_persons"))).toContain("DELETE on register_persons is refused");
      for (const table of ["register_changes", "register_persons"]) {
        expect(await refusal(db.run(`truncate table ${table}`))).toMatch(/foreign key/i);
        expect(await refusal(db.run(`drop table ${table}`))).toMatch(/foreign key/i);
      }
      expect(await refusal(db.run("insert into register_guard (change_seq) values (null)"))).toContain(
        "register_guard_stays_empty",
      );
      expect((await register.history("p1", registrar)).map((c) => c.seq)).toEqual([1]);
      await register.close();
    });

    it("compares ids exactly: an id with a trailing space finds nobody, and a stored id is never cut short", async () => {
      const db = await mariadb.create();
      const store = await sqlRegisterStore(db.client());
      const register = createRegister({ store, clock: manualClock(START) });
      expect(codes(await register.record([enrol()], registrar))).toEqual(["ok"]);
      expect(await store.changesOf("p1 ")).toEqual([]);
      expect(await store.changesOf("P1")).toEqual([]);
      expect((await store.changesOf("p1")).length).toBe(1);
      const long = `p${"1".repeat(64)}`;
      const claimed = await store
        .batch((b) => b.claim(long))
        .then(
          () => "none",
          (e: unknown) => (isElderflowError(e) ? e.code : "raw"),
        );
      expect(claimed).toBe("TOO_BIG");
      await store.close();
    });

    it("keeps 4-byte characters (CJK extension B, emoji) exactly, in the record and in its history", async () => {
      const db = await mariadb.create();
      const register = await sqlRegister(db.client(), { clock: manualClock(START) });
      const [o] = await register.record([enrol({ name: "王𠀋华", extra: { note: "👵🏻 住院" } })], registrar);
      expect(o?.ok).toBe(true);
      const again = await sqlRegister(db.client(), { clock: manualClock(START) });
      expect(await again.get("p1", registrar)).toMatchObject({ name: "王𠀋华", extra: { note: "👵🏻 住院" } });
      expect((await again.history("p1", registrar))[0]).toMatchObject({ person: { name: "王𠀋华" } });
      await again.close();
    });

    it("runs its migrations once: a second store on the same database finds them applied", async () => {
      const db = await mariadb.create();
      const first = await sqlRegisterStore(db.client());
      await sqlRegisterStore(db.client());
      const rows = (await db.run(
        "select version from elderflow_migrations where namespace = 'register' order by version",
      )) as { version: number }[];
      expect(rows.map((r) => Number(r.version))).toEqual([1, 2, 3]);
      await first.close();
    });
  });
});
