/**
 * The time bank's PostgreSQL benchmark, both sides: one fixed list of credited transfers per
 * client (a volunteer credited some minutes from their community's issuance account), run by the
 * time bank (a record and its verification per transfer, in batches) and by three SQL ledgers as
 * their authors write them, each counting credited transfers and compared by final balances.
 * Shared by the in-process lines and the worker processes (`bench/ledger-worker.ts`).
 */
import { fixedClock, seededRandom } from "@elderflow/core";
import {
  type AccountRow,
  canonicalJson,
  createTimeBank,
  GENESIS_HASH,
  type JournalEntry,
  memoryStore,
  postgresStore,
  type TimeBank,
  type TimeBankStore,
} from "@elderflow/timebank";
import pg from "pg";
import { checksum } from "./check";

/** Volunteers, spread over the communities (volunteer i is in community i % COMMUNITIES). */
export const ACCOUNTS = 10_000;
/** Communities: each has its own issuance account, as in the time bank. */
export const COMMUNITIES = 10;
/** Transfers per batch for the batching sides (the time bank's and the set-based SQL ledger). */
export const BATCH = 64;
/** The bench submits as the host (the `system` role acts as any named person). */
export const HOST = { id: "bench-host", roles: ["system" as const] };
export const clock = fixedClock("2027-01-04T09:00:00+08:00");
export const stars = (m: number) => Math.min(5, Math.floor(m / 6000));

/** Which ledger runs a client's transfers. */
export type LedgerSide = "elderflow" | "row-locking" | "single-statement" | "batched-sql";

/** One credited transfer: `minutes` from `issued:<community>` to `v:<volunteer>`. */
export interface Transfer {
  readonly volunteer: number;
  readonly minutes: number;
}

const community = (v: number) => `c${v % COMMUNITIES}`;

/** Picks account indexes 0..n-1: uniform, or Zipf with exponent s (rank 1 hottest). */
export function sampler(n: number, zipf: number | null, seed: number | string): () => number {
  const rnd = seededRandom(seed);
  if (zipf === null) return () => Math.floor(rnd.next() * n);
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** zipf;
    cdf[k] = sum;
  }
  return () => {
    const u = rnd.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Client `client`'s transfers of a run: the same list whichever side runs it. */
export function transfersOf(label: string, client: number, count: number, zipf: number | null): Transfer[] {
  const pick = sampler(ACCOUNTS, zipf, `${label}:${client}`);
  const rnd = seededRandom(`${label}:${client}:minutes`);
  const minutes = [30, 45, 60, 90, 120];
  return Array.from({ length: count }, () => ({ volunteer: pick(), minutes: minutes[rnd.int(0, 4)] as number }));
}

/** The time bank's set-up: registrars, verifiers and every volunteer enrolled. */
export function setupCommands(): unknown[] {
  const out: unknown[] = [];
  for (let c = 0; c < COMMUNITIES; c++)
    out.push(
      { op: "grant", key: `g-reg-c${c}`, person: "reg", role: "registrar", community: `c${c}` },
      { op: "grant", key: `g-ver-c${c}`, person: "ver", role: "verifier", community: `c${c}` },
    );
  for (let i = 0; i < ACCOUNTS; i++)
    out.push({ op: "enroll", key: `e${i}`, volunteer: `v${i}`, community: community(i), family: [] });
  return out;
}

/** The time bank's commands for transfers: a record and its verification each. */
export function commandsOf(label: string, client: number, from: number, ts: readonly Transfer[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i] as Transfer;
    const key = `${label}-${client}-${from + i}`;
    out.push(
      {
        op: "record",
        key,
        volunteer: `v${t.volunteer}`,
        recipient: "r",
        minutes: t.minutes,
        on: "2027-01-05",
        signedBy: "r",
        registeredBy: "reg",
      },
      { op: "verify", key: `${key}v`, entry: key, by: "ver", on: "2027-01-06" },
    );
  }
  return out;
}

/** Opens the time bank on a schema of the benchmark database. */
export function openBank(url: string, schema: string, max: number): Promise<TimeBank> {
  return createTimeBank({ store: postgresStore({ connectionString: url, schema, max }), clock, stars });
}

/** Runs transfers through the time bank in batches; returns the transfers credited (verify posted). */
export async function runElderflow(
  bank: TimeBank,
  label: string,
  client: number,
  ts: readonly Transfer[],
): Promise<{ credited: number; failed: number }> {
  let credited = 0;
  let failed = 0;
  const host = bank.as(HOST);
  for (let i = 0; i < ts.length; i += BATCH) {
    const results = await host.submitMany(commandsOf(label, client, i, ts.slice(i, i + BATCH)));
    for (const r of results) {
      if (!r.ok) failed++;
      else if (r.status === "posted") credited++;
    }
  }
  return { credited, failed };
}

/** Creates the SQL ledgers' tables in `schema`: accounts with a balance, and transfers. */
export async function createPeerTables(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.query(`create schema ${schema}`);
  await client.query(`create table ${schema}.accounts (id text primary key, balance bigint not null)`);
  await client.query(
    `create table ${schema}.transfers (id bigserial primary key, debit text not null, credit text not null, amount bigint not null, at timestamptz not null default now())`,
  );
  await client.query(
    `insert into ${schema}.accounts select 'v:v' || g, 0 from generate_series(0, ${ACCOUNTS - 1}) g
     union all select 'issued:c' || g, 0 from generate_series(0, ${COMMUNITIES - 1}) g`,
  );
}

/** Retries a transaction that PostgreSQL aborted for a deadlock or serialisation failure. */
async function retrying(c: pg.ClientBase, fn: () => Promise<void>): Promise<number> {
  for (let retries = 0; ; retries++) {
    try {
      await fn();
      return retries;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "40P01" && code !== "40001") throw error;
      await c.query("rollback").catch(() => {});
    }
  }
}

/**
 * Runs transfers through one of the SQL ledgers on a connection whose search_path is the peer
 * schema; returns the transfers credited (rows written to `transfers`) and deadlock retries.
 *
 * - row-locking: one transaction per transfer, both rows locked in id order (`select … for update`),
 *   two updates and an insert: six round trips;
 * - single-statement: one statement per transfer (lock in id order, update both balances with
 *   one UPDATE, insert the transfer only if both rows were updated): one round trip;
 * - batched-sql: one statement per batch of {@link BATCH} transfers, set-based as pgledger-style
 *   ledgers do: `INSERT … SELECT FROM unnest` of the transfers, the balance changes summed per
 *   account, the rows locked in id order and updated in the same statement.
 */
export async function runPeer(
  c: pg.ClientBase,
  side: Exclude<LedgerSide, "elderflow">,
  ts: readonly Transfer[],
): Promise<{ credited: number; retries: number }> {
  let credited = 0;
  let retries = 0;
  if (side === "row-locking") {
    for (const t of ts) {
      const debit = `issued:${community(t.volunteer)}`;
      const credit = `v:v${t.volunteer}`;
      retries += await retrying(c, async () => {
        await c.query("begin");
        await c.query("select id from accounts where id in ($1, $2) order by id for update", [debit, credit]);
        await c.query("update accounts set balance = balance - $2 where id = $1", [debit, t.minutes]);
        await c.query("update accounts set balance = balance + $2 where id = $1", [credit, t.minutes]);
        await c.query("insert into transfers (debit, credit, amount) values ($1, $2, $3)", [debit, credit, t.minutes]);
        await c.query("commit");
      });
      credited++;
    }
  } else if (side === "single-statement") {
    for (const t of ts) {
      const debit = `issued:${community(t.volunteer)}`;
      const credit = `v:v${t.volunteer}`;
      let rows = 0;
      retries += await retrying(c, async () => {
        const r = await c.query(
          `with l as (select id from accounts where id in ($1, $2) order by id for update),
                u as (update accounts a set balance = a.balance + case when a.id = $2 then $3::bigint else -$3::bigint end
                      from l where a.id = l.id returning 1)
           insert into transfers (debit, credit, amount) select $1, $2, $3 where (select count(*) from u) = 2`,
          [debit, credit, t.minutes],
        );
        rows = r.rowCount ?? 0;
      });
      credited += rows;
    }
  } else {
    for (let i = 0; i < ts.length; i += BATCH) {
      const part = ts.slice(i, i + BATCH);
      const debits = part.map((t) => `issued:${community(t.volunteer)}`);
      const credits = part.map((t) => `v:v${t.volunteer}`);
      const amounts = part.map((t) => t.minutes);
      let rows = 0;
      retries += await retrying(c, async () => {
        const r = await c.query(
          `with t as (insert into transfers (debit, credit, amount)
                      select * from unnest($1::text[], $2::text[], $3::bigint[]) returning debit, credit, amount),
                d as (select id, sum(delta)::bigint as delta from
                        (select debit as id, -amount as delta from t union all select credit, amount from t) x group by id),
                l as (select a.id from accounts a where a.id in (select id from d) order by a.id for update),
                u as (update accounts a set balance = a.balance + d.delta from d, l where a.id = d.id and l.id = d.id returning 1)
           select (select count(*) from t)::int as transfers, (select count(*) from u)::int as accounts`,
          [debits, credits, amounts],
        );
        rows = Number(r.rows[0]?.transfers ?? 0);
      });
      credited += rows;
    }
  }
  return { credited, retries };
}

/** A side's balances: `id balance` lines (non-zero only), sorted, with their checksum. */
export interface Balances {
  readonly accounts: number;
  readonly total: number;
  readonly checksum: string;
}

function balancesOf(rows: readonly { id: string; balance: string | number }[]): Balances {
  const lines = rows
    .filter((r) => Number(r.balance) !== 0)
    .map((r) => `${r.id} ${Number(r.balance)}`)
    .sort();
  const total = rows.reduce((a, r) => a + Math.abs(Number(r.balance)), 0);
  return { accounts: lines.length, total, checksum: checksum(lines) };
}

/** The peer's balances (every account, from zero). */
export async function peerBalances(c: pg.ClientBase, schema: string): Promise<Balances> {
  return balancesOf((await c.query(`select id, balance from ${schema}.accounts`)).rows);
}

/** The time bank's posted balances (credits - debits posted), and whether anything is left pending. */
export async function bankBalances(
  c: pg.ClientBase,
  schema: string,
): Promise<{ rows: Map<string, number>; pending: number }> {
  const r = await c.query<{ id: string; b: string; p: string }>(
    `select id, (credits_posted - debits_posted)::bigint as b, (credits_pending + debits_pending)::bigint as p from ${schema}.timebank_accounts`,
  );
  return {
    rows: new Map(r.rows.map((x) => [x.id, Number(x.b)])),
    pending: r.rows.reduce((a, x) => a + Number(x.p), 0),
  };
}

/** What a run changed in the time bank's balances (after minus before). */
export function bankDelta(before: Map<string, number>, after: Map<string, number>): Balances {
  return balancesOf([...after].map(([id, b]) => ({ id, balance: b - (before.get(id) ?? 0) })));
}

/**
 * A write-only store for building the fixture: the time bank decides every command as usual (in
 * memory), and each batch's journal entries and account rows are written to PostgreSQL in large
 * `unnest` inserts, without the per-batch head lock (there is one writer). The head and the
 * accounts are written at the end, so the stored bank is exactly what the time bank decided.
 */
function sinkStore(
  client: pg.Client,
  schema: string,
  url: string,
): TimeBankStore & { finish(): Promise<void>; finishCheckpoints(): Promise<void> } {
  const inner = memoryStore();
  // Checkpoints go to the real store (written once the journal is flushed: they must name its head).
  const real = postgresStore({ connectionString: url, schema, max: 1 });
  let head: { seq: number; hash: string; suite: string | null } = { seq: 0, hash: GENESIS_HASH, suite: null };
  const accounts = new Map<string, AccountRow>();
  let buffer: JournalEntry[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const rows = buffer;
    buffer = [];
    await client.query(
      `insert into ${schema}.timebank_journal (seq, key, fingerprint, at, command, result, prev_hash, hash)
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
      [
        rows.map((e) => e.seq),
        rows.map((e) => e.key),
        rows.map((e) => e.fingerprint),
        rows.map((e) => e.at),
        rows.map((e) => (e.command === null ? null : canonicalJson(e.command))),
        rows.map((e) => canonicalJson(e.result)),
        rows.map((e) => e.prevHash),
        rows.map((e) => e.hash),
      ],
    );
  };
  return {
    ...inner,
    kind: "postgres",
    async open() {},
    async commit(afterSeq, prepare, suite) {
      if (afterSeq !== head.seq) throw new Error("sink store: one writer only");
      const p = prepare([]);
      for (const e of p.entries) buffer.push(e);
      for (const a of p.accounts) accounts.set(a.id, a);
      const last = p.entries[p.entries.length - 1];
      if (last !== undefined) head = { seq: last.seq, hash: last.hash, suite: head.suite ?? suite };
      if (buffer.length >= 20_000) await flush();
      return p.value;
    },
    async readJournal() {
      return [];
    },
    writeCheckpoint: (cp, keep) => (real.writeCheckpoint as NonNullable<TimeBankStore["writeCheckpoint"]>)(cp, keep),
    readCheckpoints: async () => [],
    readCheckpoint: async () => undefined,
    readKeys: async () => [],
    finishCheckpoints: () => real.close(),
    async readSnapshot() {
      return { head, accounts: [...accounts.values()] };
    },
    async close() {},
    async finish() {
      await flush();
      const rows = [...accounts.values()];
      await client.query(
        `insert into ${schema}.timebank_accounts (id, debits_pending, debits_posted, credits_pending, credits_posted, earned)
         select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])`,
        [
          rows.map((a) => a.id),
          rows.map((a) => a.debitsPending),
          rows.map((a) => a.debitsPosted),
          rows.map((a) => a.creditsPending),
          rows.map((a) => a.creditsPosted),
          rows.map((a) => a.earned),
        ],
      );
      await client.query(`update ${schema}.timebank_head set seq = $1, hash = $2, suite = $3 where id = 1`, [
        head.seq,
        head.hash,
        head.suite,
      ]);
    },
  };
}

/** Writes a journal of `entries` entries decided by the time bank (set-up, then record + verify pairs). */
export async function buildJournal(
  log: (m: string) => void,
  url: string,
  schema: string,
  entries: number,
): Promise<number> {
  // The schema, by the time bank's own migrations.
  const migrated = postgresStore({ connectionString: url, schema, max: 1 });
  await migrated.open();
  await migrated.close();
  // The head's guard (a trigger) names the journal unqualified: the schema goes on the search path.
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  const store = sinkStore(client, schema, url);
  const bank = await createTimeBank({ store, clock, stars, maxBatch: 10_000, checkpointEvery: 0 });
  const host = bank.as(HOST);
  const setup = setupCommands();
  await host.submitMany(setup);
  const pairs = Math.floor((entries - setup.length) / 2);
  const chunk = 5_000;
  let logged = 0;
  for (let from = 0; from < pairs; from += chunk) {
    const ts = transfersOf("open", from / chunk, Math.min(chunk, pairs - from), null);
    const results = await host.submitMany(commandsOf("open", 0, from, ts));
    if (results.some((r) => !r.ok)) throw new Error("timebank.open: building the journal failed");
    const pct = Math.floor((bank.anchor().length / entries) * 10);
    if (pct > logged) {
      logged = pct;
      log(`  ${pct * 10}%`);
    }
  }
  if ((entries - setup.length) % 2 === 1)
    await host.submit({ op: "enroll", key: "pad", volunteer: "pad", community: "c0", family: [] });
  await store.finish();
  // As a deployment would (every 50,000 entries by default): a state checkpoint at the end.
  if ((await bank.writeCheckpoint()) !== bank.anchor().length) throw new Error("timebank.open: checkpoint not written");
  await store.finishCheckpoints();
  await client.end();
  return bank.anchor().length;
}
