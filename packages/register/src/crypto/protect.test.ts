import {
  type ActorInput,
  type Clock,
  type KeyProvider,
  makeIdNumber,
  manualClock,
  memoryKeyProvider,
  type PersonInput,
  type SqlClient,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { mysqlTestDatabases } from "../../../../test/support/mysql-databases";
import { dropPgDatabase, PG_URL, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import type { RecordedChange, RegisterChangeInput } from "../changes";
import { createRegister, memoryRegisterStore, type RegisterStore } from "../register";
import { sqlRegisterStore } from "../sql";
import { migrateRegisterToEncrypted, type RegisterEncryption } from "./protect";
import { type CryptoSuite, defaultCryptoSuite, sm4Sm3CryptoSuite } from "./suites";

const START = "2026-12-01T09:00:00+08:00";
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1", "c2"] };
const registrarC2: ActorInput = { id: "reg-2", roles: ["registrar"], communities: ["c2"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };

const idOf = (birthDate: string, serial: number) => makeIdNumber("110105", birthDate, serial);

function aPerson(over: Partial<PersonInput> & { id: string }): PersonInput {
  const birthDate = over.birthDate ?? "1930-05-04";
  return {
    name: "张小三",
    gender: "male",
    birthDate,
    retirementKind: "lixiu",
    rank: "county",
    communityId: "c1",
    idNumber: idOf(birthDate, 1),
    phone: "13812345678",
    health: { chronicConditions: 2, mobilityLimited: true },
    ...over,
  };
}
const enrol = (over: Partial<PersonInput> & { id: string }): RegisterChangeInput => ({
  kind: "enrol",
  personId: over.id,
  effective: "2020-01-01",
  person: aPerson(over),
  source: { kind: "import", ref: "2020-roll" },
});
const SRC = { kind: "correction" } as const;

const P1_ID = idOf("1930-05-04", 1);
const P2_ID = idOf("1931-06-07", 3);
const P3_ID = idOf("1933-02-01", 5);

/** What the store holds, as text: what an attacker with the database (not the keys) reads. */
const storedText = async (store: RegisterStore) => JSON.stringify(await store.changesUpTo("9999-12-31"));

function encryption(keys: KeyProvider, suite: CryptoSuite = defaultCryptoSuite): RegisterEncryption {
  return { keys, suite, indexKey: new Uint8Array(32).fill(42) };
}

interface Backend {
  store: () => Promise<RegisterStore>;
  /** Alters the stored payload of one change (as a database writer without the keys could). */
  cleanup: () => Promise<void>;
}

function describeEncryptedRegister(name: string, make: () => Promise<Backend>) {
  describe(`an encrypted register on ${name}`, () => {
    const open = async (suite: CryptoSuite, clock: Clock = manualClock(START)) => {
      const backend = await make();
      const store = await backend.store();
      const keys = memoryKeyProvider();
      const register = createRegister({ store, clock, encryption: encryption(keys, suite) });
      return { backend, store, keys, register };
    };

    it("stores no ID number, phone or health fact in clear, and reads them back for a registrar", async () => {
      const { backend, store, register } = await open(defaultCryptoSuite);
      const out = await register.record(
        [
          enrol({ id: "p1" }),
          { kind: "contact", personId: "p1", effective: "2021-01-01", phone: "13987654321", source: SRC },
          { kind: "health", personId: "p1", effective: "2021-02-01", health: { chronicConditions: 4 }, source: SRC },
        ],
        registrar,
      );
      expect(out.map((o) => o.ok)).toEqual([true, true, true]);
      const text = await storedText(store);
      for (const secret of [P1_ID, "13812345678", "13987654321", "chronicConditions", "mobilityLimited"])
        expect(text).not.toContain(secret);
      expect(text).toContain("张小三"); // names are not in this task's sensitive set
      const p1 = await register.get("p1", registrar);
      expect(p1).toMatchObject({
        idNumber: P1_ID,
        phone: "13987654321",
        health: { chronicConditions: 4, mobilityLimited: true },
      });
      expect(p1?.erased).toBeUndefined();
      const history = await register.history("p1", registrar);
      expect(history.map((c) => c.kind)).toEqual(["enrol", "contact", "health"]);
      expect(history[2]).toMatchObject({ health: { chronicConditions: 4 } });
      // Staff see the masked history, as without encryption.
      const masked = await register.history("p1", staff);
      expect(JSON.stringify(masked)).not.toContain(P1_ID);
      expect((await register.verify(registrar)).ok).toBe(true);
      await backend.cleanup();
    });

    it("finds a person by ID number through the blind index, within the actor's reach", async () => {
      const { backend, register } = await open(defaultCryptoSuite);
      await register.record(
        [enrol({ id: "p1" }), enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID, communityId: "c2" })],
        registrar,
      );
      expect((await register.findByIdNumber(P1_ID, registrar)).map((p) => p.id)).toEqual(["p1"]);
      expect((await register.findByIdNumber(` ${P2_ID.toLowerCase()} `, registrar)).map((p) => p.id)).toEqual(["p2"]);
      expect(await register.findByIdNumber(P2_ID, { ...registrar, communities: ["c1"] })).toEqual([]);
      expect(await register.findByIdNumber(P3_ID, registrar)).toEqual([]);
      // A corrected number: the old one no longer finds the person, the new one does.
      await register.record(
        [{ kind: "contact", personId: "p1", effective: "2022-01-01", idNumber: idOf("1930-05-04", 7), source: SRC }],
        registrar,
      );
      expect(await register.findByIdNumber(P1_ID, registrar)).toEqual([]);
      expect((await register.findByIdNumber(idOf("1930-05-04", 7), registrar)).map((p) => p.id)).toEqual(["p1"]);
      await expect(register.findByIdNumber(P1_ID, staff)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
      await backend.cleanup();
    });

    it("a register written with the SM4 suite, then erased by key, still verifies; only the erased person is unreadable", async () => {
      const { backend, store, register } = await open(sm4Sm3CryptoSuite);
      await register.record(
        [
          enrol({ id: "p1" }),
          enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID, phone: "13700000002" }),
          enrol({ id: "p3", birthDate: "1933-02-01", idNumber: P3_ID, phone: "13700000003", communityId: "c2" }),
          { kind: "contact", personId: "p1", effective: "2021-01-01", phone: "13987654321", source: SRC },
          { kind: "health", personId: "p2", effective: "2021-01-01", health: { chronicConditions: 5 }, source: SRC },
          { kind: "health", personId: "p1", effective: "2021-03-01", health: { mobilityLimited: false }, source: SRC },
        ],
        registrar,
      );
      const sealedSuites = (await store.changesUpTo("9999-12-31")).map(
        (c) => (c as { sealed?: { suite: string } }).sealed?.suite,
      );
      expect(new Set(sealedSuites)).toEqual(new Set(["sm4-cbc-hmac-sm3"]));
      const before = await register.verify(registrar);
      expect(before).toMatchObject({ ok: true, persons: 3, chained: 6, unchained: 0, broken: [] });
      const storedBefore = await storedText(store);

      await register.erase("p1", bureau);

      // Nothing stored changed, and every chain still verifies.
      expect(await storedText(store)).toBe(storedBefore);
      expect(await register.verify(registrar)).toEqual(before);
      const p1 = await register.get("p1", registrar);
      expect(p1).toMatchObject({ id: "p1", name: "张小三", status: "active", erased: ["health", "idNumber", "phone"] });
      expect(p1?.idNumber).toBeUndefined();
      expect(p1?.phone).toBeUndefined();
      expect(p1?.health).toBeUndefined();
      const history = await register.history("p1", registrar);
      expect(history.every((c) => c.kind === "enrol" || c.kind === "contact" || c.kind === "health")).toBe(true);
      expect(history.map((c) => c.erased)).toEqual([["idNumber", "phone", "health"], ["phone"], ["health"]]);
      expect(await register.findByIdNumber(P1_ID, registrar)).toEqual([]);
      // The others are untouched, in one listing with the erased person (no read fails).
      const all = await register.persons(registrar);
      expect(all.map((p) => [p.id, p.idNumber, p.erased])).toEqual([
        ["p1", undefined, ["health", "idNumber", "phone"]],
        ["p2", P2_ID, undefined],
        ["p3", P3_ID, undefined],
      ]);
      expect(all[1]?.health).toEqual({ chronicConditions: 5, mobilityLimited: true });
      // In one batch: a sealed field for the erased person is refused, everything else is recorded.
      const out = await register.record(
        [
          { kind: "contact", personId: "p1", effective: "2022-01-01", phone: "13911112222", source: SRC },
          { kind: "status", personId: "p1", effective: "2022-02-01", status: "deceased", source: SRC },
          { kind: "contact", personId: "p2", effective: "2022-01-01", phone: "13911113333", source: SRC },
        ],
        registrar,
      );
      expect(out.map((o) => (o.ok ? "ok" : o.error.code))).toEqual(["KEY_ERASED", "ok", "ok"]);
      expect(JSON.stringify(out)).not.toContain("13911112222");
      expect((await register.get("p1", registrar))?.status).toBe("deceased");
      expect((await register.get("p2", registrar))?.phone).toBe("13911113333");
      expect(await register.verify(registrar)).toMatchObject({ ok: true, chained: 8 });
      await backend.cleanup();
    });

    it("erasure needs an erasing role and a known person", async () => {
      const { backend, register } = await open(defaultCryptoSuite);
      await register.record([enrol({ id: "p1" })], registrar);
      await expect(register.erase("p1", registrar)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
      await expect(register.erase("nobody", bureau)).rejects.toMatchObject({ code: "UNKNOWN_PERSON" });
      await expect(register.erase("张三", bureau)).rejects.toMatchObject({ path: ["personId"] });
      expect((await register.get("p1", registrarC2))?.idNumber).toBeUndefined(); // out of reach
      expect((await register.get("p1", registrar))?.idNumber).toBe(P1_ID);
      await backend.cleanup();
    });
  });
}

describeEncryptedRegister("memory", async () => ({
  store: async () => memoryRegisterStore(),
  cleanup: async () => {},
}));

describeEncryptedRegister("PGlite", async () => {
  const db = new PGlite();
  return { store: () => sqlRegisterStore(sqlFromPglite(db, { owned: false })), cleanup: () => db.close() };
});

const pgDb = privateDatabase("register_crypto");
let pgCreated: Promise<void> | undefined;
let pgCount = 0;
describe("on PostgreSQL", () => {
  afterAll(() => dropPgDatabase(pgDb));
  describeEncryptedRegister("PostgreSQL", async () => {
    pgCreated ??= pgAdmin(`create database ${pgDb}`);
    await pgCreated;
    const schema = `t${++pgCount}`;
    const url = new URL(PG_URL);
    url.pathname = `/${pgDb}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 3, options: `-c search_path=${schema}` });
    await pool.query(`create schema if not exists ${schema}`);
    const sql: SqlClient = sqlFromPgPool(pool, { owned: false });
    return { store: () => sqlRegisterStore(sql), cleanup: () => pool.end() };
  });
});

// MariaDB: a database per test, all dropped after the file (pools ended first).
const mariadb = mysqlTestDatabases("ef_reg_crypto");
describe("on MariaDB", () => {
  afterAll(() => mariadb.dropAll());
  describeEncryptedRegister("MariaDB", async () => {
    const db = await mariadb.create();
    const sql = db.client();
    return { store: () => sqlRegisterStore(sql), cleanup: () => db.end() };
  });

  it("copies a clear register into an encrypted MariaDB store, supersessions kept, found by the blind index", async () => {
    const clock = manualClock(START);
    const from = memoryRegisterStore();
    const clear = createRegister({ store: from, clock });
    // Another person first, so that the copy's seqs differ from the source's.
    await clear.record([enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID })], registrar);
    await clear.record(
      [
        enrol({ id: "p1" }),
        { kind: "contact", personId: "p1", effective: "2021-01-01", phone: "13900001111", source: SRC },
      ],
      registrar,
    );
    const wrong = (await from.changesOf("p1"))[1]?.seq;
    await clear.record(
      [
        {
          kind: "contact",
          personId: "p1",
          effective: "2021-01-01",
          phone: "13900002222",
          supersedes: wrong,
          source: SRC,
        },
      ],
      registrar,
    );
    const db = await mariadb.create();
    const to = await sqlRegisterStore(db.client());
    const enc = encryption(memoryKeyProvider());
    const report = await migrateRegisterToEncrypted({ from, to, encryption: enc });
    expect(report).toMatchObject({ copied: 4, verification: { ok: true, chained: 4, unchained: 0 } });
    const text = await storedText(to);
    for (const secret of [P1_ID, P2_ID, "13900001111", "13900002222"]) expect(text).not.toContain(secret);
    const migrated = createRegister({ store: to, clock, encryption: enc });
    expect(await migrated.persons(registrar)).toEqual(await clear.persons(registrar));
    const history = await migrated.history("p1", registrar);
    expect(history.map((c) => c.kind)).toEqual(["enrol", "contact", "contact"]);
    expect(history[2]?.supersedes).toBe(history[1]?.seq);
    expect((await migrated.get("p1", registrar, { asOf: "2021-06-30" }))?.phone).toBe("13900002222");
    expect((await migrated.findByIdNumber(P1_ID, registrar)).map((p) => p.id)).toEqual(["p1"]);
    expect((await migrated.findByIdNumber(P2_ID, registrar)).map((p) => p.id)).toEqual(["p2"]);
    await expect(migrateRegisterToEncrypted({ from, to, encryption: enc })).rejects.toMatchObject({ path: ["to"] });
    await db.end();
  });
});

/** A memory store whose stored rows an attacker without the keys can alter. */
function tamperableStore() {
  const inner = memoryRegisterStore();
  const edits = new Map<number, (c: Record<string, unknown>) => void>();
  const edit = (rows: RecordedChange[]) =>
    rows.map((r) => {
      const f = edits.get(r.seq);
      if (f === undefined) return r;
      const copy = structuredClone(r) as unknown as Record<string, unknown>;
      f(copy);
      return copy as unknown as RecordedChange;
    });
  const store: RegisterStore = {
    batch: (fn) => inner.batch(fn),
    changesUpTo: async (asOf) => edit(await inner.changesUpTo(asOf)),
    changesOf: async (id) => edit(await inner.changesOf(id)),
    close: () => inner.close(),
  };
  return { store, edits };
}

describe("tampering and hostile input", () => {
  it("an altered row breaks its person's chain and reads as unreadable, never failing the read", async () => {
    const { store, edits } = tamperableStore();
    const register = createRegister({ store, clock: manualClock(START), encryption: encryption(memoryKeyProvider()) });
    await register.record(
      [enrol({ id: "p1" }), enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID })],
      registrar,
    );
    const [row1, row2] = await store.changesUpTo("9999-12-31");
    // p2's sealed value swapped for p1's: the associated data binds it to p1, so it does not open.
    edits.set(row2?.seq as number, (c) => {
      c.sealed = (row1 as unknown as Record<string, unknown>).sealed;
    });
    const v = await register.verify(registrar);
    expect(v).toMatchObject({ ok: false, chained: 1, broken: [{ personId: "p2", seq: row2?.seq }] });
    const all = await register.persons(registrar);
    expect(all.map((p) => [p.id, p.idNumber, p.unreadable])).toEqual([
      ["p1", P1_ID, undefined],
      ["p2", undefined, ["health", "idNumber", "phone"]],
    ]);
    // A clear field changed by the attacker (the rank) is caught by the chain alone.
    edits.set(row1?.seq as number, (c) => {
      (c.person as Record<string, unknown>).rank = "deputy_county";
    });
    expect((await register.verify(registrar)).broken.map((b) => b.personId)).toEqual(["p1", "p2"]);
  });

  it("refuses hostile look-ups and keys with typed errors that hold no personal data", async () => {
    const register = createRegister({
      store: memoryRegisterStore(),
      clock: manualClock(START),
      encryption: encryption(memoryKeyProvider()),
    });
    for (const bad of ["", "x".repeat(100_000), `${P1_ID}\u0000`, 1101051930050412, null, "1101051930\n0504"]) {
      const e = await register.findByIdNumber(bad as string, registrar).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "INVALID_ID_NUMBER", path: ["idNumber"] });
      expect(String((e as Error).message)).not.toContain("1101051930");
    }
    expect(() =>
      createRegister({
        store: memoryRegisterStore(),
        clock: manualClock(START),
        encryption: { keys: memoryKeyProvider(), indexKey: new Uint8Array(8) },
      }),
    ).toThrow(expect.objectContaining({ code: "TOO_SMALL", path: ["encryption", "indexKey"] }));
    const clear = createRegister({ store: memoryRegisterStore(), clock: manualClock(START) });
    await clear.record([enrol({ id: "p1" })], registrar);
    await expect(clear.erase("p1", bureau)).rejects.toMatchObject({ code: "SEALER_REQUIRED" });
    expect((await clear.findByIdNumber(P1_ID, registrar)).map((p) => p.id)).toEqual(["p1"]);
  });
});

describe("migration from a clear register (read-first)", () => {
  it("reads clear rows written before encryption was turned on, and chains what comes after", async () => {
    const store = memoryRegisterStore();
    const clock = manualClock(START);
    const clear = createRegister({ store, clock });
    await clear.record([enrol({ id: "p1" }), enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID })], registrar);
    expect(await clear.verify(registrar)).toMatchObject({ ok: true, unchained: 2, chained: 0 });
    const keys = memoryKeyProvider();
    const sealed = createRegister({ store, clock, encryption: encryption(keys) });
    expect((await sealed.get("p1", registrar))?.idNumber).toBe(P1_ID);
    await sealed.record(
      [{ kind: "contact", personId: "p1", effective: "2021-01-01", phone: "13900001111", source: SRC }],
      registrar,
    );
    expect(await storedText(store)).not.toContain("13900001111");
    expect(await sealed.get("p1", registrar)).toMatchObject({ idNumber: P1_ID, phone: "13900001111" });
    expect(await sealed.verify(registrar)).toMatchObject({ ok: true, unchained: 2, chained: 1 });
  });
});

describe("migration by copy into an encrypted store", () => {
  it("seals, indexes and chains every clear change, keeps supersessions, and reads the same", async () => {
    const clock = manualClock(START);
    const from = memoryRegisterStore();
    const clear = createRegister({ store: from, clock });
    await clear.record(
      [
        enrol({ id: "p1" }),
        enrol({ id: "p2", birthDate: "1931-06-07", idNumber: P2_ID }),
        { kind: "contact", personId: "p1", effective: "2021-01-01", phone: "13900001111", source: SRC },
      ],
      registrar,
    );
    const [, , wrong] = await from.changesUpTo("9999-12-31");
    await clear.record(
      [
        {
          kind: "contact",
          personId: "p1",
          effective: "2021-01-01",
          phone: "13900002222",
          supersedes: wrong?.seq,
          source: SRC,
        },
      ],
      registrar,
    );
    const to = memoryRegisterStore();
    const enc = encryption(memoryKeyProvider());
    const report = await migrateRegisterToEncrypted({ from, to, encryption: enc });
    expect(report).toMatchObject({ copied: 4, verification: { ok: true, chained: 4, unchained: 0 } });
    const text = await storedText(to);
    for (const secret of [P1_ID, P2_ID, "13900001111", "13900002222", "13812345678"])
      expect(text).not.toContain(secret);
    const migrated = createRegister({ store: to, clock, encryption: enc });
    expect(await migrated.persons(registrar)).toEqual(await clear.persons(registrar));
    expect((await migrated.history("p1", registrar)).map(({ seq: _s, ...c }) => c)).toEqual(
      (await clear.history("p1", registrar)).map(({ seq: _s, ...c }) => c),
    );
    expect((await migrated.findByIdNumber(P2_ID, registrar)).map((p) => p.id)).toEqual(["p2"]);
    await expect(migrateRegisterToEncrypted({ from, to, encryption: enc })).rejects.toMatchObject({ path: ["to"] });
  });
});

describe("invariant", () => {
  it("an encrypted register reads exactly as a clear one for the same changes", async () => {
    const phone = fc.constantFrom("13800000001", "13800000002", null);
    const step = fc.oneof(
      fc.record({ kind: fc.constant("contact" as const), phone }),
      fc.record({
        kind: fc.constant("health" as const),
        health: fc.record(
          { chronicConditions: fc.option(fc.integer({ min: 0, max: 9 })), mobilityLimited: fc.option(fc.boolean()) },
          { requiredKeys: [] },
        ),
      }),
      fc.record({ kind: fc.constant("contact" as const), idNumber: fc.constantFrom(P1_ID, idOf("1930-05-04", 9)) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps) => {
        const changes: RegisterChangeInput[] = [
          enrol({ id: "p1" }),
          ...steps.map(
            (s, i) =>
              ({
                ...s,
                personId: "p1",
                effective: `2021-01-${String(i + 1).padStart(2, "0")}`,
                source: SRC,
              }) as RegisterChangeInput,
          ),
        ];
        const clock = manualClock(START);
        const a = createRegister({ store: memoryRegisterStore(), clock });
        const b = createRegister({ store: memoryRegisterStore(), clock, encryption: encryption(memoryKeyProvider()) });
        const oa = await a.record(changes, registrar);
        const ob = await b.record(changes, registrar);
        expect(ob.map((o) => o.ok)).toEqual(oa.map((o) => o.ok));
        expect(await b.get("p1", registrar)).toEqual(await a.get("p1", registrar));
        expect(await b.history("p1", staff)).toEqual(await a.history("p1", staff));
        expect((await b.verify(registrar)).ok).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
