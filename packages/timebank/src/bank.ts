import { type Clock, ElderflowError, isElderflowError } from "@elderflow/core";
import type { CommandResult } from "./commands";
import { type JournalAnchor, type JournalEntry, type JournalVerification, verifyJournal } from "./journal";
import {
  type Certificate,
  type CertificateOptions,
  certificateOf,
  type MonthlySummary,
  monthlySummaryOf,
  type PublicNotice,
  type PublicNoticeOptions,
  publicNoticeOf,
  type VerificationBatch,
  verificationBatchOf,
} from "./reports";
import {
  type AccountRow,
  accountView,
  type BankState,
  createBankState,
  type VolunteerAccount,
  volunteerAccountId,
} from "./state";
import type { TimeBankStore } from "./stores/types";

/** What {@link createTimeBank} needs. */
export interface TimeBankOptions {
  /** Where the journal and balances are kept. */
  readonly store: TimeBankStore;
  /** The clock that stamps journal entries. */
  readonly clock: Clock;
  /**
   * Stars (rule 14) from cumulative verified earned minutes. The thresholds belong to the star
   * preset (`starsForMinutes` in @elderflow/policy); the time bank has none of its own.
   */
  readonly stars: (earnedMinutes: number) => number;
  /** Most commands per transaction in group commit (default 2000). */
  readonly maxBatch?: number;
}

/**
 * A time bank (时间银行): a double-entry ledger of volunteer minutes with the bureau's cycle on top.
 * Commands are idempotent, decided in order and made durable in batches (group commit); each keeps
 * its own result.
 */
export interface TimeBank {
  /** Decides one command (any JSON: bad input is a failed result, never a throw). */
  submit(command: unknown): Promise<CommandResult>;
  /** Decides commands in order, sharing transactions with whatever else is queued. */
  submitMany(commands: readonly unknown[]): Promise<CommandResult[]>;
  /** Catches up with commands other writers appended to the same store. */
  refresh(): Promise<void>;
  /** A volunteer's account as this bank last saw it (O(1), no I/O). */
  account(volunteer: string): VolunteerAccount | undefined;
  /** A volunteer's account read fresh from the store (one primary-key read). */
  readAccount(volunteer: string): Promise<VolunteerAccount | undefined>;
  /** Every volunteer's account, sorted by volunteer id. */
  accounts(): VolunteerAccount[];
  /** Every ledger account row (volunteers and system accounts), sorted by id. */
  ledgerAccounts(): AccountRow[];
  /** The week's verification batch (weeks start on Monday). */
  verificationBatch(community: string, weekOf: string): VerificationBatch;
  /** The month's summary (`YYYY-MM`). */
  monthlySummary(community: string, month: string): MonthlySummary;
  /** The quarter's public notice (公示), names masked. */
  publicNotice(community: string, period: string, options?: PublicNoticeOptions): PublicNotice;
  /** A volunteer's time-savings certificate (时间储蓄证明). */
  certificate(volunteer: string, options?: CertificateOptions): Certificate | undefined;
  /** The journal, as stored. */
  journal(): Promise<JournalEntry[]>;
  /** Reads the stored journal and checks its hash chain. */
  verifyJournal(anchor?: JournalAnchor): Promise<JournalVerification>;
  /** Journal length and head hash as this bank last saw them. */
  anchor(): JournalAnchor;
  /** Closes the store. */
  close(): Promise<void>;
}

/** A group of commands submitted together; it resolves once, with one result per command. */
interface Pending {
  readonly raws: readonly unknown[];
  readonly resolve: (r: CommandResult[]) => void;
  readonly reject: (e: unknown) => void;
}

const PAGE = 10_000;

/**
 * Opens a time bank on a store: migrates it, replays its journal (checking every hash) and is
 * ready to take commands.
 *
 * @example
 * ```ts
 * import { fixedClock } from "@elderflow/core";
 * const bank = await createTimeBank({
 *   store: memoryStore(),
 *   clock: fixedClock("2027-01-04T09:00:00+08:00"),
 *   stars: (minutes) => Math.min(5, Math.floor(minutes / 6000)),
 * });
 * await bank.submit({ op: "enroll", key: "e1", volunteer: "v1", community: "c1", family: [] });
 * bank.account("v1")?.availableMinutes; // 0
 * ```
 */
export async function createTimeBank(options: TimeBankOptions): Promise<TimeBank> {
  const { store, clock, stars } = options;
  const maxBatch = Math.max(1, options.maxBatch ?? 2000);
  await store.open();
  let state: BankState = createBankState();

  async function catchUp(into: BankState): Promise<void> {
    for (;;) {
      const page = await store.readJournal(into.seq, PAGE);
      for (const e of page) if (e.seq > into.seq) into.replay(e);
      if (page.length < PAGE) return;
    }
  }
  await catchUp(state);

  const queue: Pending[] = [];
  let running = false;
  /** Set when a reload after a failed commit failed too: the state must be rebuilt before deciding. */
  let stale = false;

  async function reload(): Promise<void> {
    const fresh = createBankState();
    await catchUp(fresh);
    state = fresh;
  }

  async function loop(): Promise<void> {
    while (queue.length > 0) {
      // Group commit: take whole submissions until the batch is full.
      const batch: Pending[] = [];
      let size = 0;
      while (queue.length > 0 && (batch.length === 0 || size + (queue[0] as Pending).raws.length <= maxBatch)) {
        const item = queue.shift() as Pending;
        batch.push(item);
        size += item.raws.length;
      }
      try {
        if (stale) {
          await reload();
          stale = false;
        }
        const results = await store.commit(state.seq, (missed) => {
          for (const e of missed) if (e.seq > state.seq) state.replay(e);
          const at = new Date(clock.now()).toISOString();
          const entries: JournalEntry[] = [];
          const notes: { key: string; text: string }[] = [];
          const out: CommandResult[][] = [];
          for (const item of batch) {
            const mine: CommandResult[] = [];
            for (const raw of item.raws) {
              const d = state.decide(raw, at);
              mine.push(d.result);
              if (d.entry) entries.push(d.entry);
              if (d.note) notes.push(d.note);
            }
            out.push(mine);
          }
          const touched = state.takeTouched();
          return { entries, accounts: touched.rows, created: touched.created, notes, value: out };
        });
        for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(results[i] as CommandResult[]);
      } catch (error) {
        const wrapped = isElderflowError(error)
          ? error
          : new ElderflowError("INTERNAL", {
              params: { detail: error instanceof Error ? error.message.slice(0, 200) : "store failure" },
              cause: error,
            });
        // The batch may have been decided in memory but not stored: rebuild from what is durable
        // before anyone hears of the failure, so that nobody reads a half-applied state.
        try {
          await reload();
        } catch {
          state = createBankState();
          stale = true;
        }
        for (const item of batch) item.reject(wrapped);
      }
    }
    running = false;
  }

  function enqueue(raws: readonly unknown[]): Promise<CommandResult[]> {
    const chunks: Promise<CommandResult[]>[] = [];
    for (let i = 0; i < raws.length; i += maxBatch) {
      const slice = raws.length <= maxBatch ? raws : raws.slice(i, i + maxBatch);
      chunks.push(new Promise<CommandResult[]>((resolve, reject) => queue.push({ raws: slice, resolve, reject })));
    }
    if (!running) {
      running = true;
      void loop();
    }
    return chunks.length === 1 ? (chunks[0] as Promise<CommandResult[]>) : Promise.all(chunks).then((r) => r.flat());
  }

  const bank: TimeBank = {
    async submit(command) {
      return (await enqueue([command]))[0] as CommandResult;
    },
    submitMany(commands) {
      return commands.length === 0 ? Promise.resolve([]) : enqueue(commands);
    },
    async refresh() {
      await catchUp(state);
    },
    account: (volunteer) => state.volunteerAccount(volunteer, stars),
    async readAccount(volunteer) {
      const row = await store.readAccount(volunteerAccountId(volunteer));
      return row === undefined ? undefined : accountView(volunteer, row, stars);
    },
    accounts() {
      return [...state.volunteers.keys()].sort().map((v) => state.volunteerAccount(v, stars) as VolunteerAccount);
    },
    ledgerAccounts() {
      return [...state.ledger.accounts()]
        .map((a) => state.accountRow(String(a.id)) as AccountRow)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    verificationBatch: (community, weekOf) => verificationBatchOf(state, community, weekOf),
    monthlySummary: (community, month) => monthlySummaryOf(state, community, month),
    publicNotice: (community, period, opts = {}) => publicNoticeOf(state, community, period, stars, opts),
    certificate: (volunteer, opts = {}) => certificateOf(state, volunteer, stars, opts),
    async journal() {
      const all: JournalEntry[] = [];
      for (;;) {
        const page = await store.readJournal(all.length === 0 ? 0 : (all[all.length - 1] as JournalEntry).seq, PAGE);
        all.push(...page);
        if (page.length < PAGE) return all;
      }
    },
    async verifyJournal(anchor) {
      return verifyJournal(await bank.journal(), anchor);
    },
    anchor: () => ({ length: state.seq, headHash: state.headHash }),
    close: () => store.close(),
  };
  return bank;
}
