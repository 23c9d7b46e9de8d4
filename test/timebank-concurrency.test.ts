/**
 * Concurrency on PostgreSQL and MariaDB: 16 clients in this process, each its own time bank with
 * its own pool of one connection, then 4 child processes, hammer a few hot accounts at once. The
 * outcome must equal a serial replay of the same commands in the order the database committed
 * them: same result for every command, same accounts, same ledger, same journal (equal head hash),
 * every command journaled once (shared keys decided once, replayed to the others), minutes conserved.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock, seededRandom } from "@elderflow/core";
import {
  type CommandResult,
  createTimeBank,
  memoryStore,
  mysqlStore,
  postgresStore,
  type TimeBankStore,
} from "@elderflow/timebank";
import mysql from "mysql2/promise";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "./support/mysql";
import {
  asHost,
  cmd,
  dropSchema,
  type HostBank,
  inSchema,
  PG_URL,
  SETUP,
  schemaName,
  testStars,
} from "./timebank-support";

const CLIENTS = 16;
const clock = fixedClock("2027-01-04T09:00:00+08:00");

const PROCESSES = 4;
const work = mkdtempSync(join(tmpdir(), "timebank-race-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Totals read straight from the accounts table: posted and pending sum to zero, `least` is the smallest volunteer balance. */
interface Sums {
  posted: number;
  pending: number;
  least: number;
}

/** A database shared by all clients: a store per client, a child's store spec, a direct read of the totals, cleanup. */
interface Backend {
  open(): TimeBankStore;
  /** The store as `timebank-crash-child.ts` names it. */
  readonly spec: string;
  sums(): Promise<Sums>;
  cleanup(): Promise<void>;
}

const SUMS =
  "sum(credits_posted - debits_posted) as posted, sum(credits_pending - debits_pending) as pending, min(case when id like 'v:%' then credits_posted - debits_posted - debits_pending end) as least from timebank_accounts";

const postgres = async (): Promise<Backend> => {
  const schema = schemaName("concurrency");
  return {
    open: () => postgresStore({ connectionString: PG_URL, schema, max: 1 }),
    spec: `postgres:${PG_URL}#${schema}`,
    async sums() {
      const [row] = (await inSchema(schema, `select ${SUMS}`)) as Record<keyof Sums, string>[];
      return { posted: Number(row?.posted), pending: Number(row?.pending), least: Number(row?.least) };
    },
    cleanup: () => dropSchema(schema),
  };
};

const mariadb = async (): Promise<Backend> => {
  const database = privateMysqlDatabase("tb_concurrency");
  const url = await createMysqlDatabase(database);
  return {
    open: () => mysqlStore({ uri: url, connectionLimit: 1 }),
    spec: `mysql:${url}`,
    async sums() {
      const conn = await mysql.createConnection({ uri: url });
      try {
        const [rows] = (await conn.query(`select ${SUMS}`)) as unknown as [Record<keyof Sums, string>[]];
        const row = rows[0];
        return { posted: Number(row?.posted), pending: Number(row?.pending), least: Number(row?.least) };
      } finally {
        await conn.end();
      }
    },
    cleanup: () => dropMysqlDatabase(database),
  };
};

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Each client's commands on three hot volunteers; some keys are shared by several clients. */
function clientStream(client: number): Record<string, unknown>[] {
  const rnd = seededRandom(1000 + client);
  const hot = ["v1", "v2", "w1"];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 12; i++) {
    const v = hot[rnd.int(0, 2)] as string;
    const registrar = v === "w1" ? "reg2" : "reg1";
    const verifier = v === "w1" ? "ver2" : "ver1";
    const r = `c${client}-r${i}`;
    out.push(cmd.record(r, v, rnd.int(10, 60), "2027-01-05", "r1", registrar));
    out.push(cmd.verify(`c${client}-vf${i}`, r, verifier));
    // Withdrawals race for the same hot balances: which ones fit depends on the commit order.
    const w = `c${client}-w${i}`;
    out.push(cmd.withdraw(w, v, rnd.int(20, 90)));
    out.push(rnd.chance(0.7) ? cmd.fulfil(`c${client}-fu${i}`, w) : cmd.cancel(`c${client}-ca${i}`, w));
    // The same command sent by several clients: exactly one decides it, the others replay it.
    if (i % 4 === 0) out.push(cmd.record(`shared-${i}`, "v1", 15, "2027-01-06"));
  }
  return out;
}

/**
 * Checks a finished race against the serial replay of the journal's order: every result a client
 * got, the accounts, ledger and anchor, and the totals stored in the database.
 */
async function expectSerialOutcome(
  backend: Backend,
  streams: readonly Record<string, unknown>[][],
  results: readonly CommandResult[][],
): Promise<void> {
  const observer = asHost(await createTimeBank({ store: backend.open(), clock, stars: testStars }));
  const journal = await observer.journal();
  expect(await observer.verifyJournal()).toMatchObject({ ok: true });

  // Nothing lost, nothing twice: every key sent is journaled exactly once.
  const sent = new Set([...SETUP, ...streams.flat()].map((c) => c.key as string));
  expect(journal.map((e) => e.key).sort()).toEqual([...sent].sort());

  // The writers really interleaved: the journal switches between clients many times.
  const owners = journal.flatMap((e) => /^c(\d+)-/.exec(e.key)?.[1] ?? []);
  expect(owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length).toBeGreaterThan(2 * streams.length);

  // Serial replay of the committed order, in memory.
  const byKey = new Map<string, Record<string, unknown>>();
  for (const c of [...SETUP, ...streams.flat()]) byKey.set(c.key as string, c);
  const serial = asHost(await createTimeBank({ store: memoryStore(), clock, stars: testStars }));
  const serialResults = await serial.submitMany(journal.map((e) => byKey.get(e.key)));
  const serialByKey = new Map(serialResults.map((r) => [r.key, r]));

  // Every result a client got equals the serial decision (replays carry the first result).
  let replays = 0;
  let insufficient = 0;
  for (const [c, rs] of results.entries()) {
    expect(rs).toHaveLength((streams[c] as Record<string, unknown>[]).length);
    for (const [i, r] of rs.entries()) {
      const command = (streams[c] as Record<string, unknown>[])[i] as Record<string, unknown>;
      const { replayed, ...plain } = r as CommandResult & { replayed?: true };
      if (replayed) replays++;
      if (!r.ok && r.code === "INSUFFICIENT_BALANCE") insufficient++;
      expect(plain).toEqual(serialByKey.get(command.key as string));
    }
  }
  // The shared commands were decided once each and replayed to the other clients.
  expect(replays).toBe(3 * (streams.length - 1));
  // The race was real: some withdrawals lost it.
  expect(insufficient).toBeGreaterThan(0);

  expect(observer.accounts()).toEqual(serial.accounts());
  expect(observer.ledgerAccounts()).toEqual(serial.ledgerAccounts());
  expect(observer.anchor()).toEqual(serial.anchor());

  // What the database holds, read directly: balances sum to zero, nothing overdrawn.
  const sums = await backend.sums();
  expect(sums).toEqual({ posted: 0, pending: 0, least: expect.any(Number) });
  expect(sums.least).toBeGreaterThanOrEqual(0);
  for (const a of serial.accounts()) expect(await observer.readAccount(a.volunteer)).toEqual(a);
  await observer.close();
}

/** A fresh database of the backend with {@link SETUP} applied. */
async function prepared(make: () => Promise<Backend>): Promise<Backend> {
  const backend = await make();
  cleanups.push(() => backend.cleanup());
  const setup = asHost(await createTimeBank({ store: backend.open(), clock, stars: testStars }));
  await setup.submitMany(SETUP);
  await setup.close();
  return backend;
}

/** One child process applying a stream; resolves to its results once it exits cleanly. */
function raceChild(file: string, spec: string): { ready: Promise<void>; go(): void; done: Promise<CommandResult[]> } {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@elderflow/source",
      join(import.meta.dirname, "timebank-crash-child.ts"),
      file,
      spec,
      "--race",
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("ready\n")) markReady();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CommandResult[]>((resolve, reject) =>
    child.on("exit", (code) => {
      markReady();
      if (code !== 0) reject(new Error(`child exited ${code}: ${stderr.slice(-2000)}`));
      else
        resolve(
          stdout
            .split("\n")
            .filter((l) => l.startsWith("result "))
            .map((l) => JSON.parse(l.slice("result ".length)) as CommandResult),
        );
    }),
  );
  return { ready, go: () => child.stdin.write("go\n"), done };
}

describe.each([
  { name: "PostgreSQL", make: postgres },
  { name: "MariaDB", make: mariadb },
])("concurrent writers on $name", ({ name, make }) => {
  it(`${CLIENTS} clients, each with its own pool, end in the state of the serial replay of the committed order`, async () => {
    const backend = await prepared(make);
    const banks: HostBank[] = [];
    for (let c = 0; c < CLIENTS; c++)
      banks.push(asHost(await createTimeBank({ store: backend.open(), clock, stars: testStars })));
    const streams = banks.map((_, c) => clientStream(c));
    const results = await Promise.all(
      banks.map(async (bank, c) => {
        const mine = streams[c] as Record<string, unknown>[];
        const out: CommandResult[] = [];
        // Small batches, so that the clients' transactions interleave.
        for (let i = 0; i < mine.length; i += 3) out.push(...(await bank.submitMany(mine.slice(i, i + 3))));
        return out;
      }),
    );
    for (const b of banks) await b.close();
    await expectSerialOutcome(backend, streams, results);
  }, 120_000);

  it(`${PROCESSES} processes started together end in the state of the serial replay of the committed order`, async () => {
    const backend = await prepared(make);
    const streams = Array.from({ length: PROCESSES }, (_, c) => clientStream(100 + c));
    const children = streams.map((stream, c) => {
      const file = join(work, `${name}-${c}.json`);
      writeFileSync(file, JSON.stringify(stream));
      return raceChild(file, backend.spec);
    });
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const results = await Promise.all(children.map((c) => c.done));
    await expectSerialOutcome(backend, streams, results);
  }, 120_000);
});
