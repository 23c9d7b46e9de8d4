/**
 * Crash safety of checkpoints: a child process writing a state checkpoint is SIGKILLed at random
 * points of the write. The bank must then reopen from the previous checkpoint (or the new one, if
 * its transaction had committed) plus the journal, with the same head hash and the same accounts
 * as a full replay, and every stored checkpoint must still check out (no half-written one).
 * PostgreSQL and MariaDB (whose checkpoint write is its own statements).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fixedClock, seededRandom } from "@elderflow/core";
import {
  createTimeBank,
  decodeCheckpoint,
  memoryStore,
  mysqlStore,
  postgresStore,
  sha256Suite,
  type TimeBankStore,
} from "@elderflow/timebank";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "./support/mysql";
import { asHost, cmd, dropSchema, inSchema, PG_URL, SETUP, schemaName, testStars } from "./timebank-support";

const KILLS = Number(process.env.TIMEBANK_CHECKPOINT_KILLS ?? 6);
const clock = fixedClock("2027-01-04T09:00:00+08:00");

/** A database for one run: stores on it, the child's spec for it, a direct select, cleanup. */
interface Backend {
  store(): TimeBankStore;
  /** The store as `timebank-checkpoint-crash-child.ts` names it. */
  readonly spec: string;
  rows(sql: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

const postgres = async (): Promise<Backend> => {
  const schema = schemaName("ckcrash");
  return {
    store: () => postgresStore({ connectionString: PG_URL, schema, max: 1 }),
    spec: `postgres:${PG_URL}#${schema}`,
    rows: async (sql) => (await inSchema(schema, sql)) as Record<string, unknown>[],
    cleanup: () => dropSchema(schema),
  };
};

const mariadb = async (): Promise<Backend> => {
  const database = privateMysqlDatabase("tb_ckcrash");
  const url = await createMysqlDatabase(database);
  return {
    store: () => mysqlStore({ uri: url, connectionLimit: 1 }),
    spec: `mysql:${url}`,
    async rows(sql) {
      const conn = await mysql.createConnection({ uri: url, charset: "utf8mb4" });
      try {
        return ((await conn.query(sql)) as unknown as [Record<string, unknown>[]])[0];
      } finally {
        await conn.end();
      }
    },
    cleanup: () => dropMysqlDatabase(database),
  };
};

/** Runs the child; kills it `delayMs` after it starts writing. Resolves to whether it finished the write. */
function writeAndKill(spec: string, delayMs: number): Promise<boolean> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@elderflow/source",
      join(import.meta.dirname, "timebank-checkpoint-crash-child.ts"),
      spec,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on("data", (d: Buffer) => {
    const first = !out.includes("writing\n");
    out += d.toString();
    if (first && out.includes("writing\n")) setTimeout(() => child.kill("SIGKILL"), delayMs);
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code, signal) => {
      if (signal === null && code !== 0) reject(new Error(`child failed: ${stderr.slice(-1000)}`));
      else resolve(/written [1-9]/.test(out));
    }),
  );
}

describe.each([
  { name: "PostgreSQL", make: postgres },
  { name: "MariaDB", make: mariadb },
])("a checkpoint write SIGKILLed half-way on $name", ({ make }) => {
  it("leaves the previous checkpoint: the bank reopens from it plus the journal, same head hash", async () => {
    const backend = await make();
    const openBank = () => createTimeBank({ store: backend.store(), clock, stars: testStars, checkpointEvery: 0 });
    try {
      const writer = await openBank();
      const host = asHost(writer);
      await host.submitMany(SETUP);
      // Enough state that encoding and storing it takes a while (a few thousand entries).
      for (let b = 0; b < 6; b++) {
        const batch: unknown[] = [];
        for (let i = 0; i < 500; i++) {
          const n = b * 500 + i;
          batch.push(cmd.record(`r${n}`, n % 2 ? "v1" : "v2", 30), cmd.verify(`vf${n}`, `r${n}`));
        }
        await host.submitMany(batch);
      }
      const first = await writer.writeCheckpoint();
      expect(first).toBe(writer.anchor().length);
      await writer.close();

      const rnd = seededRandom(41);
      const outcomes: { killedBefore: boolean; openedFrom: number; previous: number; written: number }[] = [];
      let previous = first;
      for (let k = 0; k < KILLS; k++) {
        // New journal after the newest checkpoint, so that each child writes a new one.
        const more = await openBank();
        await asHost(more).submitMany([cmd.record(`k${k}`, "v1", 45), cmd.verify(`kv${k}`, `k${k}`)]);
        const target = more.anchor().length;
        await more.close();

        const finished = await writeAndKill(backend.spec, k === 0 ? 0 : rnd.int(0, 25));
        const reopened = await openBank();
        const rows = (await backend.rows("select seq, head_hash, suite, hash, body from timebank_checkpoints")) as {
          seq: string;
          head_hash: string;
          suite: string;
          hash: string;
          body: string;
        }[];
        // Every stored checkpoint is whole: its hash checks out over its bytes.
        for (const r of rows)
          expect(
            typeof decodeCheckpoint(
              { seq: Number(r.seq), headHash: r.head_hash, suite: r.suite, hash: r.hash, body: r.body },
              sha256Suite,
            ),
          ).toBe("object");
        const opened = reopened.opened();
        expect(opened.skipped).toEqual([]);
        expect([previous, target]).toContain(opened.checkpoint);
        expect(reopened.anchor().length).toBe(target);
        if (finished) expect(opened.checkpoint).toBe(target);
        outcomes.push({
          killedBefore: opened.checkpoint === previous,
          openedFrom: opened.checkpoint,
          previous,
          written: target,
        });

        // The same bank as a full replay of the stored journal (and its stored account rows).
        const copy = memoryStore();
        copy.entries.push(...(await reopened.journal()));
        const last = copy.entries.at(-1);
        copy.head = { seq: last?.seq ?? 0, hash: last?.hash ?? "", suite: "sha256" };
        const stored = (await backend.rows("select * from timebank_accounts")) as Record<string, string>[];
        for (const r of stored)
          copy.accountRows.set(r.id as string, {
            id: r.id as string,
            debitsPending: Number(r.debits_pending),
            debitsPosted: Number(r.debits_posted),
            creditsPending: Number(r.credits_pending),
            creditsPosted: Number(r.credits_posted),
            earned: Number(r.earned),
          });
        const full = await createTimeBank({ store: copy, clock, stars: testStars });
        expect(full.opened().checkpoint).toBe(0);
        expect(full.anchor()).toEqual(reopened.anchor());
        expect(asHost(full).ledgerAccounts()).toEqual(asHost(reopened).ledgerAccounts());
        expect(asHost(full).entries()).toEqual(asHost(reopened).entries());
        expect((await reopened.verifyJournal()).ok).toBe(true);
        previous = opened.checkpoint;
        await reopened.close();
      }
      // At least one kill landed before the new checkpoint committed, and the bank used the previous one.
      expect(outcomes.some((o) => o.killedBefore && o.openedFrom < o.written)).toBe(true);
    } finally {
      await backend.cleanup();
    }
  }, 240_000);
});
