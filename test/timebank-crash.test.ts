/**
 * Crash safety: a child process applying a command stream is SIGKILLed at random points, many
 * times, then run to the end, on PGlite, PostgreSQL and MariaDB. After every kill the store
 * reopens (the open check passes: head and account rows agree with the journal, so a kill never
 * looks like tampering), its chain verifies, and it holds exactly the uninterrupted run's state
 * after some whole number of batches: nothing half-written. At the end it holds exactly the state
 * of an uninterrupted run: same accounts, same ledger rows, same journal (equal head hash).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, seededRandom } from "@elderflow/core";
import {
  createTimeBank,
  memoryStore,
  mysqlStore,
  pgliteStore,
  postgresStore,
  type TimeBank,
  type TimeBankStore,
} from "@elderflow/timebank";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "./support/mysql";
import { asHost, cmd, dropSchema, PG_URL, SETUP, schemaName, testStars } from "./timebank-support";

/** Kills per backend: PGlite children take seconds to start, PostgreSQL ones much less. */
const KILLS = {
  pglite: Number(process.env.TIMEBANK_CRASH_KILLS ?? 5),
  postgres: Number(process.env.TIMEBANK_CRASH_KILLS ?? 10),
  mysql: Number(process.env.TIMEBANK_CRASH_KILLS ?? 10),
};
/** Commands per `submitMany` in the child (timebank-crash-child.ts): one transaction each. */
const BATCH = 5;
const clock = fixedClock("2027-01-04T09:00:00+08:00");
const work = mkdtempSync(join(tmpdir(), "timebank-crash-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A deterministic stream of ~300 commands touching every kind of movement. */
function stream(seed: number): unknown[] {
  const rnd = seededRandom(seed);
  const out: unknown[] = [...SETUP];
  const vols = ["v1", "v2"];
  for (let i = 0; i < 60; i++) {
    const v = vols[i % 2] as string;
    out.push(cmd.record(`r${i}`, v, 30 + Math.floor(rnd.next() * 90)));
    if (rnd.next() < 0.8) out.push(cmd.verify(`vf${i}`, `r${i}`));
    else out.push(cmd.reject(`rj${i}`, `r${i}`));
    if (i % 3 === 0) {
      out.push(cmd.withdraw(`w${i}`, v, 20 + Math.floor(rnd.next() * 60), v === "v1" && i % 2 ? "f1" : v));
      out.push(rnd.next() < 0.7 ? cmd.fulfil(`fu${i}`, `w${i}`) : cmd.cancel(`c${i}`, `w${i}`));
    }
    if (i % 10 === 5) out.push(cmd.reverse(`rv${i}`, `r${i}`));
    if (i % 17 === 0) out.push(cmd.record(`r${i}`, v, 1));
  }
  return out;
}

async function snapshot(bank: TimeBank) {
  const host = asHost(bank);
  return {
    accounts: host.accounts(),
    ledger: host.ledgerAccounts(),
    anchor: bank.anchor(),
    verify: await bank.verifyJournal(),
  };
}

interface Child {
  readonly child: ChildProcess;
  readonly done: Promise<number | null>;
  /** Resolves once the child has applied at least `n` commands (or exited). */
  reached(n: number): Promise<void>;
  /** Commands the child reported applied so far. */
  applied(): number;
}

function runChild(file: string, spec: string): Child {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@elderflow/source",
      join(import.meta.dirname, "timebank-crash-child.ts"),
      file,
      spec,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  let applied = -1;
  const waiters: { n: number; resolve: () => void }[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) {
      if (applied >= w.n || child.exitCode !== null || child.signalCode !== null) w.resolve();
      else waiters.push(w);
    }
  };
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout?.on("data", (d: Buffer) => {
    for (const line of d.toString().split("\n")) {
      if (line === "ready") applied = Math.max(applied, 0);
      const m = /^applied (\d+)$/.exec(line);
      if (m) applied = Number(m[1]);
    }
    wake();
  });
  const done = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) process.stderr.write(stderr.slice(-2000));
      wake();
      for (const w of waiters.splice(0)) w.resolve();
      resolve(code);
    }),
  );
  return {
    child,
    done,
    reached: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        wake();
      }),
    applied: () => applied,
  };
}

async function crashAndFinish(spec: string, open: () => TimeBankStore, seed: number, kills: number) {
  const commands = stream(seed);
  const file = join(work, `stream-${seed}.json`);
  writeFileSync(file, JSON.stringify(commands));
  // The uninterrupted run, batch by batch as the child sends them: the state after each whole
  // batch, by journal length, is what a killed run may leave behind.
  const expectedBank = await createTimeBank({ store: memoryStore(), clock, stars: testStars });
  const host = asHost(expectedBank);
  const boundaries = new Map<number, { accounts: unknown; ledger: unknown }>();
  boundaries.set(0, { accounts: host.accounts(), ledger: host.ledgerAccounts() });
  /** Journal length after each whole batch (index = batches applied). */
  const lengths = [0];
  for (let i = 0; i < commands.length; i += BATCH) {
    await host.submitMany(commands.slice(i, i + BATCH));
    const length = (await expectedBank.journal()).length;
    lengths.push(length);
    boundaries.set(length, { accounts: host.accounts(), ledger: host.ledgerAccounts() });
  }
  const expected = await snapshot(expectedBank);
  const expectedJournal = await expectedBank.journal();

  // Kill when the child has applied a random number of commands, after a random few milliseconds
  // more, so that kills land between batches and inside transactions, all along the stream.
  const rnd = seededRandom(seed * 7 + 1);
  const killedAt: number[] = [];
  // A kill counts only if it landed before the child had applied the whole stream: on a loaded
  // machine the parent may hear of progress late and kill a child that is only closing its store.
  // Such a run is still checked below, and another is started in its place (at most 3 per kill).
  for (let attempt = 0; killedAt.length < kills && attempt < kills * 3; attempt++) {
    const run = runChild(file, spec);
    await run.reached(rnd.int(0, commands.length - 40));
    await new Promise((r) => setTimeout(r, rnd.int(0, 5)));
    if (run.child.exitCode === null && run.child.kill("SIGKILL") && run.applied() < commands.length) {
      killedAt.push(run.applied());
    }
    await run.done;
    const reopened = await createTimeBank({ store: open(), clock, stars: testStars });
    const journal = await reopened.journal();
    // Every batch the child reported committed is still there.
    expect(journal.length).toBeGreaterThanOrEqual(lengths[Math.ceil(Math.max(0, run.applied()) / BATCH)] as number);
    expect(await reopened.verifyJournal()).toMatchObject({ ok: true, length: journal.length });
    expect(journal).toEqual(expectedJournal.slice(0, journal.length));
    expect(
      { accounts: asHost(reopened).accounts(), ledger: asHost(reopened).ledgerAccounts() },
      `the state after ${journal.length} entries`,
    ).toEqual(boundaries.get(journal.length));
    await reopened.close();
  }
  const final = runChild(file, spec);
  expect(await final.done).toBe(0);

  const bank = await createTimeBank({ store: open(), clock, stars: testStars });
  const got = await snapshot(bank);
  await bank.close();
  return { expected, got, killedAt };
}

describe.concurrent("a SIGKILLed writer leaves exactly the state of an uninterrupted run", () => {
  it("on PGlite", async () => {
    const dir = join(work, "pglite");
    const { expected, got, killedAt } = await crashAndFinish(
      `pglite:${dir}`,
      () => pgliteStore({ dataDir: dir }),
      11,
      KILLS.pglite,
    );
    expect(killedAt.length).toBe(KILLS.pglite);
    expect(new Set(killedAt).size).toBeGreaterThan(1);
    expect(got).toEqual(expected);
  }, 240_000);

  it("on PostgreSQL", async () => {
    const schema = schemaName("crash");
    try {
      const { expected, got, killedAt } = await crashAndFinish(
        `postgres:${PG_URL}#${schema}`,
        () => postgresStore({ connectionString: PG_URL, schema, max: 1 }),
        12,
        KILLS.postgres,
      );
      expect(killedAt.length).toBe(KILLS.postgres);
      expect(new Set(killedAt).size).toBeGreaterThan(1);
      expect(got).toEqual(expected);
    } finally {
      await dropSchema(schema);
    }
  }, 240_000);

  it("on MariaDB", async () => {
    const database = privateMysqlDatabase("tb_crash");
    const url = await createMysqlDatabase(database);
    try {
      const { expected, got, killedAt } = await crashAndFinish(
        `mysql:${url}`,
        () => mysqlStore({ uri: url, connectionLimit: 1 }),
        13,
        KILLS.mysql,
      );
      expect(killedAt.length).toBe(KILLS.mysql);
      expect(new Set(killedAt).size).toBeGreaterThan(1);
      expect(got).toEqual(expected);
    } finally {
      await dropMysqlDatabase(database);
    }
  }, 240_000);
});
