/**
 * A worker process of the time-bank benchmark (forked by `bench/timebank.ts`): runs one client's
 * fixed list of credited transfers through the time bank or one of the SQL ledgers, or opens a
 * time bank and reports how long its open took and the memory it needed.
 */
import type { TimeBank } from "@elderflow/timebank";
import pg from "pg";
import { buildJournal, type LedgerSide, openBank, runElderflow, runPeer, type Transfer, transfersOf } from "./ledgers";
import { peakRssMiB, workerMain } from "./lib";

interface Init {
  readonly kind: "transfers" | "open" | "build";
  readonly side: LedgerSide;
  readonly url: string;
  readonly schema: string;
  readonly label: string;
  readonly client: number;
  readonly count: number;
  readonly zipf: number | null;
}

interface State {
  readonly init: Init;
  readonly transfers: readonly Transfer[];
  bank?: TimeBank;
  pg?: pg.Client;
}

workerMain<Init, State>(
  async (init) => {
    const transfers = init.kind === "transfers" ? transfersOf(init.label, init.client, init.count, init.zipf) : [];
    const state: State = { init, transfers };
    if (init.kind !== "transfers") return state;
    if (init.side === "elderflow") state.bank = await openBank(init.url, init.schema, 1);
    else {
      state.pg = new pg.Client({ connectionString: init.url, options: `-c search_path=${init.schema}` });
      await state.pg.connect();
    }
    return state;
  },
  async (state) => {
    const { init } = state;
    if (init.kind === "build") {
      const t = performance.now();
      const length = await buildJournal((m) => process.stderr.write(`${m}\n`), init.url, init.schema, init.count);
      return { ms: performance.now() - t, length };
    }
    if (init.kind === "open") {
      const t = performance.now();
      const bank = await openBank(init.url, init.schema, 1);
      const openMs = performance.now() - t;
      const anchor = bank.anchor();
      const opened = bank.opened();
      const accounts = bank.as({ id: "bench-host", roles: ["system"] }).ledgerAccounts();
      const total = accounts.reduce((a, r) => a + r.creditsPosted + r.debitsPosted, 0);
      await bank.close();
      return {
        open_ms: openMs,
        peak_rss_mib: peakRssMiB(),
        length: anchor.length,
        head: anchor.headHash,
        total,
        checkpoint: opened.checkpoint,
        replayed: opened.replayed,
      };
    }
    const t = performance.now();
    const r =
      init.side === "elderflow"
        ? { ...(await runElderflow(state.bank as TimeBank, init.label, init.client, state.transfers)), retries: 0 }
        : { ...(await runPeer(state.pg as pg.Client, init.side, state.transfers)), failed: 0 };
    return { ms: performance.now() - t, ...r };
  },
  async (state) => {
    await state.bank?.close();
    await state.pg?.end();
  },
);
