import {
  Actor,
  type ActorInput,
  actorReaches,
  assertReaches,
  type CertificateRule,
  type Clock,
  ElderflowError,
  fromZodError,
  isElderflowError,
  type MovementAuthority,
  withCertificates,
} from "@elderflow/core";
import { type AnchorSigner, type AnchorVerifier, type SignedAnchor, signAnchor } from "./anchor";
import { submitScreened } from "./certificates";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint";
import type { CommandResult } from "./commands";
import { erasePersonIn } from "./erase";
import { assertHashSuite, type HashSuite, sha256Suite } from "./hash";
import {
  type JournalAnchor,
  type JournalEntry,
  type JournalVerification,
  openChecked,
  readAccountChecked,
  verifyJournal,
} from "./journal";
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
  type BankStateOptions,
  createBankState,
  type EntryView,
  type VolunteerAccount,
  volunteerAccountId,
} from "./state";
import type { ErasureRecord, TimeBankStore } from "./stores/types";

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
  /** The journal's hash suite (SHA-256 unless told). */
  readonly hash?: HashSuite;
  /**
   * The registered household of a person, from the host's directory: who may sign for a bedridden
   * recipient, and who else is party to a volunteer's hours. Consulted when deciding a command,
   * never when replaying the journal.
   */
  readonly households?: (personId: string) => readonly string[];
  /** Effective-dated rules (storage cap, redemption age, expiry), consulted when deciding only. */
  readonly rules?: BankStateOptions["rules"];
  /** Persons' birth dates and hardship flags from the host's enrolment record, for the redemption age. */
  readonly persons?: BankStateOptions["persons"];
  /**
   * The certificate rule (rule 11, 持证上岗): `bank.authority` then refuses to record or verify a
   * service whose kind and day it is told of (`CERTIFICATE_INVALID`), and a record command that
   * names its `serviceKind` is refused the same way. See `./certificates`.
   */
  readonly certificates?: CertificateRule;
  /**
   * Write a state checkpoint after every this many journal entries (default 50,000; 0: only when
   * `bank.writeCheckpoint()` is called). Ignored by a store without checkpoints.
   */
  readonly checkpointEvery?: number;
  /** How many checkpoints the store keeps, newest first (default 3). */
  readonly checkpointKeep?: number;
}

/**
 * How a bank was opened: from which checkpoint, how much journal it replayed, which checkpoints it
 * refused (newest first).
 *
 * @example
 * ```ts
 * const { checkpoint, replayed, skipped }: OpenReport = bank.opened();
 * ```
 */
export interface OpenReport {
  /** Journal position of the checkpoint opened from; 0 when the whole journal was replayed. */
  readonly checkpoint: number;
  /** Journal entries replayed after it. */
  readonly replayed: number;
  /** Checkpoints refused, with why (no stored value in the reason). */
  readonly skipped: readonly { readonly seq: number; readonly reason: string }[];
}

/**
 * Which entries {@link ActingTimeBank.entries} lists.
 *
 * @example
 * ```ts
 * const filter: EntryFilter = { community: "c1", keyPrefix: "svc/", status: "pending" };
 * ```
 */
export interface EntryFilter {
  /** Only entries of this community (the volunteer's or the serving one). */
  readonly community?: string;
  /** Only entries whose key starts with this. */
  readonly keyPrefix?: string;
  /** Only entries in this state. */
  readonly status?: EntryView["status"];
}

/**
 * The time bank as one authenticated actor uses it (from `bank.as(actor)`). Commands are decided for
 * that actor: `registeredBy` and `by` must be the actor (or a person it acts for), granting needs
 * `admin` in the community, and every other act needs an actor that reaches the community.
 * Reads see only the communities the actor reaches; `bureau`, `department` and `system` reach the
 * whole district.
 *
 * @example
 * ```ts
 * const staff = bank.as({ id: "leader-1", roles: ["registrar"], communities: ["c1"] });
 * await staff.submit({ op: "record", key: "r1", volunteer: "v1", recipient: "cadre-7", minutes: 90,
 *   on: "2027-01-05", signedBy: "cadre-7", registeredBy: "leader-1" });
 * staff.accounts(); // c1's volunteers only
 * ```
 */
export interface ActingTimeBank {
  /** The actor, as parsed. */
  readonly actor: Actor;
  /** Decides one command (any JSON: bad input is a failed result, never a throw). */
  submit(command: unknown): Promise<CommandResult>;
  /** Decides commands in order, sharing transactions with whatever else is queued. */
  submitMany(commands: readonly unknown[]): Promise<CommandResult[]>;
  /** A volunteer's account as this bank last saw it (O(1), no I/O); undefined if unknown or out of reach. */
  account(volunteer: string): VolunteerAccount | undefined;
  /** A volunteer's account read fresh from the store (one primary-key read); undefined if unknown or out of reach. */
  readAccount(volunteer: string): Promise<VolunteerAccount | undefined>;
  /** Every reachable volunteer's account, sorted by volunteer id. */
  accounts(): VolunteerAccount[];
  /** Every reachable ledger account row (volunteers and system accounts), sorted by id. */
  ledgerAccounts(): AccountRow[];
  /** The week's verification batch (weeks start on Monday); `WRONG_COMMUNITY` out of reach. */
  verificationBatch(community: string, weekOf: string): VerificationBatch;
  /** The month's summary (`YYYY-MM`); `WRONG_COMMUNITY` out of reach. */
  monthlySummary(community: string, month: string): MonthlySummary;
  /** The quarter's public notice (公示), names masked; `WRONG_COMMUNITY` out of reach. */
  publicNotice(community: string, period: string, options?: PublicNoticeOptions): PublicNotice;
  /** A volunteer's time-savings certificate (时间储蓄证明); undefined if unknown or out of reach. */
  certificate(volunteer: string, options?: CertificateOptions): Certificate | undefined;
  /** Records and withdrawals of reachable communities, in the order they were made. */
  entries(filter?: EntryFilter): EntryView[];
}

/**
 * A time bank (时间银行): a double-entry ledger of volunteer minutes with the bureau's cycle on top.
 * Commands are idempotent, decided in order and made durable in batches (group commit); each keeps
 * its own result. Every command and read goes through an authenticated actor: {@link TimeBank.as}.
 *
 * @example
 * ```ts
 * const host = bank.as({ id: "host", roles: ["system"] });
 * await host.submitMany(commands);
 * bank.authority("verify", "f1", { communityId: "c1", volunteer: "v1" }); // "SELF_VERIFICATION" if f1 is v1's family
 * ```
 */
export interface TimeBank {
  /**
   * The bank as an authenticated actor uses it. The actor is parsed with core's `Actor`; one that
   * does not parse throws a typed `ElderflowError` (paths, never values).
   */
  as(actor: ActorInput): ActingTimeBank;
  /**
   * Who may do an act on a movement of hours: this bank's grants and core's one conflict rule
   * (`movementConflict`), with the volunteer's enrolled family and the injected households. The
   * verification workflow calls the same function, so it never reaches a state the ledger refuses.
   */
  readonly authority: MovementAuthority;
  /** Catches up with commands other writers appended to the same store. */
  refresh(): Promise<void>;
  /** The journal, as stored (ids, numbers, dates and codes only). */
  journal(): Promise<JournalEntry[]>;
  /** Reads the stored journal and checks its hash chain. */
  verifyJournal(options?: BankVerifyOptions): Promise<JournalVerification>;
  /**
   * A signed checkpoint of the journal as stored now (length, head hash, suite, the clock's time),
   * to keep outside the database and verify against later.
   */
  checkpoint(signer: AnchorSigner): Promise<SignedAnchor>;
  /**
   * Erases a person's personal data outside the chain: the free-text notes of every command that
   * involves them (as volunteer, recipient, beneficiary, registrar, signer, verifier or actor),
   * and records the erasure (ids and a count). The chain is untouched and still verifies. Needs
   * `system`, `bureau`, or `admin` reaching every community the person appears in.
   */
  erasePerson(personId: string, actor: ActorInput): Promise<ErasureRecord>;
  /** Every recorded erasure, in order. */
  erasures(): Promise<ErasureRecord[]>;
  /** Journal length and head hash as this bank last saw them. */
  anchor(): JournalAnchor;
  /**
   * Writes a state checkpoint at the journal position this bank has reached (after the commands
   * queued before it), in one transaction, keeping the newest few. Resolves to its position, or 0
   * when the store keeps no checkpoints or the journal is empty. Opening then loads the newest
   * checkpoint that checks out and replays only the journal after it.
   */
  writeCheckpoint(): Promise<number>;
  /** How this bank was opened (checkpoint, entries replayed, checkpoints refused). */
  opened(): OpenReport;
  /** Closes the store. */
  close(): Promise<void>;
}

/**
 * What `bank.verifyJournal` checks the stored journal against.
 *
 * @example
 * ```ts
 * await bank.verifyJournal({ anchor: signedAnchor, verifier: ed25519Verifier(publicKeyPem) });
 * ```
 */
export interface BankVerifyOptions {
  /** A checkpoint kept elsewhere; a signed one is trusted only if `verifier` accepts it. */
  readonly anchor?: JournalAnchor | SignedAnchor;
  /** Checks the anchor's signature. */
  readonly verifier?: AnchorVerifier;
}

/** A group of commands submitted together; it resolves once, with one result per command. */
interface Pending {
  readonly actor: Actor;
  readonly raws: readonly unknown[];
  readonly resolve: (r: CommandResult[]) => void;
  readonly reject: (e: unknown) => void;
}

/** Work that must see the state between two batches (a checkpoint write), run in queue order. */
interface Task {
  readonly task: () => Promise<void>;
}

const PAGE = 10_000;

/** A bounded, value-free description of a store failure (the driver's error code, if any). */
function storeFailure(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^[A-Za-z0-9_]{1,20}$/.test(code) ? `store failure ${code}` : "store failure";
}

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
 * const host = bank.as({ id: "host", roles: ["system"] });
 * await host.submit({ op: "enroll", key: "e1", volunteer: "v1", community: "c1", family: [] });
 * host.account("v1")?.availableMinutes; // 0
 * ```
 */
export async function createTimeBank(options: TimeBankOptions): Promise<TimeBank> {
  const { store, clock, stars, certificates } = options;
  const maxBatch = Math.max(1, options.maxBatch ?? 2000);
  const stateOptions = {
    ...(options.hash === undefined ? {} : { hash: options.hash }),
    ...(options.households === undefined ? {} : { households: options.households }),
    ...(options.rules === undefined ? {} : { rules: options.rules }),
    ...(options.persons === undefined ? {} : { persons: options.persons }),
  };
  const newState = () => createBankState(stateOptions);
  const suite = assertHashSuite(options.hash ?? sha256Suite);
  const checkpointEvery = Math.max(0, Math.floor(options.checkpointEvery ?? 50_000));
  const checkpointKeep = Math.max(1, Math.floor(options.checkpointKeep ?? 3));
  const canCheckpoint =
    store.writeCheckpoint !== undefined &&
    store.readCheckpoints !== undefined &&
    store.readCheckpoint !== undefined &&
    store.readKeys !== undefined;
  // Parse the rules, households and persons before the store is opened: a bad option then leaves
  // nothing open behind the error.
  let state: BankState = newState();
  await store.open();

  async function catchUp(into: BankState): Promise<void> {
    for (;;) {
      const page = await store.readJournal(into.seq, PAGE);
      for (const e of page) if (e.seq > into.seq) into.replay(e);
      if (page.length < PAGE) return;
    }
  }
  /**
   * States restored from the stored checkpoints that check out on their own, newest first; each is
   * still only a candidate until the journal after it continues its chain (see `buildState`).
   */
  async function* candidates(skipped: { seq: number; reason: string }[]): AsyncGenerator<BankState> {
    if (!canCheckpoint) return;
    for (const info of await (store.readCheckpoints as NonNullable<TimeBankStore["readCheckpoints"]>)()) {
      const cp = await (store.readCheckpoint as NonNullable<TimeBankStore["readCheckpoint"]>)(info.seq);
      const body = cp === undefined ? "missing" : decodeCheckpoint(cp, suite);
      if (typeof body === "string") {
        skipped.push({ seq: info.seq, reason: body });
        continue;
      }
      const [at] = await store.readJournal(body.seq - 1, 1);
      if (at === undefined || at.seq !== body.seq || at.hash !== body.headHash) {
        skipped.push({ seq: info.seq, reason: "not on the journal" });
        continue;
      }
      const fresh = newState();
      try {
        fresh.restoreOpen(body);
      } catch {
        skipped.push({ seq: info.seq, reason: "does not restore" });
        continue;
      }
      yield fresh;
    }
  }

  /**
   * The state from the newest checkpoint whose journal continues it (or the whole journal), checked
   * by `check` (the open check, or a plain catch-up). A checkpoint whose continuation fails is
   * skipped; the full replay's failure is the journal's own and is thrown.
   */
  async function buildState(check: (s: BankState) => Promise<void>): Promise<{ state: BankState; report: OpenReport }> {
    const skipped: { seq: number; reason: string }[] = [];
    for await (const candidate of candidates(skipped)) {
      const from = candidate.seq;
      try {
        await check(candidate);
        return { state: candidate, report: { checkpoint: from, replayed: candidate.seq - from, skipped } };
      } catch {
        skipped.push({ seq: from, reason: "journal does not continue it" });
      }
    }
    const full = newState();
    await check(full);
    return { state: full, report: { checkpoint: 0, replayed: full.seq, skipped } };
  }

  let openReport: OpenReport;
  try {
    const built = await buildState(async (s) => {
      await openChecked(store, s, suite);
      await catchUp(s);
    });
    state = built.state;
    openReport = built.report;
  } catch (error) {
    // The caller never gets a bank to close: close the store here (a failing close must not hide why).
    await store.close().catch(() => undefined);
    throw error;
  }

  const queue: (Pending | Task)[] = [];
  let running = false;
  /** Journal position of the newest checkpoint this bank knows of. */
  let lastCheckpoint = openReport.checkpoint;
  /** Set when a reload after a failed commit failed too: the state must be rebuilt before deciding. */
  let stale = false;

  async function reload(): Promise<void> {
    state = (await buildState(catchUp)).state;
  }

  /** Writes a checkpoint of the state as it stands between batches (everything in it is durable). */
  async function saveCheckpoint(): Promise<number> {
    if (!canCheckpoint || stale || state.seq === 0) return 0;
    const cp = encodeCheckpoint(state, suite);
    // Whatever happens, the next automatic one is another `checkpointEvery` entries away.
    lastCheckpoint = cp.seq;
    const stored = await (store.writeCheckpoint as NonNullable<TimeBankStore["writeCheckpoint"]>)(cp, checkpointKeep);
    if (!stored) return 0;
    // Keys up to here are in the journal, read by key when a command names one: memory stays bounded.
    state.forgetKeys();
    return cp.seq;
  }

  /** Reads the keys of a batch that the state no longer holds (opened from a checkpoint). */
  async function learnKeys(batch: readonly Pending[]): Promise<void> {
    if (state.keysFrom === 0 || store.readKeys === undefined) return;
    const wanted: string[] = [];
    for (const item of batch)
      for (const raw of item.raws) {
        const key = typeof raw === "object" && raw !== null ? (raw as { key?: unknown }).key : undefined;
        if (typeof key === "string" && key.length <= 4096 && state.needsKey(key)) wanted.push(key);
      }
    if (wanted.length > 0) state.learnKeys(await store.readKeys(wanted));
  }

  async function loop(): Promise<void> {
    while (queue.length > 0) {
      const head = queue[0] as Pending | Task;
      if ("task" in head) {
        queue.shift();
        await head.task();
        continue;
      }
      // Group commit: take whole submissions until the batch is full.
      const batch: Pending[] = [];
      let size = 0;
      for (;;) {
        const next = queue[0];
        if (next === undefined || "task" in next || (batch.length > 0 && size + next.raws.length > maxBatch)) break;
        queue.shift();
        batch.push(next);
        size += next.raws.length;
      }
      try {
        if (stale) {
          await reload();
          stale = false;
        }
        await learnKeys(batch);
        const results = await store.commit(
          state.seq,
          (missed) => {
            for (const e of missed) if (e.seq > state.seq) state.replay(e);
            const at = new Date(clock.now()).toISOString();
            const entries: JournalEntry[] = [];
            const notes: { key: string; text: string }[] = [];
            const out: CommandResult[][] = [];
            for (const item of batch) {
              const mine: CommandResult[] = [];
              for (const raw of item.raws) {
                const d = state.decide(raw, at, item.actor);
                mine.push(d.result);
                if (d.entry) entries.push(d.entry);
                if (d.note) notes.push(d.note);
              }
              out.push(mine);
            }
            const touched = state.takeTouched();
            return { entries, accounts: touched.rows, created: touched.created, notes, value: out };
          },
          suite.name,
        );
        for (let i = 0; i < batch.length; i++) (batch[i] as Pending).resolve(results[i] as CommandResult[]);
        if (checkpointEvery > 0 && canCheckpoint && state.seq - lastCheckpoint >= checkpointEvery) {
          // A failed automatic checkpoint loses nothing: the journal and the previous ones remain.
          await saveCheckpoint().catch(() => 0);
        }
      } catch (error) {
        const wrapped = isElderflowError(error)
          ? error
          : new ElderflowError("INTERNAL", {
              // A driver's message may quote stored values: keep only its SQLSTATE-like code.
              params: { detail: storeFailure(error) },
              cause: error,
            });
        // The batch may have been decided in memory but not stored: rebuild from what is durable
        // before anyone hears of the failure, so that nobody reads a half-applied state.
        try {
          await reload();
        } catch {
          state = newState();
          stale = true;
        }
        for (const item of batch) item.reject(wrapped);
      }
    }
    running = false;
  }

  function enqueue(actor: Actor, raws: readonly unknown[]): Promise<CommandResult[]> {
    const chunks: Promise<CommandResult[]>[] = [];
    for (let i = 0; i < raws.length; i += maxBatch) {
      const slice = raws.length <= maxBatch ? raws : raws.slice(i, i + maxBatch);
      chunks.push(
        new Promise<CommandResult[]>((resolve, reject) => queue.push({ actor, raws: slice, resolve, reject })),
      );
    }
    if (!running) {
      running = true;
      void loop();
    }
    return chunks.length === 1 ? (chunks[0] as Promise<CommandResult[]>) : Promise.all(chunks).then((r) => r.flat());
  }

  /** Ledger account ids name their community after the colon; a volunteer's is the enrolment's. */
  function communityOfAccount(id: string): string | undefined {
    const colon = id.indexOf(":");
    const rest = id.slice(colon + 1);
    return id.startsWith("v:") ? state.volunteers.get(rest)?.community : rest;
  }

  function acting(actor: Actor): ActingTimeBank {
    const reaches = (community: string | undefined) => community !== undefined && actorReaches(actor, community);
    const reachesVolunteer = (volunteer: string) => reaches(state.volunteers.get(volunteer)?.community);
    return {
      actor,
      async submit(command) {
        return (await submitScreened([command], certificates, (r) => enqueue(actor, r)))[0] as CommandResult;
      },
      submitMany(commands) {
        return commands.length === 0
          ? Promise.resolve([])
          : submitScreened(commands, certificates, (r) => enqueue(actor, r));
      },
      account: (volunteer) => (reachesVolunteer(volunteer) ? state.volunteerAccount(volunteer, stars) : undefined),
      async readAccount(volunteer) {
        // An enrolment never changes community: catch up once if another writer made it.
        if (!state.volunteers.has(volunteer)) await catchUp(state);
        if (!reachesVolunteer(volunteer)) return undefined;
        const row = await readAccountChecked(store, () => state, volunteerAccountId(volunteer));
        return row === undefined ? undefined : accountView(volunteer, row, stars);
      },
      accounts() {
        return [...state.volunteers.values()]
          .filter((v) => reaches(v.community))
          .map((v) => v.volunteer)
          .sort()
          .map((v) => state.volunteerAccount(v, stars) as VolunteerAccount);
      },
      ledgerAccounts() {
        return [...state.ledger.accounts()]
          .filter((a) => reaches(communityOfAccount(String(a.id))))
          .map((a) => state.accountRow(String(a.id)) as AccountRow)
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      },
      verificationBatch(community, weekOf) {
        assertReaches(actor, community, ["community"]);
        return verificationBatchOf(state, community, weekOf);
      },
      monthlySummary(community, month) {
        assertReaches(actor, community, ["community"]);
        return monthlySummaryOf(state, community, month);
      },
      publicNotice(community, period, opts = {}) {
        assertReaches(actor, community, ["community"]);
        return publicNoticeOf(state, community, period, stars, opts);
      },
      certificate: (volunteer, opts = {}) =>
        reachesVolunteer(volunteer) ? certificateOf(state, volunteer, stars, opts) : undefined,
      entries(filter = {}) {
        if (filter.community !== undefined) assertReaches(actor, filter.community, ["community"]);
        const out: EntryView[] = [];
        for (const e of state.entries.values()) {
          if (!reaches(e.community) && !reaches(e.servedIn)) continue;
          if (filter.community !== undefined && e.community !== filter.community && e.servedIn !== filter.community)
            continue;
          if (filter.keyPrefix !== undefined && !e.key.startsWith(filter.keyPrefix)) continue;
          if (filter.status !== undefined && e.status !== filter.status) continue;
          const { transfers: _transfers, ...view } = e;
          out.push(view);
        }
        return out;
      },
    };
  }

  const bank: TimeBank = {
    as(input) {
      const parsed = Actor.safeParse(input);
      if (!parsed.success) throw fromZodError(parsed.error, ["actor"]);
      return acting(parsed.data);
    },
    authority:
      certificates === undefined
        ? (act, person, movement) => state.authority(act, person, movement)
        : withCertificates((act, person, movement) => state.authority(act, person, movement), certificates),
    async refresh() {
      await catchUp(state);
    },
    async journal() {
      const all: JournalEntry[] = [];
      for (;;) {
        const page = await store.readJournal(all.length === 0 ? 0 : (all[all.length - 1] as JournalEntry).seq, PAGE);
        all.push(...page);
        if (page.length < PAGE) return all;
      }
    },
    async verifyJournal(opts = {}) {
      return verifyJournal(await bank.journal(), { ...opts, suite });
    },
    async checkpoint(signer) {
      await catchUp(state);
      const signedAt = new Date(clock.now()).toISOString();
      return signAnchor({ length: state.seq, headHash: state.headHash, suite: suite.name, signedAt }, signer);
    },
    erasePerson: (personId, actor) => erasePersonIn({ store, clock, journal: () => bank.journal() }, personId, actor),
    erasures: () => store.readErasures(),
    anchor: () => ({ length: state.seq, headHash: state.headHash }),
    writeCheckpoint() {
      return new Promise<number>((resolve, reject) => {
        queue.push({
          task: async () => {
            try {
              await catchUp(state);
              resolve(await saveCheckpoint());
            } catch (error) {
              reject(error);
            }
          },
        });
        if (!running) {
          running = true;
          void loop();
        }
      });
    },
    opened: () => openReport,
    close: () => store.close(),
  };
  return bank;
}
