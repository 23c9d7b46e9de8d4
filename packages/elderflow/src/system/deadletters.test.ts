import { type SqlClient, sqlFromMysqlPool, sqlFromPglite } from "@elderflow/core";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { dropPgDatabase, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import { pgClient, twoMysqlClients, twoPgClients } from "../../../../test/support/two-clients";
import { type DeadLetter, type DeadLetterStore, memoryDeadLetters, sqlDeadLetters } from "./deadletters";
import { ERASED_ID } from "./tasks";

/** A letter of instance i1, refused by the time bank, about p1 in community d01-c001. */
function aLetter(over: Partial<DeadLetter> = {}): DeadLetter {
  return {
    id: "i1:4:0",
    instanceId: "i1",
    machine: "verification",
    type: "verification.service_verified",
    code: "PERIOD_CLOSED",
    at: 1_000,
    communityId: "d01-c001",
    entryId: "e1",
    personIds: ["v1", "p1"],
    ...over,
  };
}

type MakeStore = () => Promise<DeadLetterStore>;

/** One contract, written once, that every dead-letter store keeps. */
function describeDeadLetterContract(name: string, make: MakeStore) {
  describe(`dead letters on ${name}`, () => {
    it("keeps a letter once however often it is added, and lists oldest first, then by id", async () => {
      const letters = await make();
      expect(await letters.add([aLetter({ id: "i1:4:1", at: 2_000 }), aLetter(), aLetter({ id: "i2:1:0" })])).toBe(3);
      expect(await letters.add([aLetter({ code: "NOT_AUTHORIZED" }), aLetter({ id: "i3:1:0", at: 0 })])).toBe(1);
      expect(await letters.add([])).toBe(0);
      const listed = await letters.list();
      expect(listed.map((l) => l.id)).toEqual(["i3:1:0", "i1:4:0", "i2:1:0", "i1:4:1"]);
      // The first copy stays as it was.
      expect(listed[1]).toEqual(aLetter());
    });

    it("gives a letter back with only the ids it was given", async () => {
      const letters = await make();
      const bare: DeadLetter = {
        id: "wf-x:4:0",
        instanceId: "wf-x",
        machine: "verification",
        type: "verification.service_verified",
        code: "INVALID_INPUT",
        at: Date.parse("2027-03-01T01:00:00Z"),
        personIds: [],
      };
      await letters.add([bare]);
      expect(await letters.list()).toEqual([bare]);
    });

    it("keeps ids that differ only by trailing spaces, case or 4-byte characters apart", async () => {
      const letters = await make();
      const ids = ["k:1:0", "k:1:0 ", "K:1:0", "k𠀋:1:0", "k👵🏻:1:0"];
      expect(await letters.add(ids.map((id, at) => aLetter({ id, at })))).toBe(ids.length);
      expect(await letters.add(ids.map((id) => aLetter({ id })))).toBe(0);
      expect((await letters.list()).map((l) => l.id)).toEqual(ids);
    });

    it("forgets a person: their id becomes the erased marker in every letter, and only the letters changed count", async () => {
      const letters = await make();
      await letters.add([
        aLetter(),
        aLetter({ id: "i2:1:0", personIds: ["p1"] }),
        aLetter({ id: "i3:1:0", personIds: ["p10", "xp1"] }),
      ]);
      expect(await letters.forget("p1")).toBe(2);
      const byId = new Map((await letters.list()).map((l) => [l.id, l.personIds]));
      expect(byId.get("i1:4:0")).toEqual(["v1", ERASED_ID]);
      expect(byId.get("i2:1:0")).toEqual([ERASED_ID]);
      expect(byId.get("i3:1:0")).toEqual(["p10", "xp1"]);
      expect(await letters.forget("p1")).toBe(0);
    });
  });
}

describeDeadLetterContract("memory", async () => memoryDeadLetters());

/** Each test starts from an empty table in a database opened once per store. */
function sharedSql(open: () => Promise<SqlClient>): MakeStore {
  let shared: Promise<SqlClient> | undefined;
  afterAll(async () => {
    if (shared !== undefined) await (await shared).close();
  });
  return async () => {
    shared ??= open();
    const sql = await shared;
    await sql.exec("drop table if exists elderflow_dead_letters");
    return sqlDeadLetters(sql);
  };
}

describeDeadLetterContract(
  "PGlite",
  sharedSql(async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    return sqlFromPglite(new PGlite());
  }),
);

// Databases of this file's own; an unreachable server fails these tests (never a skip).
const pgDb = privateDatabase("ef_letters");
describe("on a PostgreSQL database of its own", () => {
  afterAll(() => dropPgDatabase(pgDb));
  describeDeadLetterContract(
    "PostgreSQL",
    sharedSql(async () => {
      await pgAdmin(`create database ${pgDb}`);
      return pgClient(pgDb);
    }),
  );
});

const myDb = privateMysqlDatabase("ef_letters");
describe("on a MariaDB database of its own", () => {
  afterAll(() => dropMysqlDatabase(myDb));
  describeDeadLetterContract(
    "MariaDB",
    sharedSql(async () => sqlFromMysqlPool(mysqlPool(await createMysqlDatabase(myDb), 2))),
  );
});

/** Two "processes" (pools of their own) on one fresh database, and how to drop it. */
type TwoProcesses = () => Promise<{ a: SqlClient; b: SqlClient; cleanup: () => Promise<void> }>;

function describeSharedLetters(name: string, open: TwoProcesses) {
  describe(`dead letters shared by two processes on ${name}`, () => {
    it("keeps a letter both processes give up on at once only once", async () => {
      const { a, b, cleanup } = await open();
      try {
        const [lettersA, lettersB] = [await sqlDeadLetters(a), await sqlDeadLetters(b)];
        const batch = Array.from({ length: 40 }, (_, i) => aLetter({ id: `i${i}:4:0`, at: i }));
        const singles = batch.map((l, i) => (i % 2 === 0 ? lettersA : lettersB).add([l]));
        const [x, y] = await Promise.all([lettersA.add(batch), lettersB.add([...batch].reverse())]);
        const one = await Promise.all(singles);
        expect((x ?? 0) + (y ?? 0) + one.reduce((s, n) => s + n, 0)).toBe(batch.length);
        expect((await lettersB.list()).map((l) => l.id)).toEqual(batch.map((l) => l.id));
      } finally {
        await a.close();
        await b.close();
        await cleanup();
      }
    }, 60_000);
  });
}

describeSharedLetters("PostgreSQL", () => twoPgClients(`${pgDb}_shared`));

describeSharedLetters("MariaDB", () => twoMysqlClients(`${myDb}_shared`));

describe("dead letters on MariaDB", () => {
  it("refuses letters holding a value the table cannot keep, instead of storing them cut short", async () => {
    const db = `${myDb}_own`;
    const sql = sqlFromMysqlPool(mysqlPool(await createMysqlDatabase(db), 2));
    try {
      const letters = await sqlDeadLetters(sql);
      await expect(letters.add([aLetter(), aLetter({ id: "long", machine: "m".repeat(256) })])).rejects.toMatchObject({
        code: "INVALID_INPUT",
        path: ["letters"],
      });
      expect(await letters.list()).toEqual([]);
      // The table is created once: opening the store again keeps what it holds.
      expect(await letters.add([aLetter()])).toBe(1);
      expect(await (await sqlDeadLetters(sql)).list()).toEqual([aLetter()]);
    } finally {
      await sql.close();
      await dropMysqlDatabase(db);
    }
  });
});
