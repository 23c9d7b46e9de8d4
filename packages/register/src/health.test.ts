import {
  type ActorInput,
  type Clock,
  createFieldSealer,
  type FieldSealer,
  isElderflowError,
  makeIdNumber,
  manualClock,
  memoryKeyProvider,
  type PersonInput,
  type SqlClient,
  sqlFromMysqlPool,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, mysqlPool, privateMysqlDatabase } from "../../../test/support/mysql";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../test/support/pg";
import {
  type CheckupOutcome,
  createHealthRecords,
  HEALTH_FINDING_LABELS,
  HEALTH_FINDINGS,
  HEALTH_MYSQL_MIGRATIONS,
  type HealthRecordStore,
  type HealthRecords,
  memoryHealthRecordStore,
  sqlHealthRecordStore,
} from "./health";
import { createRegister, memoryRegisterStore, type Register, type RegisterStore } from "./register";
import { sqlRegisterStore } from "./sql";

const NOW = "2027-05-01T09:00:00+08:00";
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1", "c2"] };
const doctor: ActorInput = { id: "doc-1", roles: ["doctor"], communities: ["c1"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };
const volunteer: ActorInput = { id: "vol-1", roles: ["volunteer"], communities: ["c1"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };

function aPerson(id: string, over: Partial<PersonInput> = {}): PersonInput {
  return {
    id,
    name: "张小三",
    gender: "male",
    birthDate: "1940-05-04",
    retirementKind: "lixiu",
    rank: "county",
    communityId: "c1",
    idNumber: makeIdNumber("110105", "1940-05-04", 1),
    phone: "13812345678",
    ...over,
  };
}

const checkup = (over: Record<string, unknown> = {}) => ({
  personId: "p1",
  examinedOn: "2027-04-13",
  institution: "区人民医院体检中心",
  findings: ["hypertension", "diabetes"],
  readings: { systolic: 152, diastolic: 95, fastingGlucose: 7.4 },
  followUpDue: "2027-07-13",
  ...over,
});

const codes = (o: CheckupOutcome[]) => o.map((x) => (x.ok ? "ok" : x.error.code));

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "none";
  } catch (e) {
    if (isElderflowError(e)) return e.code;
    throw e;
  }
}

interface World {
  register: Register;
  health: HealthRecords;
  store: HealthRecordStore;
  sealer: FieldSealer;
  clock: Clock;
}

type Backend = () => Promise<{ registerStore: RegisterStore; healthStore: HealthRecordStore }>;

async function aWorld(backend: Backend): Promise<World> {
  const clock = manualClock(NOW);
  const { registerStore, healthStore } = await backend();
  const register = createRegister({ store: registerStore, clock });
  const sealer = createFieldSealer({ keys: memoryKeyProvider() });
  const health = createHealthRecords({ register, store: healthStore, sealer, clock });
  const enrol = (id: string, over: Partial<PersonInput> = {}) => ({
    kind: "enrol",
    personId: id,
    effective: "2020-01-01",
    person: aPerson(id, over),
    source: { kind: "import" },
  });
  const r = await register.record(
    [
      enrol("p1"),
      enrol("p2"),
      enrol("p3"),
      enrol("p4"),
      enrol("p5", { communityId: "c2" }),
      enrol("p6"),
      { kind: "status", personId: "p6", effective: "2027-02-01", status: "deceased", source: { kind: "notice" } },
    ],
    registrar,
  );
  expect(r.every((o) => o.ok)).toBe(true);
  return { register, health, store: healthStore, sealer, clock };
}

function describeHealthContract(name: string, backend: Backend) {
  describe(`health records: ${name}`, () => {
    it("records a check-up and reads it back opened, for a health role in reach", async () => {
      const w = await aWorld(backend);
      expect(codes(await w.health.record([checkup()], doctor))).toEqual(["ok"]);
      const [rec] = await w.health.records("p1", doctor);
      expect(rec).toMatchObject({
        personId: "p1",
        kind: "annual",
        examinedOn: "2027-04-13",
        institution: "区人民医院体检中心",
        followUpDue: "2027-07-13",
        findings: ["diabetes", "hypertension"],
        readings: { systolic: 152, diastolic: 95, fastingGlucose: 7.4 },
        by: "doc-1",
      });
    });

    it("stores findings and readings sealed: nothing of them is readable in the store", async () => {
      const w = await aWorld(backend);
      await w.health.record([checkup()], doctor);
      const stored = JSON.stringify(await w.store.all());
      // The readings as JSON numbers (a bare "152" also occurs by chance in hex hashes and base64).
      expect(stored).not.toMatch(/hypertension|diabetes|systolic|[:[,]152[,\]}]|[:[,]7\.4[,\]}]/);
      expect(stored).toContain("aes-256-gcm");
    });

    it("refuses actors without a health role, or out of reach, and other bad items one by one", async () => {
      const w = await aWorld(backend);
      expect(await refused(w.health.record([checkup()], volunteer))).toBe("NOT_AUTHORIZED");
      expect(await refused(w.health.records("p1", staff))).toBe("NOT_AUTHORIZED");
      const out = await w.health.record(
        [
          checkup({ personId: "p5" }),
          checkup({ personId: "nobody" }),
          checkup({ examinedOn: "2027-05-02" }),
          checkup({ followUpDue: "2027-04-01" }),
          checkup({ findings: ["hypertension", "hypertension"] }),
          checkup({ findings: ["feeling_sad"] }),
          checkup(),
        ],
        doctor,
      );
      expect(codes(out)).toEqual([
        "UNKNOWN_PERSON",
        "UNKNOWN_PERSON",
        "FUTURE_DATE",
        "FOLLOW_UP_BEFORE_CHECK",
        "DUPLICATE_ID",
        "INVALID_ENUM",
        "ok",
      ]);
      expect(await refused(w.health.records("p5", doctor))).toBe("UNKNOWN_PERSON");
    });

    it("keeps history: a correction takes the place of what it corrects, which stays stored", async () => {
      const w = await aWorld(backend);
      const [first] = await w.health.record([checkup()], doctor);
      const seq = first?.ok ? first.seq : 0;
      const fix = await w.health.record(
        [checkup({ findings: ["hypertension"], readings: { systolic: 150, diastolic: 90 }, supersedes: seq })],
        doctor,
      );
      expect(codes(fix)).toEqual(["ok"]);
      const now = await w.health.records("p1", doctor);
      expect(now.map((r) => r.findings)).toEqual([["hypertension"]]);
      expect((await w.health.history("p1", doctor)).map((r) => r.supersedes)).toEqual([null, seq]);
      expect(codes(await w.health.record([checkup({ supersedes: seq })], doctor))).toEqual(["ALREADY_SUPERSEDED"]);
      expect(codes(await w.health.record([checkup({ supersedes: 999 })], doctor))).toEqual(["UNKNOWN_CHANGE"]);
      // As of a day before the examination, nothing was known.
      expect(await w.health.records("p1", doctor, { asOf: "2027-04-12" })).toEqual([]);
    });

    it("erases a person's health data by their key: unreadable, while the stored digests still check", async () => {
      const w = await aWorld(backend);
      await w.health.record([checkup(), checkup({ personId: "p2" })], doctor);
      const before = await w.store.all();
      expect(await refused(w.health.erase("p1", doctor))).toBe("NOT_AUTHORIZED");
      await w.health.erase("p1", bureau);
      const [gone] = await w.health.records("p1", doctor);
      expect(gone).toMatchObject({ examinedOn: "2027-04-13", findings: null, readings: null });
      expect((await w.health.records("p2", doctor))[0]?.findings).toEqual(["diabetes", "hypertension"]);
      expect(await w.store.all()).toEqual(before);
      expect(await w.health.verify(bureau)).toEqual([]);
      expect(codes(await w.health.record([checkup()], doctor))).toEqual(["KEY_ERASED"]);
    });

    it("lists who is due, overdue and with a follow-up due, masked and without findings", async () => {
      const w = await aWorld(backend);
      w.clock; // the world's day is 2027-05-01
      const out = await w.health.record(
        [
          // p1: checked this year with a follow-up due on 2027-04-20: done, follow-up due.
          checkup({ examinedOn: "2027-04-13", followUpDue: "2027-04-20" }),
          // p2: checked on 2026-12-20: due since 2027-01-01 (calendar years).
          checkup({ personId: "p2", examinedOn: "2026-12-20", followUpDue: undefined }),
          // p3: last checked in 2025: overdue; its follow-up was done at a later examination.
          checkup({ personId: "p3", examinedOn: "2025-06-01", followUpDue: "2025-07-01" }),
          checkup({ personId: "p3", kind: "follow_up", examinedOn: "2025-07-02", followUpDue: undefined }),
        ],
        doctor,
      );
      expect(codes(out)).toEqual(["ok", "ok", "ok", "ok"]);
      const rows = await w.health.dueList(staff, { asOf: "2027-05-01" });
      expect(rows.map((r) => [r.personId, r.check, r.dueDate, r.followUp])).toEqual([
        ["p3", "overdue", "2026-01-01", "none"],
        ["p2", "due", "2027-01-01", "none"],
        ["p4", "due", "2027-01-01", "none"],
        ["p1", "done", "2028-01-01", "due"],
      ]);
      expect(rows[0]).toEqual({
        personId: "p3",
        maskedName: "张*三",
        communityId: "c1",
        check: "overdue",
        lastCheck: "2025-06-01",
        dueDate: "2026-01-01",
        overdueFrom: "2027-01-01",
        followUp: "none",
        followUpDue: null,
      });
      const text = JSON.stringify(rows);
      expect(text).not.toMatch(/hypertension|diabetes|张小三|体检中心/);
      // The deceased p6 and p5 of another community are not listed for this staff member.
      expect(rows.some((r) => r.personId === "p6" || r.personId === "p5")).toBe(false);
      // Rolling twelve months: p2 (2026-12-20) is done until 2027-12-20.
      const rolling = await w.health.dueList(staff, { asOf: "2027-05-01", reading: "rolling-12-months" });
      expect(rolling.find((r) => r.personId === "p2")).toBeUndefined();
      // Before p1's follow-up day it is pending, and p1 needs nothing.
      const early = await w.health.dueList(staff, { asOf: "2027-04-15", include: "all" });
      expect(early.find((r) => r.personId === "p1")).toMatchObject({ check: "done", followUp: "pending" });
    });
  });
}

describeHealthContract("memory", async () => ({
  registerStore: memoryRegisterStore(),
  healthStore: memoryHealthRecordStore(),
}));

describeHealthContract("PGlite", async () => {
  const sql = sqlFromPglite(new PGlite());
  return { registerStore: await sqlRegisterStore(sql), healthStore: await sqlHealthRecordStore(sql) };
});

// A database of this file's own; an unreachable server fails these tests (never a skip).
const pgDb = privateDatabase("ef_health");
let pgCreated: Promise<void> | undefined;
let pgCount = 0;
const pools: pg.Pool[] = [];
async function pgClient(): Promise<SqlClient> {
  pgCreated ??= pgAdmin(`create database ${pgDb}`);
  await pgCreated;
  // Each world gets a schema of its own inside the database, so tests do not see each other.
  const schema = `h${++pgCount}`;
  const url = new URL(PG_URL);
  url.pathname = `/${pgDb}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4, options: `-c search_path=${schema}` });
  pools.push(pool);
  await pool.query(`create schema if not exists ${schema}`);
  return sqlFromPgPool(pool, { owned: false });
}

describe("on PostgreSQL", () => {
  afterAll(async () => {
    for (const p of pools) await p.end();
    await dropPgDatabase(pgDb);
  });
  describeHealthContract("PostgreSQL", async () => {
    const sql = await pgClient();
    return { registerStore: await sqlRegisterStore(sql), healthStore: await sqlHealthRecordStore(sql) };
  });

  it("two corrections of one record racing on PostgreSQL: exactly one is stored", async () => {
    const sql = await pgClient();
    const w = await aWorld(async () => ({
      registerStore: await sqlRegisterStore(sql),
      healthStore: await sqlHealthRecordStore(sql),
    }));
    const [first] = await w.health.record([checkup()], doctor);
    const seq = first?.ok ? first.seq : 0;
    const results = await Promise.all(
      ["anemia", "cataract", "obesity", "arthritis"].map((f) =>
        w.health.record([checkup({ findings: [f], supersedes: seq })], doctor),
      ),
    );
    expect(results.flatMap(codes).sort()).toEqual([
      "ALREADY_SUPERSEDED",
      "ALREADY_SUPERSEDED",
      "ALREADY_SUPERSEDED",
      "ok",
    ]);
    expect(await w.health.records("p1", doctor)).toHaveLength(1);
  });
});

// MariaDB: a database of this file's own, each world on empty tables. The register stays in memory
// here (its SQL store is not on MySQL yet); the health records are on the server.
const myDb = privateMysqlDatabase("ef_health");
let myCreated: Promise<string> | undefined;
let myAdmin: ReturnType<typeof mysqlPool> | undefined;
let myPool: ReturnType<typeof mysqlPool> | undefined;
const myRun = async (statement: string, params: unknown[] = []): Promise<unknown[]> => {
  const [rows] = await (myAdmin as ReturnType<typeof mysqlPool>).query(statement, params);
  return rows as unknown[];
};
async function mysqlHealthStore(): Promise<HealthRecordStore> {
  myCreated ??= createMysqlDatabase(myDb);
  const url = await myCreated;
  myAdmin ??= mysqlPool(url, 1);
  myPool ??= mysqlPool(url, 4);
  // The guard's foreign key refuses DROP of the records, so it goes first.
  await myRun("drop table if exists register_checkups_guard, register_checkups");
  await myRun("delete from elderflow_migrations where namespace = 'register-health'").catch(() => undefined);
  return sqlHealthRecordStore(sqlFromMysqlPool(myPool, { owned: false }));
}
const mariadb: Backend = async () => ({ registerStore: memoryRegisterStore(), healthStore: await mysqlHealthStore() });

describe("on MariaDB", () => {
  afterAll(async () => {
    await myPool?.end();
    await myAdmin?.end();
    if (myCreated !== undefined) await dropMysqlDatabase(myDb);
  });
  describeHealthContract("MariaDB", mariadb);

  it("two corrections of one record racing on MariaDB: exactly one is stored", async () => {
    const w = await aWorld(mariadb);
    const [first] = await w.health.record([checkup()], doctor);
    const seq = first?.ok ? first.seq : 0;
    const results = await Promise.all(
      ["anemia", "cataract", "obesity", "arthritis"].map((f) =>
        w.health.record([checkup({ findings: [f], supersedes: seq })], doctor),
      ),
    );
    expect(results.flatMap(codes).sort()).toEqual([
      "ALREADY_SUPERSEDED",
      "ALREADY_SUPERSEDED",
      "ALREADY_SUPERSEDED",
      "ok",
    ]);
    expect(await w.health.records("p1", doctor)).toHaveLength(1);
  });

  it("refuses on MariaDB, before writing, a string wider than its column, counted in characters", async () => {
    const w = await aWorld(mariadb);
    const [first] = await w.health.record([checkup()], doctor);
    const [stored] = await w.store.all();
    if (!first?.ok || stored === undefined) throw new Error("fixture");
    const { seq: _seq, ...entry } = stored;
    expect(await refused(w.store.append({ ...entry, institution: "𠀋".repeat(200), ref: "r" }))).toBe("none");
    expect(await refused(w.store.append({ ...entry, institution: "x".repeat(201) }))).toBe("TOO_BIG");
    expect(await refused(w.store.append({ ...entry, by: "a".repeat(65) }))).toBe("TOO_BIG");
    expect((await w.store.all()).map((r) => r.institution.length)).toEqual([9, 400]);
  });

  it("keeps the table append-only on MariaDB: UPDATE, DELETE, TRUNCATE and DROP are refused", async () => {
    const w = await aWorld(mariadb);
    await w.health.record([checkup()], doctor);
    const refusal = (statement: string) =>
      myRun(statement).then(
        () => undefined,
        (e: unknown) => String((e as Error).message),
      );
    expect(await refusal("update register_checkups set institution = 'x'")).toMatch(/only grow/);
    expect(await refusal("delete from register_checkups")).toMatch(/only grow/);
    expect(await refusal("truncate table register_checkups")).toMatch(/register_checkups_truncate_refused/);
    expect(await refusal("drop table register_checkups")).toMatch(/foreign key/i);
    expect(await refusal("insert into register_checkups_guard (checkup_seq) values (1)")).toMatch(
      /register_checkups_guard_stays_empty/,
    );
    expect(await w.health.verify(bureau)).toEqual([]);
  });

  it("finds on MariaDB a record whose stored fields were changed past the triggers, and reads the rest back exactly", async () => {
    const w = await aWorld(mariadb);
    await w.health.record(
      [
        checkup(),
        checkup({ personId: "p2", followUpDue: undefined, ref: "体检 2027-0001 ", institution: "社区 𠀋 卫生站" }),
        checkup({ personId: "p3", examinedOn: "0001-01-01", readings: { fastingGlucose: 5.1, weightKg: 60.25 } }),
      ],
      doctor,
    );
    const stored = await w.store.all();
    expect(stored.map((r) => [r.examinedOn, r.followUpDue, r.ref, r.institution])).toEqual([
      ["2027-04-13", "2027-07-13", null, "区人民医院体检中心"],
      ["2027-04-13", null, "体检 2027-0001 ", "社区 𠀋 卫生站"],
      ["0001-01-01", "2027-07-13", null, "区人民医院体检中心"],
    ]);
    expect((await w.health.records("p3", doctor))[0]?.readings).toEqual({ fastingGlucose: 5.1, weightKg: 60.25 });
    expect(await w.health.verify(bureau)).toEqual([]);
    const triggers = HEALTH_MYSQL_MIGRATIONS.flatMap((m) => m.statements ?? []).filter((s) =>
      s.startsWith("create trigger"),
    );
    for (const t of triggers) await myRun(`drop trigger if exists ${/if not exists (\w+)/.exec(t)?.[1]}`);
    try {
      await myRun("update register_checkups set examined_on = '2027-04-01' where seq = 2");
    } finally {
      for (const t of triggers) await myRun(t);
    }
    expect(await w.health.verify(bureau)).toEqual([2]);
  });
});

describe("health records: the tampered record and the code list", () => {
  it("finds a record whose stored fields were changed after the fact", async () => {
    const store = memoryHealthRecordStore();
    const w = await aWorld(async () => ({ registerStore: memoryRegisterStore(), healthStore: store }));
    await w.health.record([checkup(), checkup({ personId: "p2" })], doctor);
    const all = await store.all();
    const tampered: HealthRecordStore = {
      ...store,
      all: async () => all.map((r) => (r.seq === 2 ? { ...r, examinedOn: "2027-04-01" } : r)),
    };
    const h = createHealthRecords({ register: w.register, store: tampered, sealer: w.sealer, clock: w.clock });
    expect(await h.verify(bureau)).toEqual([2]);
  });

  it("names every finding in zh-CN and en", () => {
    for (const f of HEALTH_FINDINGS) {
      expect(HEALTH_FINDING_LABELS[f]["zh-CN"].length).toBeGreaterThan(0);
      expect(HEALTH_FINDING_LABELS[f].en.length).toBeGreaterThan(0);
    }
  });

  it("keeps the SQL table append-only: an update or a delete is refused by the database", async () => {
    const sql = sqlFromPglite(new PGlite());
    const w = await aWorld(async () => ({
      registerStore: await sqlRegisterStore(sql),
      healthStore: await sqlHealthRecordStore(sql),
    }));
    await w.health.record([checkup()], doctor);
    await expect(sql.query("update register_checkups set institution = 'x'")).rejects.toThrow(/only grow/);
    await expect(sql.query("delete from register_checkups")).rejects.toThrow(/only grow/);
    expect(await w.health.verify(bureau)).toEqual([]);
  });

  it("two corrections of one record racing on PGlite: exactly one is stored", async () => {
    const sql = sqlFromPglite(new PGlite());
    const w = await aWorld(async () => ({
      registerStore: await sqlRegisterStore(sql),
      healthStore: await sqlHealthRecordStore(sql),
    }));
    const [first] = await w.health.record([checkup()], doctor);
    const seq = first?.ok ? first.seq : 0;
    const [a, b] = await Promise.all([
      w.health.record([checkup({ findings: [], supersedes: seq })], doctor),
      w.health.record([checkup({ findings: ["anemia"], supersedes: seq })], doctor),
    ]);
    expect([...codes(a ?? []), ...codes(b ?? [])].sort()).toEqual(["ALREADY_SUPERSEDED", "ok"]);
    expect(await w.health.records("p1", doctor)).toHaveLength(1);
  });
});

describe("health records: hostile input", () => {
  it("refuses hostile records with typed errors and stores none of them", async () => {
    const store = memoryHealthRecordStore();
    const w = await aWorld(async () => ({ registerStore: memoryRegisterStore(), healthStore: store }));
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { a: deep };
    const hostile: unknown[] = [
      null,
      "p1",
      [checkup()],
      { ...checkup(), extra: "x" },
      { ...checkup(), __proto__: { polluted: true } },
      checkup({ institution: "张三 13812345678" }),
      checkup({ institution: "x\u0000y" }),
      checkup({ institution: "a".repeat(500) }),
      checkup({ institution: "\ud800" }),
      checkup({ personId: "p1'; drop table register_checkups; --" }),
      checkup({ examinedOn: "2027-02-30" }),
      checkup({ examinedOn: "２０２７-04-13" }),
      checkup({ findings: "hypertension" }),
      checkup({ findings: Array.from({ length: 500 }, () => "diabetes") }),
      checkup({ readings: { systolic: 1500 } }),
      checkup({ readings: { systolic: 120, diastolic: 130 } }),
      checkup({ readings: { systolic: Number.NaN } }),
      checkup({ readings: { note: "高血压三级" } }),
      checkup({ supersedes: -1 }),
      checkup({ supersedes: 1.5 }),
      checkup({ kind: "autopsy" }),
      checkup({ ref: "110105194005040011" }),
      deep,
    ];
    const out = await w.health.record(hostile, doctor);
    expect(out.every((o) => !o.ok)).toBe(true);
    for (const o of out) if (!o.ok) expect(isElderflowError(o.error) || typeof o.error.code === "string").toBe(true);
    expect(await store.all()).toEqual([]);
    // No refusal echoes the input.
    expect(JSON.stringify(out)).not.toMatch(/13812345678|110105194005040011|高血压三级|drop table/);
    expect(await refused(w.health.record("nope" as unknown as unknown[], doctor))).toBe("INVALID_TYPE");
    expect(await refused(w.health.record(Array.from({ length: 1001 }, checkup), doctor))).toBe("TOO_MANY_ITEMS");
    expect(await refused(w.health.dueList(staff, { asOf: "2027-13-01" }))).toBe("INVALID_DATE");
    expect(await refused(w.health.dueList(staff, { include: "everything" as "all" }))).toBe("INVALID_ENUM");
    expect(await refused(w.health.records("p1\n", doctor))).not.toBe("none");
  });

  it("never stores a record a property-generated input breaks, and never throws untyped (property)", async () => {
    const w = await aWorld(async () => ({
      registerStore: memoryRegisterStore(),
      healthStore: memoryHealthRecordStore(),
    }));
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            personId: fc.oneof(fc.constant("p1"), fc.string()),
            examinedOn: fc.oneof(fc.constant("2027-04-13"), fc.string()),
            institution: fc.oneof(fc.constant("区医院"), fc.string({ maxLength: 300 })),
            findings: fc.oneof(fc.array(fc.constantFrom(...HEALTH_FINDINGS), { maxLength: 4 }), fc.anything()),
            readings: fc.oneof(fc.record({ systolic: fc.integer() }), fc.anything()),
            followUpDue: fc.oneof(fc.constant("2027-05-01"), fc.string()),
          },
          { requiredKeys: [] },
        ),
        async (input) => {
          const [o] = await w.health.record([input], doctor);
          expect(o).toBeDefined();
          if (o?.ok) {
            const [r] = (await w.health.records("p1", doctor)).filter((x) => x.seq === o.seq);
            expect(r?.personId).toBe("p1");
          } else expect(typeof o?.error.code).toBe("string");
        },
      ),
      { numRuns: 150 },
    );
  });
});
