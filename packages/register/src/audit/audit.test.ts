import {
  type ActorInput,
  isElderflowError,
  makeIdNumber,
  manualClock,
  type PersonInput,
  sqlFromMysqlPool,
  sqlFromPglite,
  sqlFromPgPool,
} from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { PG_URL, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import { createRegister, memoryRegisterStore } from "../register";
import { auditedRegister } from "./audited";
import {
  type AccessEntry,
  type AccessLog,
  type AccessLogStore,
  createAccessLog,
  MAX_SUBJECTS_PER_APPEND,
  MAX_SUBJECTS_PER_ENTRY,
  memoryAccessLogStore,
} from "./log";
import { ACCESS_MYSQL_MIGRATIONS, sqlAccessLogStore } from "./sql";

const START = "2026-12-01T09:00:00+08:00";
const DAY = 86_400_000;
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["c1"] };
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const staff: ActorInput = { id: "staff-1", roles: ["community_staff"], communities: ["c1"] };

function aPerson(id: string): PersonInput {
  return {
    id,
    name: "张小三",
    gender: "male",
    birthDate: "1930-05-04",
    retirementKind: "lixiu",
    rank: "county",
    communityId: "c1",
    idNumber: makeIdNumber("110105", "1930-05-04", 1),
    phone: "13812345678",
  };
}

async function code(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (isElderflowError(e)) return `${e.code}@${e.path.join(".")}`;
    throw e;
  }
  return undefined;
}

interface Harness {
  store: AccessLogStore;
}

/** Changes made behind the store's back, in each dialect's SQL (and past MySQL's guard triggers). */
interface Tamper {
  /** Replaces the subjects inside a stored entry. */
  editSubjects(seq: number, subjects: readonly string[]): Promise<void>;
  /** Replaces a stored entry whole. */
  setEntry(seq: number, entry: AccessEntry): Promise<void>;
  /** Deletes one entry's row. */
  deleteEntry(seq: number): Promise<void>;
  /** Swaps the stored entries of two rows. */
  swapEntries(a: number, b: number): Promise<void>;
  /** Inserts a checkpoint row with this JSON body. */
  putCheckpoint(body: string): Promise<void>;
}

/** The tampering statements on PostgreSQL and PGlite, through a raw runner. */
const pgTamper = (raw: (statement: string) => Promise<void>): Tamper => ({
  editSubjects: (seq, subjects) =>
    raw(
      `update access_log set entry = jsonb_set(entry, '{subjects}', '${JSON.stringify(subjects)}') where seq = ${seq}`,
    ),
  setEntry: (seq, entry) => raw(`update access_log set entry = '${JSON.stringify(entry)}'::jsonb where seq = ${seq}`),
  deleteEntry: (seq) => raw(`delete from access_log where seq = ${seq}`),
  swapEntries: (a, b) =>
    raw(
      `update access_log a set entry = b.entry from access_log b where (a.seq, b.seq) in ((${a}, ${b}), (${b}, ${a}))`,
    ),
  putCheckpoint: (body) => raw(`insert into access_checkpoint (id, body) values (1, '${body}'::jsonb)`),
});

function describeAccessLog(name: string, open: () => Promise<Harness>): void {
  describe(`access log on ${name}`, () => {
    const setup = async (retentionDays?: number) => {
      const h = await open();
      const clock = manualClock(START);
      const log = createAccessLog({ store: h.store, clock, ...(retentionDays === undefined ? {} : { retentionDays }) });
      return { ...h, clock, log };
    };

    it("chains appends and reports who looked at a person, by date range", async () => {
      const { log, clock, store } = await setup();
      await log.append(registrar, { purpose: "hotline", note: "工单 42", operation: "get", subjects: ["p1"] });
      clock.advance(DAY);
      await log.append(staff, { purpose: "service_delivery", operation: "list", subjects: ["p2", "p1", "p1"] });
      clock.advance(DAY);
      await log.append(registrar, { purpose: "statistics", operation: "persons", subjects: ["p3"] });
      const all = await log.report(bureau, { subject: "p1" });
      expect(all.map((e) => [e.actor, e.purpose, e.operation])).toEqual([
        ["reg-1", "hotline", "get"],
        ["staff-1", "service_delivery", "list"],
      ]);
      expect(all[1]?.subjects).toEqual(["p1", "p2"]);
      const later = await log.report(bureau, { subject: "p1", from: "2026-12-02T00:00:00+08:00" });
      expect(later.map((e) => e.actor)).toEqual(["staff-1"]);
      expect(all[0]?.at).toBe(new Date(START).toISOString());
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 3 });
      await store.close();
    });

    it("stores a read of 1,000 persons as one entry, and splits past the per-entry bound", async () => {
      const { log, store } = await setup();
      const ids = Array.from({ length: 1000 }, (_, i) => `p${i}`);
      expect(await log.append(registrar, { purpose: "statistics", operation: "persons", subjects: ids })).toHaveLength(
        1,
      );
      const many = Array.from({ length: MAX_SUBJECTS_PER_ENTRY + 5 }, (_, i) => `q${i}`);
      const made = await log.append(registrar, { purpose: "statistics", operation: "persons", subjects: many });
      expect(made.map((e) => e.subjects.length)).toEqual([MAX_SUBJECTS_PER_ENTRY, 5]);
      const holder = made.find((m) => m.subjects.includes("q10004"));
      expect((await log.report(bureau, { subject: "q10004" })).map((e) => e.seq)).toEqual([holder?.seq]);
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 3 });
      await store.close();
    });

    it("requires an actor and a purpose, and only auditors read the log", async () => {
      const { log, store } = await setup();
      const access = { purpose: "hotline", operation: "get", subjects: ["p1"] } as const;
      expect(await code(log.append(undefined as unknown as ActorInput, access))).toBe("UNAUTHENTICATED@actor");
      expect(await code(log.append({ id: "x", roles: [] } as ActorInput, access))).toMatch(/@actor/);
      expect(await code(log.append(registrar, { ...access, purpose: undefined as never }))).toBe(
        "PURPOSE_REQUIRED@purpose",
      );
      expect(await code(log.append(registrar, { ...access, purpose: "curiosity" as never }))).toBe(
        "PURPOSE_REQUIRED@purpose",
      );
      expect(await code(log.report(staff, { subject: "p1" }))).toBe("NOT_AUTHORIZED@actor");
      expect(await code(log.verify(registrar))).toBe("NOT_AUTHORIZED@actor");
      expect(await code(log.prune(staff))).toBe("NOT_AUTHORIZED@actor");
      expect((await log.verify(bureau)).ok).toBe(true);
      await store.close();
    });

    it("refuses hostile purpose notes and subject lists without writing anything", async () => {
      const { log, store } = await setup();
      const base = { purpose: "hotline", operation: "get", subjects: ["p1"] } as const;
      expect(await code(log.append(registrar, { ...base, note: "x".repeat(201) }))).toBe("TOO_BIG@note");
      expect(await code(log.append(registrar, { ...base, note: "a\u0000b" }))).toBe("CONTROL_CHARACTER@note");
      expect(await code(log.append(registrar, { ...base, note: "line\nbreak" }))).toBe("CONTROL_CHARACTER@note");
      expect(await code(log.append(registrar, { ...base, note: "e\u0301" }))).toBe("NOT_NORMALIZED@note");
      expect(await code(log.append(registrar, { ...base, note: "bad \ud800" }))).toBe("MALFORMED_TEXT@note");
      expect(await code(log.append(registrar, { ...base, note: "call 13812345678" }))).toBe("PERSONAL_DATA_IN_ID@note");
      const idNo = makeIdNumber("110105", "1930-05-04", 1);
      expect(await code(log.append(registrar, { ...base, subjects: ["p1", idNo] }))).toBe("INVALID_FORMAT@subjects.1");
      expect(await code(log.append(registrar, { ...base, subjects: "p1" as never }))).toBe("INVALID_TYPE@subjects");
      const huge = { length: MAX_SUBJECTS_PER_APPEND + 1 } as unknown as string[];
      expect(await code(log.append(registrar, { ...base, subjects: Array.from(huge, () => "p") }))).toBe(
        "TOO_MANY_ITEMS@subjects",
      );
      expect(await code(log.append(registrar, { ...base, operation: "peek" as never }))).toBe("INVALID_ENUM@operation");
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 0 });
      await store.close();
    });

    it("keeps notes that are well-formed free text, whatever they are (property)", async () => {
      const { log, store } = await setup();
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 40 }), async (note) => {
          const r = await code(log.append(registrar, { purpose: "hotline", note, operation: "get", subjects: ["p1"] }));
          // Either refused with a typed error at `note`, or appended and still verifiable.
          if (r !== undefined) expect(r).toMatch(/@note$/);
        }),
        { numRuns: 60 },
      );
      expect((await log.verify(bureau)).ok).toBe(true);
      await store.close();
    });

    it("refuses a retention under 180 days and defaults to 180", async () => {
      const { store } = await setup();
      const clock = manualClock(START);
      expect(createAccessLog({ store, clock }).retentionDays).toBe(180);
      expect(createAccessLog({ store, clock, retentionDays: 365 }).retentionDays).toBe(365);
      expect(await code(() => createAccessLog({ store, clock, retentionDays: 179 }))).toBe(
        "RETENTION_TOO_SHORT@retentionDays",
      );
      expect(await code(() => createAccessLog({ store, clock, retentionDays: 0 }))).toBe(
        "RETENTION_TOO_SHORT@retentionDays",
      );
      expect(await code(() => createAccessLog({ store, clock, retentionDays: 200.5 }))).toBe(
        "INVALID_TYPE@retentionDays",
      );
      await store.close();
    });

    it("prunes only entries older than the retention and still verifies from the checkpoint", async () => {
      const { log, clock, store } = await setup(180);
      for (let i = 0; i < 5; i++) {
        await log.append(registrar, { purpose: "hotline", operation: "get", subjects: [`p${i}`] });
        clock.advance(60 * DAY);
      }
      // Now: START + 300 days; entries at 0, 60, 120, 180, 240 days. Cutoff 120 days: two go.
      const r = await log.prune(bureau);
      expect(r.removed).toBe(2);
      expect(r.checkpoint?.throughSeq).toBe(2);
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 3, fromSeq: 3 });
      expect(await log.report(bureau, { subject: "p0" })).toEqual([]);
      expect((await log.report(bureau, { subject: "p2" })).length).toBe(1);
      expect((await log.prune(bureau)).removed).toBe(0);
      await log.append(registrar, { purpose: "hotline", operation: "get", subjects: ["p9"] });
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 4 });
      const lines: string[] = [];
      for await (const l of log.exportLines(bureau)) lines.push(l);
      expect(lines).toHaveLength(5);
      expect(JSON.parse(lines[0] ?? "{}").checkpoint.throughSeq).toBe(2);
      expect(lines.join("\n")).not.toMatch(/张|138\d{8}|\d{17}[\dX]/);
      await store.close();
    });

    it("logs every register read and write with the purpose, through the decorator", async () => {
      const { log, store } = await setup();
      const clock = manualClock(START);
      const register = auditedRegister(createRegister({ clock, store: memoryRegisterStore() }), log);
      expect(await code(() => register.for({} as never))).toBe("PURPOSE_REQUIRED@purpose");
      const r = register.for({ purpose: "data_maintenance", note: "2026 年度核对" });
      const outcomes = await r.record(
        [
          {
            kind: "enrol",
            personId: "p1",
            effective: "2020-01-01",
            person: aPerson("p1"),
            source: { kind: "correction" },
          },
          {
            kind: "enrol",
            personId: "p2",
            effective: "2020-01-01",
            person: aPerson("p2"),
            source: { kind: "correction" },
          },
          { kind: "enrol", personId: "bad", effective: "2020-02-30", source: { kind: "correction" } },
        ],
        registrar,
      );
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false]);
      await r.get("p1", registrar);
      await r.persons(registrar);
      await r.list(staff);
      await r.history("p2", registrar);
      await r.exportRows(staff);
      expect(await code(r.persons(undefined as unknown as ActorInput))).toMatch(/@actor/);
      const p1 = await log.report(bureau, { subject: "p1" });
      expect(p1.map((e) => e.operation)).toEqual(["record", "get", "persons", "list", "export"]);
      expect(p1.every((e) => e.purpose === "data_maintenance" && e.note === "2026 年度核对")).toBe(true);
      expect((await log.report(bureau, { subject: "p2" })).map((e) => e.operation)).toContain("history");
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 6 });
      await store.close();
    });

    it("detects concurrent appenders never fork the chain", async () => {
      const { log, store } = await setup();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          log.append(registrar, { purpose: "hotline", operation: "get", subjects: [`p${i}`] }),
        ),
      );
      expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 20 });
      await store.close();
    });
  });
}

function describeTamper(name: string, open: () => Promise<Harness & { tamper: Tamper }>): void {
  describe(`tampering with the access log on ${name}`, () => {
    const filled = async (): Promise<{ log: AccessLog; tamper: Tamper; store: AccessLogStore }> => {
      const h = await open();
      const clock = manualClock(START);
      const log = createAccessLog({ store: h.store, clock });
      for (let i = 1; i <= 5; i++) {
        await log.append(registrar, { purpose: "hotline", operation: "get", subjects: [`p${i}`] });
        clock.advance(DAY);
      }
      expect((await log.verify(bureau)).ok).toBe(true);
      return { log, tamper: h.tamper, store: h.store };
    };

    it("an edited entry fails verify at its position", async () => {
      const { log, tamper, store } = await filled();
      await tamper.editSubjects(3, ["p99"]);
      expect(await log.verify(bureau)).toEqual({ ok: false, position: 3, reason: "hash" });
      await store.close();
    });

    it("an edited purpose with a recomputed own hash fails at the next link", async () => {
      const { log, tamper, store } = await filled();
      const { accessEntryText, accessSha256 } = await import("./log");
      const [e3] = await log.report(bureau, { subject: "p3" });
      if (e3 === undefined) throw new Error("fixture");
      const { hash: _h, ...body } = { ...e3, purpose: "audit" as const };
      const forged = { ...body, hash: await accessSha256.digest(accessEntryText(body)) };
      await tamper.setEntry(3, forged);
      expect(await log.verify(bureau)).toEqual({ ok: false, position: 4, reason: "link" });
      await store.close();
    });

    it("a deleted entry fails verify at the missing position", async () => {
      const { log, tamper, store } = await filled();
      await tamper.deleteEntry(2);
      expect(await log.verify(bureau)).toEqual({ ok: false, position: 2, reason: "sequence" });
      await store.close();
    });

    it("reordered entries fail verify at the first moved position", async () => {
      const { log, tamper, store } = await filled();
      await tamper.swapEntries(2, 4);
      expect(await log.verify(bureau)).toEqual({ ok: false, position: 2, reason: "sequence" });
      await store.close();
    });

    it("an altered checkpoint fails verify, and so does pruning a row by hand after it", async () => {
      const { log, tamper, store } = await filled();
      await tamper.putCheckpoint(
        `{"throughSeq":1,"head":"${"a".repeat(64)}","at":"x","cutoff":"y","suite":"sha256","hash":"${"b".repeat(64)}"}`,
      );
      await tamper.deleteEntry(1);
      expect(await log.verify(bureau)).toEqual({ ok: false, position: 0, reason: "checkpoint" });
      await store.close();
    });
  });
}

describeAccessLog("memory", async () => ({ store: memoryAccessLogStore() }));

// One PGlite for the file (it takes seconds to start): each harness starts from empty tables.
let pglite: PGlite | undefined;
const pgliteHarness = async () => {
  pglite ??= new PGlite();
  const db = pglite;
  await db.exec("drop table if exists access_subjects, access_log, access_checkpoint, access_head cascade");
  await db.exec(
    "create table if not exists elderflow_migrations (namespace text not null, version integer not null, name text not null, primary key (namespace, version))",
  );
  await db.exec("delete from elderflow_migrations where namespace = 'access'");
  const store = await sqlAccessLogStore(sqlFromPglite(db));
  return {
    store: { ...store, close: async () => {} },
    tamper: pgTamper(async (s: string) => {
      await db.exec(s);
    }),
  };
};
describeAccessLog("PGlite", pgliteHarness);
describeTamper("PGlite", pgliteHarness);

const dbName = privateDatabase("access_audit");
let pool: pg.Pool | undefined;
describeTamper("PostgreSQL", async () => {
  if (pool === undefined) {
    await pgAdmin(`create database ${dbName}`);
    const url = new URL(PG_URL);
    url.pathname = `/${dbName}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  }
  const p = pool;
  await p.query("drop table if exists access_subjects, access_log, access_checkpoint, access_head cascade");
  await p.query("delete from elderflow_migrations where namespace = 'access'").catch(() => undefined);
  const sql = sqlFromPgPool(p);
  const store = await sqlAccessLogStore(sql);
  return {
    store: { ...store, close: async () => {} },
    tamper: pgTamper(async (s: string) => {
      await p.query(s);
    }),
  };
});
afterAll(async () => {
  await pglite?.close();
  await pool?.end();
  if (pool !== undefined) await pgAdmin(`drop database if exists ${dbName}`);
});

// MariaDB: a database of this file's own; each harness starts from empty tables. The guard table's
// foreign keys refuse DROP of the others, so it goes first.
const mysqlDb = privateMysqlDatabase("access_audit");
let mysqlCreated: Promise<string> | undefined;
let mysqlAdminPool: ReturnType<typeof mysqlPool> | undefined;
let mysqlStorePool: ReturnType<typeof mysqlPool> | undefined;
const mysqlRun = async (statement: string, params: unknown[] = []): Promise<unknown[]> => {
  const [rows] = await (mysqlAdminPool as ReturnType<typeof mysqlPool>).query(statement, params);
  return rows as unknown[];
};

/** The migration's triggers on a table, to drop and re-create around a change made behind the store's back. */
const mysqlTriggersOn = (table: string) =>
  ACCESS_MYSQL_MIGRATIONS.flatMap((m) => m.statements ?? []).filter((s) =>
    new RegExp(`^create trigger if not exists \\w+ [a-z ]+ on ${table} `).test(s),
  );
async function pastTriggers(table: string, change: () => Promise<unknown>): Promise<void> {
  for (const s of mysqlTriggersOn(table))
    await mysqlRun(`drop trigger if exists ${/if not exists (\w+)/.exec(s)?.[1]}`);
  try {
    await change();
  } finally {
    for (const s of mysqlTriggersOn(table)) await mysqlRun(s);
  }
}

const entryAt = async (seq: number): Promise<AccessEntry> => {
  const rows = (await mysqlRun("select entry from access_log where seq = ?", [seq])) as { entry: string }[];
  return JSON.parse((rows[0] as { entry: string }).entry) as AccessEntry;
};
const writeEntry = (seq: number, entry: AccessEntry) =>
  mysqlRun("update access_log set entry = ? where seq = ?", [JSON.stringify(entry), seq]);

const mysqlTamper: Tamper = {
  editSubjects: async (seq, subjects) => {
    const e = await entryAt(seq);
    await pastTriggers("access_log", () => writeEntry(seq, { ...e, subjects }));
  },
  setEntry: (seq, entry) => pastTriggers("access_log", () => writeEntry(seq, entry)),
  deleteEntry: (seq) => pastTriggers("access_log", () => mysqlRun("delete from access_log where seq = ?", [seq])),
  swapEntries: async (a, b) => {
    const [ea, eb] = [await entryAt(a), await entryAt(b)];
    await pastTriggers("access_log", async () => {
      await writeEntry(a, eb);
      await writeEntry(b, ea);
    });
  },
  putCheckpoint: (body) => mysqlRun("insert into access_checkpoint (id, body) values (1, ?)", [body]).then(() => {}),
};

const mariadbHarness = async () => {
  mysqlCreated ??= createMysqlDatabase(mysqlDb);
  const url = await mysqlCreated;
  mysqlAdminPool ??= mysqlPool(url, 1);
  mysqlStorePool ??= mysqlPool(url, 4);
  await mysqlRun("drop table if exists access_guard, access_subjects, access_log, access_checkpoint, access_head");
  await mysqlRun("delete from elderflow_migrations where namespace = 'access'").catch(() => undefined);
  const store = await sqlAccessLogStore(sqlFromMysqlPool(mysqlStorePool, { owned: false }));
  return { store: { ...store, close: async () => {} }, tamper: mysqlTamper };
};
describeAccessLog("MariaDB", mariadbHarness);
describeTamper("MariaDB", mariadbHarness);

describe("the access log's tables on MariaDB", () => {
  /** The error a statement run behind the store's back meets, or undefined when it ran. */
  const refusal = (statement: string) =>
    mysqlRun(statement).then(
      () => undefined,
      (e: unknown) => String((e as Error).message),
    );

  it("refuse edits, deletes past the checkpoint, TRUNCATE, DROP and a head or checkpoint that moves back", async () => {
    const { store } = await mariadbHarness();
    const clock = manualClock(START);
    const log = createAccessLog({ store, clock });
    for (let i = 1; i <= 3; i++) {
      await log.append(registrar, { purpose: "hotline", operation: "get", subjects: [`p${i}`] });
      clock.advance(DAY);
    }
    expect(await refusal("update access_log set actor = 'x' where seq = 2")).toMatch(/only grows/);
    expect(await refusal("delete from access_log where seq = 1")).toMatch(/only grows/);
    expect(await refusal("update access_subjects set subject = 'p9'")).toMatch(/only grows/);
    expect(await refusal("delete from access_subjects where seq = 1")).toMatch(/only grows/);
    expect(await refusal("delete from access_head")).toMatch(/only grows/);
    expect(await refusal("update access_head set seq = 1 where id = 1")).toMatch(/may not move back/);
    expect(await refusal(`update access_head set hash = '${"f".repeat(64)}' where id = 1`)).toMatch(
      /must name the last access_log entry/,
    );
    for (const table of ["access_log", "access_subjects", "access_head", "access_checkpoint"]) {
      expect(await refusal(`truncate table ${table}`)).toMatch(new RegExp(`${table}_truncate_refused`));
      expect(await refusal(`drop table ${table}`)).toMatch(/foreign key/i);
    }
    expect(await refusal("insert into access_guard (head_id) values (1)")).toMatch(/access_guard_stays_empty/);
    expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 3 });

    // A prune removes what its checkpoint covers (and the subjects with it); the checkpoint only moves on.
    clock.advance(200 * DAY);
    expect((await log.prune(bureau)).removed).toBe(3);
    expect(await mysqlRun("select * from access_subjects")).toEqual([]);
    expect(await refusal("delete from access_checkpoint")).toMatch(/only grows/);
    expect(await refusal(`update access_checkpoint set body = json_set(body, '$.throughSeq', 1) where id = 1`)).toMatch(
      /may not move back/,
    );
    await log.append(registrar, { purpose: "hotline", operation: "get", subjects: ["p4"] });
    expect(await log.verify(bureau)).toMatchObject({ ok: true, entries: 1, fromSeq: 4 });
  });

  it("reads back every entry's text exactly, so the chain verifies the same as in memory", async () => {
    const { store } = await mariadbHarness();
    const clock = manualClock(START);
    const log = createAccessLog({ store, clock });
    const memory = createAccessLog({ store: memoryAccessLogStore(), clock });
    const notes = ["工单 𠀋 👵🏻 42", "trailing space ", "quote ' \" \\ backslash", "ＡＢＣ全角", "1e21 0.1 -0"];
    for (const note of notes) {
      const a = await log.append(registrar, { purpose: "hotline", note, operation: "get", subjects: ["p1"] });
      const b = await memory.append(registrar, { purpose: "hotline", note, operation: "get", subjects: ["p1"] });
      expect(a).toEqual(b);
    }
    const stored: string[] = [];
    for await (const l of log.exportLines(bureau)) stored.push(l);
    const expected: string[] = [];
    for await (const l of memory.exportLines(bureau)) expected.push(l);
    expect(stored).toEqual(expected);
    expect(await log.verify(bureau)).toEqual(await memory.verify(bureau));
  });
});

afterAll(async () => {
  await mysqlStorePool?.end();
  await mysqlAdminPool?.end();
  if (mysqlCreated !== undefined) await dropMysqlDatabase(mysqlDb);
});
