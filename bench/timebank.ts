/**
 * `pnpm bench timebank [--quick]`: the time bank's throughput beside its peers, in one process.
 *
 * - memory: the double-entry core (single and two-phase transfers) and whole commands;
 * - PostgreSQL, 8 clients over 10,000 accounts, uniform and Zipf s=2.0: the time bank (group commit:
 *   concurrent clients' batches share a transaction, every command keeps its own result) beside a
 *   plain row-locking ledger (one transfer per transaction: lock both rows in id order, update both,
 *   insert the transfer) and pgbench's built-in tpcb-like script, all on the same server in the
 *   same run, each in a scratch schema or database that is dropped afterwards;
 * - PGlite: whole commands per second, batched and one per transaction.
 *
 * An elderflow "op" is one command, and each command is one ledger transfer (a record is a pending
 * transfer, its verification the post). `posted_ops_s` counts only completed credits (record +
 * verify = one), the most conservative reading.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fixedClock, seededRandom } from "@elderflow/core";
import {
  createLedger,
  createTimeBank,
  type Ledger,
  memoryStore,
  pgliteStore,
  postgresStore,
  type TimeBank,
} from "@elderflow/timebank";
import pg from "pg";
import { type BenchContext, peakRssMiB } from "./lib";

const execFileAsync = promisify(execFile);
const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const ACCOUNTS = 10_000;
const CLIENTS = 8;
const clock = fixedClock("2027-01-04T09:00:00+08:00");
/** The bench submits as the host (the `system` role acts as any named person). */
const HOST = { id: "bench-host", roles: ["system" as const] };
const stars = (m: number) => Math.min(5, Math.floor(m / 6000));

/** Picks account indexes 0..n-1: uniform, or Zipf with exponent s (rank 1 hottest). */
function sampler(n: number, zipf: number | undefined, seed: number): () => number {
  const rnd = seededRandom(seed);
  if (zipf === undefined) return () => Math.floor(rnd.next() * n);
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

// One loop per mode, so that each call site stays monomorphic as it would in a real caller.
function singleTransfers(ledger: Ledger, pairs: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++)
    ledger.apply({ id: i, debit: pairs[2 * i] as number, credit: pairs[2 * i + 1] as number, amount: 7 });
}

function twoPhaseTransfers(ledger: Ledger, pairs: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const debit = pairs[2 * i] as number;
    const credit = pairs[2 * i + 1] as number;
    ledger.apply({ id: 2 * i, debit, credit, amount: 7, kind: "pending" });
    ledger.apply({ id: 2 * i + 1, debit, credit, amount: 0, kind: "post", pendingId: 2 * i });
  }
}

function stringIdTransfers(ledger: Ledger, pairs: Uint32Array, count: number, ids: readonly string[]): void {
  for (let i = 0; i < count; i++)
    ledger.apply({
      id: `t${i}`,
      debit: ids[pairs[2 * i] as number] as string,
      credit: ids[pairs[2 * i + 1] as number] as string,
      amount: 7,
    });
}

function benchLedger(ctx: BenchContext): void {
  const n = ctx.quick ? 1_000_000 : 2_000_000;
  const pick = sampler(ACCOUNTS, undefined, 1);
  const pairs = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const a = pick();
    let b = pick();
    if (b === a) b = (a + 1) % ACCOUNTS;
    pairs[2 * i] = a;
    pairs[2 * i + 1] = b;
  }
  // Numbered ids as TigerBeetle's clients use them; and string ids as the time bank's command keys.
  const stringIds = Array.from({ length: ACCOUNTS }, (_, i) => `v:${i}`);
  for (const mode of ["single", "two_phase", "single_string_ids"] as const) {
    const strings = mode === "single_string_ids";
    const ledger = createLedger();
    ledger.openAccount("issued");
    for (let a = 0; a < ACCOUNTS; a++) {
      const id = strings ? (stringIds[a] as string) : a;
      ledger.openAccount(id, { debitsMustNotExceedCredits: true });
      ledger.apply({ id: `fund-${a}`, debit: "issued", credit: id, amount: 1_000_000_000 });
    }
    const count = mode === "two_phase" ? Math.floor(n / 2) : n;
    const t = performance.now();
    if (mode === "single") singleTransfers(ledger, pairs, count);
    else if (mode === "two_phase") twoPhaseTransfers(ledger, pairs, count);
    else stringIdTransfers(ledger, pairs, count, stringIds);
    const s = (performance.now() - t) / 1000;
    if (ledger.postedSum() !== 0) throw new Error("ledger does not balance");
    const transfers = mode === "two_phase" ? 2 * count : count;
    ctx.emit({
      bench: `timebank.memory.ledger.${mode}`,
      elderflow_ops_s: Math.round(transfers / s),
      transfers,
      accounts: ACCOUNTS,
      target_ops_s: 1_000_000,
      peak_rss_mib: peakRssMiB(),
    });
  }
}

function setupCommands(): unknown[] {
  const out: unknown[] = [
    { op: "grant", key: "g-reg", person: "reg", role: "registrar", community: "c1" },
    { op: "grant", key: "g-ver", person: "ver", role: "verifier", community: "c1" },
  ];
  for (let i = 0; i < ACCOUNTS; i++)
    out.push({ op: "enroll", key: `e${i}`, volunteer: `v${i}`, community: "c1", family: [] });
  return out;
}

/** A client's next batch: record + verify pairs for volunteers drawn from the distribution. */
function batchMaker(client: number, label: string, pick: () => number) {
  let seq = 0;
  return (pairs: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < pairs; i++) {
      const key = `${label}-${client}-${seq++}`;
      out.push(
        {
          op: "record",
          key,
          volunteer: `v${pick()}`,
          recipient: "r",
          minutes: 30,
          on: "2027-01-05",
          signedBy: "r",
          registeredBy: "reg",
        },
        { op: "verify", key: `${key}v`, entry: key, by: "ver", on: "2027-01-06" },
      );
    }
    return out;
  };
}

/** Runs `clients` closed-loop clients against a bank for `seconds`; returns commands/s. */
async function driveBank(
  bank: TimeBank | readonly TimeBank[],
  label: string,
  zipf: number | undefined,
  seconds: number,
  clients: number,
  pairsPerBatch: number,
): Promise<{ ops: number; s: number; failed: number }> {
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  let failed = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const next = batchMaker(c, label, sampler(ACCOUNTS, zipf, 100 + c));
      while (performance.now() < end) {
        const target = Array.isArray(bank) ? (bank[c % bank.length] as TimeBank) : (bank as TimeBank);
        const results = await target.as(HOST).submitMany(next(pairsPerBatch));
        ops += results.length;
        for (const r of results) if (!r.ok) failed++;
      }
    }),
  );
  return { ops, s: (performance.now() - t) / 1000, failed };
}

async function benchMemoryCommands(ctx: BenchContext): Promise<void> {
  const bank = await createTimeBank({ store: memoryStore(), clock, stars, maxBatch: 5000 });
  await bank.as(HOST).submitMany(setupCommands());
  const r = await driveBank(bank, "mem", undefined, ctx.quick ? 2 : 5, CLIENTS, 500);
  ctx.emit({
    bench: "timebank.memory.commands",
    elderflow_ops_s: Math.round(r.ops / r.s),
    ops: r.ops,
    failed: r.failed,
    note: "whole commands: validation, rules, idempotency, SHA-256 journal",
    peak_rss_mib: peakRssMiB(),
  });
}

/** The plain row-locking ledger: one transfer per transaction, both rows locked in id order. */
async function rowLocking(schema: string, zipf: number | undefined, seconds: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
      await c.connect();
      return c;
    }),
  );
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const t = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      const pick = sampler(ACCOUNTS, zipf, 200 + i);
      while (performance.now() < end) {
        const a = pick();
        let b = pick();
        while (b === a) b = pick();
        const [lo, hi] = a < b ? [a, b] : [b, a];
        await c.query("begin");
        await c.query("select id from rl_accounts where id in ($1, $2) order by id for update", [lo, hi]);
        await c.query("update rl_accounts set balance = balance - 30 where id = $1", [a]);
        await c.query("update rl_accounts set balance = balance + 30 where id = $1", [b]);
        await c.query("insert into rl_transfers (debit, credit, amount) values ($1, $2, 30)", [a, b]);
        await c.query("commit");
        done++;
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return done / s;
}

async function pgbench(seconds: number, ctx: BenchContext): Promise<number | null> {
  const db = `elderflow_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const url = new URL(PG_URL);
  const args = ["-h", url.hostname, "-p", url.port || "5432", "-U", decodeURIComponent(url.username || "postgres")];
  try {
    await admin.query(`create database ${db}`);
    // Scale 8: one branch per client, so that tpcb-like is not serialised on a single branch row.
    await execFileAsync("pgbench", [...args, "-i", "-s", String(CLIENTS), "-q", db]);
    const out = await execFileAsync("pgbench", [
      ...args,
      "-c",
      String(CLIENTS),
      "-j",
      "2",
      "-T",
      String(seconds),
      "-b",
      "tpcb-like",
      db,
    ]);
    const m = /tps = ([\d.]+)/.exec(out.stdout);
    return m ? Math.round(Number(m[1])) : null;
  } catch (error) {
    ctx.log(`pgbench failed: ${(error as Error).message.slice(0, 200)}`);
    return null;
  } finally {
    await admin.query(`drop database if exists ${db}`);
    await admin.end();
  }
}

async function benchPostgres(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 3 : 10;
  const schema = `tb_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`create schema ${schema}`);
    await admin.query(`create table ${schema}.rl_accounts (id integer primary key, balance bigint not null)`);
    await admin.query(
      `create table ${schema}.rl_transfers (id bigserial primary key, debit integer not null, credit integer not null, amount bigint not null, at timestamptz not null default now())`,
    );
    await admin.query(
      `insert into ${schema}.rl_accounts select g, 1000000000 from generate_series(0, ${ACCOUNTS - 1}) g`,
    );
    const bank = await createTimeBank({
      store: postgresStore({ connectionString: PG_URL, schema, max: 2 }),
      clock,
      stars,
    });
    await bank.as(HOST).submitMany(setupCommands());
    ctx.log(`pgbench tpcb-like, ${CLIENTS} clients, ${seconds}s…`);
    const tps = await pgbench(seconds, ctx);
    for (const [name, zipf] of [
      ["uniform", undefined],
      ["zipf", 2.0],
    ] as const) {
      ctx.log(`row-locking ${name}…`);
      const peer = await rowLocking(schema, zipf, seconds);
      ctx.log(`elderflow ${name}…`);
      const r = await driveBank(bank, name, zipf, seconds, CLIENTS, 64);
      const opsS = r.ops / r.s;
      ctx.emit({
        bench: `timebank.postgres.${name}`,
        elderflow_ops_s: Math.round(opsS),
        posted_ops_s: Math.round(opsS / 2),
        peer: "row-locking",
        peer_ops_s: Math.round(peer),
        pgbench_tps: tps,
        ratio: Math.round((opsS / peer) * 10) / 10,
        ratio_posted: Math.round((opsS / 2 / peer) * 10) / 10,
        target_ratio: name === "uniform" ? 3 : 5,
        clients: CLIENTS,
        accounts: ACCOUNTS,
        zipf_s: zipf ?? null,
        failed: r.failed,
        seconds,
      });
    }
    // The same load from 8 separate banks (8 connections, as 8 processes would run): each writer
    // catches up on the others' journal entries under the head lock before deciding its batch.
    ctx.log("elderflow uniform, 8 separate writers…");
    const writers: TimeBank[] = [];
    for (let c = 0; c < CLIENTS; c++)
      writers.push(
        await createTimeBank({ store: postgresStore({ connectionString: PG_URL, schema, max: 1 }), clock, stars }),
      );
    const w = await driveBank(writers, "writers", undefined, seconds, CLIENTS, 64);
    for (const b of writers) await b.close();
    ctx.emit({
      bench: "timebank.postgres.uniform.separate_writers",
      elderflow_ops_s: Math.round(w.ops / w.s),
      posted_ops_s: Math.round(w.ops / w.s / 2),
      clients: CLIENTS,
      accounts: ACCOUNTS,
      failed: w.failed,
      seconds,
    });
    const check = await admin.query(
      `select sum(credits_posted - debits_posted)::bigint as s from ${schema}.timebank_accounts`,
    );
    if (Number(check.rows[0]?.s) !== 0) throw new Error("PostgreSQL ledger does not balance");
    await bank.close();
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

async function benchPglite(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "timebank-bench-"));
  try {
    const bank = await createTimeBank({ store: pgliteStore({ dataDir: dir }), clock, stars });
    await bank.as(HOST).submitMany(setupCommands());
    const seconds = ctx.quick ? 2 : 5;
    const batched = await driveBank(bank, "pgl", undefined, seconds, CLIENTS, 64);
    const single = await driveBank(bank, "pgl1", undefined, seconds, 1, 1);
    ctx.emit({
      bench: "timebank.pglite",
      elderflow_ops_s: Math.round(batched.ops / batched.s),
      peer: "one-command-per-transaction",
      peer_ops_s: Math.round(single.ops / single.s),
      clients: CLIENTS,
      accounts: ACCOUNTS,
    });
    await bank.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the time bank benchmarks (`--only=ledger|commands|postgres|pglite` to run one part). */
export async function run(ctx: BenchContext): Promise<void> {
  const only = ctx.args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  if (only === undefined || only === "ledger") benchLedger(ctx);
  if (only === undefined || only === "commands") await benchMemoryCommands(ctx);
  if (only === undefined || only === "postgres") await benchPostgres(ctx);
  if (only === undefined || only === "pglite") await benchPglite(ctx);
}
