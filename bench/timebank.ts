/**
 * `pnpm bench timebank [--quick]`: the time bank beside its peers.
 *
 * - memory: the double-entry core (single and two-phase transfers) and whole commands;
 * - PostgreSQL, one fixed list of credited transfers per client (a volunteer credited from the
 *   community's issuance account), run by the time bank (a record and its verification, in batches
 *   of 64, group-committed) and by three SQL ledgers: row-locking (6 round trips per transfer),
 *   single-statement (one statement per transfer) and batched set-based SQL (one statement per
 *   batch of 64). All count credited transfers; the final balances of every side are compared and
 *   the run fails if they differ. In one process (8 clients) and in 8 processes (the deployment:
 *   8 application processes on one database), each side on its own tables in a scratch database;
 * - open: how long opening a time bank with millions of journal entries takes (replaying and
 *   checking every hash), and the memory it needs, in a fresh process;
 * - PGlite: whole commands per second, batched and one per transaction.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createLedger, createTimeBank, type Ledger, memoryStore, pgliteStore } from "@elderflow/timebank";
import pg from "pg";
import {
  ACCOUNTS,
  type Balances,
  bankBalances,
  bankDelta,
  clock,
  commandsOf,
  createPeerTables,
  HOST,
  type LedgerSide,
  openBank,
  peerBalances,
  runElderflow,
  runPeer,
  sampler,
  setupCommands,
  stars,
  type Transfer,
  transfersOf,
} from "./ledgers";
import { type BenchContext, forkWorker, peakRssMiB } from "./lib";
import { PG_URL, scratchDatabase } from "./pg";

const execFileAsync = promisify(execFile);
const CLIENTS = 8;
const PEERS = ["row-locking", "single-statement", "batched-sql"] as const;

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
  const pick = sampler(ACCOUNTS, null, 1);
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

async function benchMemoryCommands(ctx: BenchContext): Promise<void> {
  const bank = await createTimeBank({ store: memoryStore(), clock, stars, maxBatch: 5000 });
  await bank.as(HOST).submitMany(setupCommands());
  const seconds = ctx.quick ? 2 : 5;
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  let credited = 0;
  let failed = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let round = 0; performance.now() < end; round++) {
        const ts = transfersOf(`mem-${round}`, c, 250, null);
        const results = await bank.as(HOST).submitMany(commandsOf(`mem-${round}`, c, 0, ts));
        ops += results.length;
        for (const r of results) {
          if (!r.ok) failed++;
          else if (r.status === "posted") credited++;
        }
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  ctx.emit({
    bench: "timebank.memory.commands",
    elderflow_ops_s: Math.round(ops / s),
    credited_s: Math.round(credited / s),
    ops,
    failed,
    note: "whole commands (a record and its verification are two; credited_s counts them as one): validation, rules, idempotency, SHA-256 journal",
    peak_rss_mib: peakRssMiB(),
  });
  if (failed > 0) throw new Error(`timebank.memory.commands: ${failed} commands failed`);
}

async function pgbench(url: string, seconds: number, ctx: BenchContext): Promise<number | null> {
  const db = `elderflow_pgbench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const u = new URL(url);
  const args = ["-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username || "postgres")];
  try {
    await admin.query(`create database ${db}`);
    // Scale 8: one branch per client, so that tpcb-like is not serialised on a single branch row.
    await execFileAsync("pgbench", [...args, "-i", "-s", String(CLIENTS), "-q", db]);
    const out = await execFileAsync("pgbench", [
      ...args,
      ...["-c", String(CLIENTS), "-j", "2", "-T", String(seconds), "-b", "tpcb-like", db],
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

interface SideResult {
  readonly credited: number;
  readonly seconds: number;
  readonly balances: Balances;
  readonly retries: number;
}

/** The time bank and the three SQL ledgers over the same transfers; throws if their balances differ. */
async function compareLedgers(
  ctx: BenchContext,
  url: string,
  admin: pg.Client,
  opts: { label: string; zipf: number | null; perClient: number; processes: boolean },
): Promise<Record<LedgerSide, SideResult>> {
  const { label, zipf, perClient, processes } = opts;
  const expected = CLIENTS * perClient;
  const out: Partial<Record<LedgerSide, SideResult>> = {};
  for (const side of ["elderflow", ...PEERS] as const) {
    const schema = side === "elderflow" ? "tb" : `peer_${side.replace("-", "_")}`;
    if (side !== "elderflow") await createPeerTables(admin, schema);
    const before = side === "elderflow" ? await bankBalances(admin, schema) : undefined;
    ctx.log(`${label}: ${side}${processes ? ` in ${CLIENTS} processes` : ""}, ${expected} transfers…`);
    let credited = 0;
    let retries = 0;
    let failed = 0;
    let seconds: number;
    if (processes) {
      const workers = Array.from({ length: CLIENTS }, (_, client) =>
        forkWorker<{ credited: number; failed: number; retries: number }>("ledger-worker.ts", {
          kind: "transfers",
          side,
          url,
          schema,
          label,
          client,
          count: perClient,
          zipf,
        }),
      );
      await Promise.all(workers.map((w) => w.ready));
      const t = performance.now();
      for (const w of workers) w.go();
      const reports = await Promise.all(workers.map((w) => w.done));
      seconds = (performance.now() - t) / 1000;
      for (const r of reports) {
        credited += r.credited;
        retries += r.retries;
        failed += r.failed;
      }
    } else if (side === "elderflow") {
      const bank = await openBank(url, schema, 2);
      const lists = Array.from({ length: CLIENTS }, (_, c) => transfersOf(label, c, perClient, zipf));
      const t = performance.now();
      const reports = await Promise.all(lists.map((ts, c) => runElderflow(bank, label, c, ts)));
      seconds = (performance.now() - t) / 1000;
      await bank.close();
      for (const r of reports) {
        credited += r.credited;
        failed += r.failed;
      }
    } else {
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
          await c.connect();
          return c;
        }),
      );
      const lists = Array.from({ length: CLIENTS }, (_, c) => transfersOf(label, c, perClient, zipf));
      const t = performance.now();
      const reports = await Promise.all(clients.map((c, i) => runPeer(c, side, lists[i] as Transfer[])));
      seconds = (performance.now() - t) / 1000;
      await Promise.all(clients.map((c) => c.end()));
      for (const r of reports) {
        credited += r.credited;
        retries += r.retries;
      }
    }
    let balances: Balances;
    if (before !== undefined) {
      const after = await bankBalances(admin, schema);
      if (after.pending !== before.pending) throw new Error(`${label}: the time bank left transfers pending`);
      balances = bankDelta(before.rows, after.rows);
    } else balances = await peerBalances(admin, schema);
    if (failed > 0 || credited !== expected)
      throw new Error(`${label}: ${side} credited ${credited} of ${expected} transfers (${failed} commands failed)`);
    out[side] = { credited, seconds, balances, retries };
  }
  const all = out as Record<LedgerSide, SideResult>;
  for (const side of PEERS)
    if (all[side].balances.checksum !== all.elderflow.balances.checksum)
      throw new Error(
        `${label}: balances differ: elderflow ${all.elderflow.balances.accounts} accounts (checksum ${all.elderflow.balances.checksum}), ${side} ${all[side].balances.accounts} (checksum ${all[side].balances.checksum})`,
      );
  return all;
}

const perS = (r: SideResult) => Math.round(r.credited / r.seconds);
const ratio = (a: SideResult, b: SideResult) => Math.round((perS(a) / perS(b)) * 100) / 100;

/** The figures every ledger line carries: each side's credited transfers/s and the time bank's ratios. */
function ledgerFigures(r: Record<LedgerSide, SideResult>) {
  return {
    credited_s: perS(r.elderflow),
    peer: "batched-sql",
    peer_credited_s: perS(r["batched-sql"]),
    row_locking_credited_s: perS(r["row-locking"]),
    single_statement_credited_s: perS(r["single-statement"]),
    vs_batched_sql: ratio(r.elderflow, r["batched-sql"]),
    vs_single_statement: ratio(r.elderflow, r["single-statement"]),
    vs_row_locking: ratio(r.elderflow, r["row-locking"]),
    peer_retries: r["row-locking"].retries + r["single-statement"].retries + r["batched-sql"].retries,
  };
}

async function benchPostgres(ctx: BenchContext, processesOnly = false): Promise<void> {
  const db = await scratchDatabase("tbbench");
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  try {
    ctx.log("time bank set-up (10,000 volunteers in 10 communities)…");
    const bank = await openBank(db.url, "tb", 2);
    const setup = await bank.as(HOST).submitMany(setupCommands());
    if (setup.some((r) => !r.ok)) throw new Error("time bank set-up failed");
    await bank.close();
    const tps = processesOnly ? 0 : await pgbench(db.url, ctx.quick ? 2 : 5, ctx);
    const perClient = ctx.quick ? 250 : 1500;
    for (const [name, zipf] of processesOnly
      ? []
      : ([
          ["uniform", null],
          ["zipf", 2.0],
        ] as const)) {
      const r = await compareLedgers(ctx, db.url, admin, { label: name, zipf, perClient, processes: false });
      ctx.emit({
        bench: `timebank.postgres.${name}`,
        clients: CLIENTS,
        transfers: CLIENTS * perClient,
        ...ledgerFigures(r),
        pgbench_tps: tps,
        zipf_s: zipf,
        same_balances: true,
        balances_checksum: r.elderflow.balances.checksum,
      });
    }
    const perProcess = ctx.quick ? 150 : 500;
    const r = await compareLedgers(ctx, db.url, admin, {
      label: "processes",
      zipf: null,
      perClient: perProcess,
      processes: true,
    });
    ctx.emit({
      bench: "timebank.postgres.processes",
      processes: CLIENTS,
      transfers: CLIENTS * perProcess,
      ...ledgerFigures(r),
      same_balances: true,
      balances_checksum: r.elderflow.balances.checksum,
    });
  } finally {
    await admin.end();
    await db.drop();
  }
}

/** Bumped when the fixture's content changes (a reused fixture that no longer opens is rebuilt anyway). */
const FIXTURE_VERSION = 3;
/** The open worker's heap limit: the replayed state of millions of entries outgrows Node's default. */
const OPEN_HEAP_MIB = 12_288;

/**
 * timebank.open: a journal of `entries` entries (the set-up, then record + verify pairs) written
 * through the time bank itself on PostgreSQL, with a state checkpoint at its end as a deployment
 * writes one (every 50,000 entries by default), then opened by a fresh process: it loads and checks
 * the checkpoint (its hash, its tie to the journal head) and the account rows, and replays what
 * follows it; `checkpoint_seq` and `replayed` say what it did. 5,000,000 entries (200,000 under --quick; `--open-entries=N` to choose). The
 * fixture database is kept between runs when `--keep-fixture` is given (a kept journal that this
 * time bank no longer opens is rebuilt).
 */
async function benchOpen(ctx: BenchContext): Promise<void> {
  const given = ctx.args.find((a) => a.startsWith("--open-entries="))?.slice("--open-entries=".length);
  const entries = given !== undefined ? Number(given) : ctx.quick ? 200_000 : 5_000_000;
  if (!Number.isInteger(entries) || entries < 20_000) throw new Error("--open-entries must be an integer >= 20000");
  const keep = ctx.args.includes("--keep-fixture");
  const name = "elderflow_bench_fixture";
  const schema = `tb_open_${entries}`;
  const fingerprint = `v${FIXTURE_VERSION}:${entries}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const exists = (await admin.query("select 1 from pg_database where datname = $1", [name])).rows.length > 0;
  if (!exists) await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query("create table if not exists bench_fixtures (schema text primary key, fingerprint text not null)");
    const build = async () => {
      ctx.log(`building a journal of ${entries.toLocaleString("en-US")} entries through the time bank…`);
      await db.query(`drop schema if exists ${schema} cascade`);
      await db.query("delete from bench_fixtures where schema = $1", [schema]);
      const w = forkWorker<{ ms: number; length: number }>(
        "ledger-worker.ts",
        { kind: "build", side: "elderflow", url, schema, label: "open", client: 0, count: entries, zipf: null },
        [`--max-old-space-size=${OPEN_HEAP_MIB}`],
      );
      await w.ready;
      w.go();
      const b = await w.done;
      ctx.log(`built in ${Math.round(b.ms / 1000)} s; length ${b.length}`);
      await db.query("insert into bench_fixtures (schema, fingerprint) values ($1, $2)", [schema, fingerprint]);
    };
    const have = await db.query("select fingerprint from bench_fixtures where schema = $1", [schema]);
    let fixture = "reused";
    if (have.rows[0]?.fingerprint !== fingerprint) {
      await build();
      fixture = "built";
    } else ctx.log(`reusing the journal of ${entries.toLocaleString("en-US")} entries (${name}.${schema})`);
    const openIt = async () => {
      ctx.log("opening it in a fresh process…");
      const w = forkWorker<{
        open_ms: number;
        peak_rss_mib: number;
        length: number;
        head: string;
        total: number;
        checkpoint: number;
        replayed: number;
      }>(
        "ledger-worker.ts",
        { kind: "open", side: "elderflow", url, schema, label: "open", client: 0, count: 0, zipf: null },
        [`--max-old-space-size=${OPEN_HEAP_MIB}`],
      );
      await w.ready;
      w.go();
      return w.done;
    };
    let r: Awaited<ReturnType<typeof openIt>>;
    try {
      r = await openIt();
    } catch (error) {
      if (fixture === "built") throw error;
      // A fixture written by an older time bank that this one refuses: build it again.
      ctx.log(`the kept journal does not open (${(error as Error).message.slice(0, 120)}); rebuilding`);
      await build();
      fixture = "built";
      r = await openIt();
    }
    const head = (await db.query(`select seq, hash from ${schema}.timebank_head`)).rows[0] as {
      seq: string;
      hash: string;
    };
    const stored = await db.query<{ s: string }>(
      `select sum(credits_posted + debits_posted)::bigint as s from ${schema}.timebank_accounts`,
    );
    const same = r.length === Number(head.seq) && r.head === head.hash && r.total === Number(stored.rows[0]?.s);
    ctx.emit({
      bench: "timebank.open",
      entries: Number(head.seq),
      open_ms: Math.round(r.open_ms),
      entries_s: Math.round(Number(head.seq) / (r.open_ms / 1000)),
      peak_rss_mib: r.peak_rss_mib,
      checkpoint_seq: r.checkpoint,
      replayed: r.replayed,
      same_state: same,
      heap_limit_mib: OPEN_HEAP_MIB,
      fixture,
    });
    if (!same)
      throw new Error(
        `timebank.open: the opened bank (length ${r.length}, posted ${r.total}) is not the stored one (length ${head.seq}, posted ${stored.rows[0]?.s})`,
      );
  } finally {
    await db.end();
    if (!keep) {
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    }
  }
}

async function benchPglite(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "timebank-bench-"));
  try {
    const bank = await createTimeBank({ store: pgliteStore({ dataDir: dir }), clock, stars });
    await bank.as(HOST).submitMany(setupCommands());
    const n = ctx.quick ? 100 : 400;
    const t = performance.now();
    const batched = await Promise.all(
      Array.from({ length: CLIENTS }, (_, c) => runElderflow(bank, "pgl", c, transfersOf("pgl", c, n, null))),
    );
    const batchedS = (performance.now() - t) / 1000;
    const one = transfersOf("pgl1", 0, ctx.quick ? 50 : 200, null);
    const t1 = performance.now();
    let single = 0;
    for (let i = 0; i < one.length; i++)
      for (const cmd of commandsOf("pgl1", 0, i, [one[i] as Transfer])) {
        const r = await bank.as(HOST).submit(cmd);
        if (r.ok && r.status === "posted") single++;
      }
    const singleS = (performance.now() - t1) / 1000;
    const credited = batched.reduce((a, r) => a + r.credited, 0);
    if (credited !== CLIENTS * n || single !== one.length) throw new Error("timebank.pglite: transfers not credited");
    ctx.emit({
      bench: "timebank.pglite",
      clients: CLIENTS,
      credited_s: Math.round(credited / batchedS),
      one_command_per_transaction_credited_s: Math.round(single / singleS),
      accounts: ACCOUNTS,
    });
    await bank.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the time bank benchmarks (`--only=ledger|commands|postgres|processes|open|pglite` to run one
 * part; `processes` is the multi-process line of `postgres` alone).
 */
export async function run(ctx: BenchContext): Promise<void> {
  const only = ctx.args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  if (only === undefined || only === "ledger") benchLedger(ctx);
  if (only === undefined || only === "commands") await benchMemoryCommands(ctx);
  if (only === undefined || only === "postgres") await benchPostgres(ctx);
  if (only === "processes") await benchPostgres(ctx, true);
  if (only === undefined || only === "open") await benchOpen(ctx);
  if (only === undefined || only === "pglite") await benchPglite(ctx);
}
