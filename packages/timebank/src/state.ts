/**
 * The time bank's decision core: the bureau's rules on top of the double-entry ledger. Pure and
 * synchronous; every store replays the same journal through it, so memory, PGlite and PostgreSQL
 * decide every command identically.
 *
 * A command can only ever fail itself: its key and text are checked before anything is hashed,
 * internal transfer ids are numbers that no key can collide with, and every change a decision makes
 * is undone if deciding it throws. Who may act (the actor, the grants, the one conflict rule and
 * the injected households) is decided in `decide` only; `replay` re-applies what the journal holds,
 * whatever a directory says today.
 */
import {
  type Actor,
  actorHasRole,
  actorReaches,
  actsAs,
  ElderflowError,
  type ErrorCode,
  isDistrictActor,
  KEY_RULES,
  type MovementAct,
  type MovementAuthority,
  type MovementParties,
  movementConflict,
  textProblem,
} from "@elderflow/core";
import { commandText } from "./canonical";
import type { CheckpointBody, EntryTuple, MovementTuple } from "./checkpoint";
import {
  type CommandFailureCode,
  type CommandResult,
  type CommandStatus,
  type DecidedFields,
  type StoredCommand,
  TimeBankCommand,
  type WithdrawCommand,
} from "./commands";
import { type HashSuite, sha256Suite } from "./hash";
import { canonicalJson, entryHashMatches, entryHashOf, entryTexts, GENESIS_HASH, type JournalEntry } from "./journal";
import { createLedger, type Ledger, type LedgerAccount, type TransferInput } from "./ledger";
import {
  assertLookup,
  expiringMinutes,
  mayRedeem,
  PersonFacts,
  type PersonFactsLookup,
  type RuleBook,
  ruleBook,
  type TimeBankRulesInput,
} from "./rules";

/**
 * A recorded service or a withdrawal, with where it stands: what `bank.as(actor).entries()` lists.
 *
 * @example
 * ```ts
 * const pending: EntryView[] = acting.entries({ community: "c1", status: "pending" });
 * ```
 */
export interface EntryView {
  /** The key of the command that created it. */
  readonly key: string;
  /** A service record (pending credit) or a withdrawal (pending debit). */
  readonly kind: "record" | "withdrawal";
  /** Whose account. */
  readonly volunteer: string;
  /** The volunteer's community. */
  readonly community: string;
  /** Where the service was given (records) or will be received (withdrawals). */
  readonly servedIn: string;
  /** The recipient (records) or beneficiary (withdrawals). */
  readonly counterpart: string;
  /** Minutes. */
  readonly minutes: number;
  /** The service date (records) or application date (withdrawals). */
  readonly on: string;
  /** Who registered it (records). */
  readonly registeredBy: string | undefined;
  /** `pending` (recorded / reserved), `posted`, `voided` or `reversed`. */
  readonly status: "pending" | "posted" | "voided" | "reversed";
  /** Key of the verify / reject / fulfil / cancel command that settled it. */
  readonly settledKey?: string;
  /** Date it was posted (verify or fulfil `on`). */
  readonly settledOn?: string;
  /** Who verified or rejected it. */
  readonly settledBy?: string;
  /** Key of the reversal. */
  readonly reversedKey?: string;
  /** Date of the reversal. */
  readonly reversedOn?: string;
}

/** An entry as the state keeps it: the view plus the ledger transfers that hold it pending. */
export interface Entry extends EntryView {
  /** The ledger transfers that hold it pending (internal numeric ids). */
  readonly transfers: readonly number[];
}

/** A posted movement on a volunteer's account, in journal order (what the certificate lists). */
export interface Movement {
  /** Journal position of the command that posted it. */
  readonly seq: number;
  /** That command's key. */
  readonly key: string;
  /** The entry it belongs to (record or withdrawal key). */
  readonly entry: string;
  /** Posting date. */
  readonly on: string;
  /**
   * The date the movement takes effect, which balances as of a date count by: the service date for
   * earned minutes (and an excess donated with them), the posting date otherwise; a reversal never
   * takes effect before what it reverses.
   */
  readonly effectiveOn: string;
  /** Volunteer (the account holder). */
  readonly volunteer: string;
  /** Volunteer's community. */
  readonly community: string;
  /**
   * Earned by verified service, spent by a fulfilled withdrawal, the reversal of either, a gift
   * given (`gifted`) or received (`gift-received`), an excess over the storage cap `donated` to a
   * pool, or minutes `expired` under the expiry rule.
   */
  readonly kind: MovementKind;
  /** Effect on the balance, signed. */
  readonly minutes: number;
}

/**
 * The kinds of posted movement on an account, as the certificate lists them.
 *
 * @example
 * ```ts
 * const kind: MovementKind = "gift-received";
 * ```
 */
export type MovementKind =
  | "earned"
  | "spent"
  | "earned-reversed"
  | "spent-reversed"
  | "gifted"
  | "gift-received"
  | "donated"
  | "expired";

/** A persisted account row: the four ledger totals plus earned minutes (volunteers only). */
export interface AccountRow {
  /** Ledger account id: `v:<volunteer>`, `issued:<community>`, `redeemed:<community>`, `clearing:<community>`. */
  readonly id: string;
  /** Pending debits. */
  readonly debitsPending: number;
  /** Posted debits. */
  readonly debitsPosted: number;
  /** Pending credits. */
  readonly creditsPending: number;
  /** Posted credits. */
  readonly creditsPosted: number;
  /** Verified service minutes net of reversals (0 for system accounts). */
  readonly earned: number;
}

/** A volunteer's account as the CLI prints it. */
export interface VolunteerAccount {
  /** Volunteer id. */
  readonly volunteer: string;
  /** Verified service minutes net of reversals; spending never lowers it. */
  readonly earnedMinutes: number;
  /** Posted minutes. */
  readonly balanceMinutes: number;
  /** Recorded service not yet verified or rejected. */
  readonly pendingInMinutes: number;
  /** Withdrawals neither fulfilled nor cancelled. */
  readonly reservedMinutes: number;
  /** balance - reserved. */
  readonly availableMinutes: number;
  /** Stars from the star preset, on earned minutes. */
  readonly stars: number;
}

/** An enrolled volunteer. */
export interface Enrollment {
  /** Volunteer id. */
  readonly volunteer: string;
  /** Their community. */
  readonly community: string;
  /** Family members who may draw on the hours (the volunteer's registered household). */
  readonly family: Set<string>;
  /** Journal position of the enrolment. */
  readonly seq: number;
}

/** What deciding one command produced. */
export interface Decision {
  /** The result for the submitter. */
  readonly result: CommandResult;
  /** The journal entry to append (none for replays, conflicts and refused text). */
  readonly entry?: JournalEntry;
  /** A free-text reason to keep beside the journal. */
  readonly note?: { readonly key: string; readonly text: string };
}

/** What {@link createBankState} takes. */
export interface BankStateOptions {
  /** The hash suite of the journal (SHA-256 unless told). */
  readonly hash?: HashSuite;
  /**
   * The registered household of a person (who may sign for a bedridden recipient), from the host's
   * directory. Consulted when deciding only, never on replay.
   */
  readonly households?: (personId: string) => readonly string[];
  /**
   * The effective-dated rules (storage cap, redemption age, expiry). Consulted when deciding only:
   * what they made a decision move is in its journal entry.
   */
  readonly rules?: TimeBankRulesInput;
  /** A person's birth date and hardship flag from the host's enrolment record; deciding only. */
  readonly persons?: PersonFactsLookup;
}

/** The mutable state of one time bank. */
export interface BankState {
  /** The ledger. */
  readonly ledger: Ledger;
  /** Enrolled volunteers. */
  readonly volunteers: Map<string, Enrollment>;
  /** Records and withdrawals by key. */
  readonly entries: Map<string, Entry>;
  /** Posted movements in journal order. */
  readonly movements: Movement[];
  /** A volunteer's posted movements in journal order. */
  movementsOf(volunteer: string): readonly Movement[];
  /** A community's posted movements in journal order (`month`, `YYYY-MM`: only those posted in it). */
  movementsIn(community: string, month?: string): readonly Movement[];
  /** A community's records and withdrawals (by the volunteer's community), in the order they were made. */
  entriesIn(community: string): readonly Entry[];
  /** How many of a community's records are pending verification. */
  pendingRecords(community: string): number;
  /** The rules the state decides with. */
  readonly rules: RuleBook;
  /** Closed periods, `community|YYYY-Qn`. */
  readonly closed: Set<string>;
  /** Journal length so far. */
  readonly seq: number;
  /** Hash of the last journal entry. */
  readonly headHash: string;
  /**
   * Decides one command (anything JSON) submitted by an authenticated actor and appends its entry to
   * the state. Never throws: whatever goes wrong is this command's failed result, and a command
   * that fails this way leaves the state as if it had never been submitted.
   */
  decide(raw: unknown, at: string, actor: Actor): Decision;
  /** Applies an entry that is already in the journal (catch-up and load). */
  replay(entry: JournalEntry): void;
  /** Account ids changed since the last call, with their rows. */
  takeTouched(): { rows: AccountRow[]; created: string[] };
  /** A volunteer's account view. */
  volunteerAccount(volunteer: string, stars: (earnedMinutes: number) => number): VolunteerAccount | undefined;
  /** A ledger account row. */
  accountRow(id: string): AccountRow | undefined;
  /** Whether a person holds a role in a community. */
  hasRole(community: string, person: string, role: "registrar" | "verifier"): boolean;
  /** Who may do an act on a movement: the grants and the one conflict rule (see `bank.authority`). */
  readonly authority: MovementAuthority;
  /**
   * The open state at `seq` as a checkpoint body (see `./checkpoint`): everything the decisions and
   * reads need except the idempotency keys, which stay in the journal (looked up by key).
   */
  exportOpen(suiteName: string): CheckpointBody;
  /**
   * Loads a checkpoint body into this empty state; throws on anything that does not fit. Keys of
   * entries up to the body's `seq` are then unknown here: {@link BankState.keysFrom} says so.
   */
  restoreOpen(body: CheckpointBody): void;
  /** Keys of journal entries at or below this position are not held in memory (0: all are). */
  readonly keysFrom: number;
  /** Whether a command key must be looked up in the journal before it is decided. */
  needsKey(key: string): boolean;
  /** Teaches the state keys read from the journal (what `store.readKeys` returns). */
  learnKeys(records: readonly KeyRecord[]): void;
  /** Drops every held key: keys of entries up to now are then looked up in the journal. */
  forgetKeys(): void;
}

/**
 * What the journal holds about one command key, for refusing a repeat: read by key on demand.
 *
 * @example
 * ```ts
 * const [k]: KeyRecord[] = await store.readKeys(["r1"]); // { key: "r1", fingerprint: "…", result: {…}, actor: "host" }
 * ```
 */
export interface KeyRecord {
  /** The command key. */
  readonly key: string;
  /** The fingerprint of the submitted content. */
  readonly fingerprint: string;
  /** The result recorded for it. */
  readonly result: CommandResult;
  /** The actor the journal records (undefined for a refused, unparsed command). */
  readonly actor: string | undefined;
}

/**
 * The quarter (季度) a date falls in, the period that `closePeriod` closes.
 *
 * @example
 * ```ts
 * periodOf("2027-04-03"); // "2027-Q2"
 * ```
 */
export function periodOf(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Ledger account id of a volunteer. */
export const volunteerAccountId = (volunteer: string): string => `v:${volunteer}`;

const internal = (detail: string) => new ElderflowError("INTERNAL", { params: { detail } });

type Outcome = { ok: true; status: CommandStatus; extra?: DecidedFields } | { ok: false; code: CommandFailureCode };
const fail = (code: CommandFailureCode): Outcome => ({ ok: false, code });
const done = (status: CommandStatus, extra?: DecidedFields): Outcome =>
  extra === undefined ? { ok: true, status } : { ok: true, status, extra };

/** A transfer before the state numbers it. */
type Leg = Omit<TransferInput, "id">;

const NONE: readonly string[] = [];
const NONE_MOVEMENTS: readonly Movement[] = [];
const RULE_CODES: ReadonlySet<string> = new Set<CommandFailureCode>([
  "NOT_AUTHORIZED",
  "SELF_REGISTRATION",
  "SELF_VERIFICATION",
  "ACTOR_MISMATCH",
  "WRONG_COMMUNITY",
]);
const asFailure = (code: ErrorCode): CommandFailureCode =>
  RULE_CODES.has(code) ? (code as CommandFailureCode) : "NOT_AUTHORIZED";

/** Creates an empty state whose journal is hashed with a suite (SHA-256 unless told). */
export function createBankState(options: BankStateOptions = {}): BankState {
  const suite = options.hash ?? sha256Suite;
  const households = options.households;
  assertLookup(households, "households");
  assertLookup(options.persons, "persons");
  const rules = ruleBook(options.rules);
  const persons = options.persons;
  const ledger = createLedger();
  const roles = new Set<string>();
  const volunteers = new Map<string, Enrollment>();
  const entries = new Map<string, Entry>();
  /** verify/reject/fulfil/cancel/reverse key -> entry key. */
  const refs = new Map<string, string>();
  const movements: Movement[] = [];
  const movementsBy = new Map<string, Movement[]>();
  /** Movements by community, and by community and month (`community|YYYY-MM`), for the reports. */
  const movementsByCommunity = new Map<string, Movement[]>();
  const movementsByMonth = new Map<string, Movement[]>();
  /** Entry keys by community, in the order the entries were made; pending records by community. */
  const entryKeysBy = new Map<string, string[]>();
  const pendingBy = new Map<string, number>();
  const closed = new Set<string>();
  const earned = new Map<string, number>();
  /** Seen keys: the content's fingerprint, the result, and the actor as the journal records it. */
  const keys = new Map<string, { fingerprint: string; result: CommandResult; actor: string | undefined }>();
  let touched = new Set<string>();
  /** Accounts opened since the last takeTouched (the rest already have a stored row). */
  let created: string[] = [];
  let seq = 0;
  let headHash = GENESIS_HASH;
  /** Keys of entries at or below this position are in the journal only (looked up on demand). */
  let keysFrom = 0;
  /** Internal transfer ids are numbers: no command key, whatever its text, can collide with one. */
  let nextTransfer = 1;
  /** Undo actions of the decision in progress, oldest first; null while replaying the journal. */
  let undo: (() => void)[] | null = null;

  function listIn<T>(map: Map<string, T[]>, key: string): T[] {
    let list = map.get(key);
    if (list === undefined) {
      list = [];
      map.set(key, list);
    }
    return list;
  }

  const remember = (action: () => void): void => {
    if (undo !== null) undo.push(action);
  };
  const roleKey = (community: string, person: string, role: string) => `${community}\u0000${person}\u0000${role}`;
  const hasRole = (community: string, person: string, role: "registrar" | "verifier") =>
    roles.has(roleKey(community, person, role));
  const isClosed = (community: string, on: string) => closed.has(`${community}|${periodOf(on)}`);

  function addToSet(set: Set<string>, value: string): void {
    if (set.has(value)) return;
    set.add(value);
    remember(() => set.delete(value));
  }

  const pendingRecord = (e: Entry | undefined): number => (e?.kind === "record" && e.status === "pending" ? 1 : 0);

  function putEntry(e: Entry): void {
    const old = entries.get(e.key);
    entries.set(e.key, e);
    const delta = pendingRecord(e) - pendingRecord(old);
    if (delta !== 0) pendingBy.set(e.community, (pendingBy.get(e.community) ?? 0) + delta);
    const keys = old === undefined ? listIn(entryKeysBy, e.community) : undefined;
    keys?.push(e.key);
    remember(() => {
      if (old === undefined) entries.delete(e.key);
      else entries.set(e.key, old);
      keys?.pop();
      if (delta !== 0) pendingBy.set(e.community, (pendingBy.get(e.community) ?? 0) - delta);
    });
  }

  function putRef(key: string, entryKey: string): void {
    refs.set(key, entryKey);
    remember(() => refs.delete(key));
  }

  function addEarned(volunteer: string, minutes: number): void {
    const old = earned.get(volunteer) ?? 0;
    earned.set(volunteer, old + minutes);
    touched.add(volunteerAccountId(volunteer));
    remember(() => earned.set(volunteer, old));
  }

  function pushMovement(m: Movement): void {
    movements.push(m);
    const lists = [
      listIn(movementsBy, m.volunteer),
      listIn(movementsByCommunity, m.community),
      listIn(movementsByMonth, `${m.community}|${m.on.slice(0, 7)}`),
    ];
    for (const list of lists) list.push(m);
    remember(() => {
      movements.pop();
      for (const list of lists) list.pop();
    });
  }

  /** Opens a system account (a pool or a community's expiry account) if missing. */
  function openSystemAccount(id: string): void {
    if (ledger.account(id) !== undefined) return;
    ledger.openAccount(id);
    touched.add(id);
    created.push(id);
  }

  /** Opens an account for a person who holds minutes they did not earn (a gift's recipient). */
  function openHolder(person: string, community: string, at: number): void {
    const id = volunteerAccountId(person);
    ledger.openAccount(id, { debitsMustNotExceedCredits: true });
    touched.add(id);
    created.push(id);
    volunteers.set(person, { volunteer: person, community, family: new Set(), seq: at });
    earned.set(person, 0);
    remember(() => {
      volunteers.delete(person);
      earned.delete(person);
    });
  }

  const postedBalance = (volunteer: string): number => {
    const a = ledger.account(volunteerAccountId(volunteer));
    return a === undefined ? 0 : a.creditsPosted - a.debitsPosted;
  };
  const availableOf = (volunteer: string): number => {
    const a = ledger.account(volunteerAccountId(volunteer));
    return a === undefined ? 0 : a.creditsPosted - a.debitsPosted - a.debitsPending;
  };
  /** The host's facts about a person, or undefined when it has none that parse. */
  const factsOf = (person: string): PersonFacts | undefined => {
    const parsed = PersonFacts.safeParse(persons?.(person));
    return parsed.success ? parsed.data : undefined;
  };
  /** A registered family member: enrolled with the volunteer, or of the volunteer's household. */
  const isFamily = (v: Enrollment, person: string): boolean =>
    person !== v.volunteer && (v.family.has(person) || (households?.(v.volunteer) ?? NONE).includes(person));

  function openCommunity(c: string): void {
    for (const id of [`issued:${c}`, `redeemed:${c}`, `clearing:${c}`]) {
      if (ledger.account(id) === undefined) {
        ledger.openAccount(id);
        touched.add(id);
        created.push(id);
      }
    }
  }

  /** Applies legs as one linked chain; their ids, or null when the volunteer's balance would go short. */
  function move(legs: readonly Leg[]): number[] | null {
    const ids: number[] = [];
    const inputs: TransferInput[] = [];
    for (const l of legs) {
      const id = nextTransfer + ids.length;
      ids.push(id);
      inputs.push({ ...l, id });
    }
    const failed = ledger.applyLinked(inputs);
    if (failed !== undefined) {
      if (failed.error === "exceeds_credits") return null;
      throw internal(`ledger refused ${failed.error}`);
    }
    nextTransfer += ids.length;
    for (const id of ids) {
      const stored = ledger.transfer(id);
      if (stored) {
        touched.add(String(stored.debit));
        touched.add(String(stored.credit));
      }
    }
    return ids;
  }

  /** The people a movement is about: the volunteer's enrolled family and both registered households. */
  function partiesOf(volunteer: string, counterpart: string | undefined): MovementParties {
    const family = volunteers.get(volunteer)?.family;
    const own = households?.(volunteer) ?? NONE;
    const volunteerHousehold = family === undefined || family.size === 0 ? own : [...family, ...own];
    if (counterpart === undefined) return { volunteer, volunteerHousehold };
    return { volunteer, volunteerHousehold, counterpart, counterpartHousehold: households?.(counterpart) ?? NONE };
  }

  const authority: MovementAuthority = (act: MovementAct, person, m) => {
    const conflict = movementConflict(act, person, partiesOf(m.volunteer, m.counterpart));
    if (conflict !== null) return conflict;
    if (act === "register") return hasRole(m.communityId, person, "registrar") ? null : "NOT_AUTHORIZED";
    if (act === "verify" || act === "reject" || act === "reverse")
      return hasRole(m.communityId, person, "verifier") ? null : "NOT_AUTHORIZED";
    return null;
  };

  const refOf = (e: Entry) => ({ communityId: e.community, volunteer: e.volunteer, counterpart: e.counterpart });
  const reachesAll = (actor: Actor, ...communities: string[]) => communities.every((c) => actorReaches(actor, c));

  /** Posts (or voids) every pending leg of an entry. */
  function settle(e: Entry, post: boolean): void {
    const kind = post ? "post" : "void";
    move(e.transfers.map((p) => ({ debit: "", credit: "", amount: 0, kind, pendingId: p })));
  }

  function withdrawalLegs(e: { volunteer: string; community: string; servedIn: string; minutes: number }): Leg[] {
    const from = volunteerAccountId(e.volunteer);
    if (e.servedIn === e.community) return [{ debit: from, credit: `redeemed:${e.community}`, amount: e.minutes }];
    return [
      { debit: from, credit: `clearing:${e.community}`, amount: e.minutes },
      { debit: `clearing:${e.servedIn}`, credit: `redeemed:${e.servedIn}`, amount: e.minutes },
    ];
  }

  /**
   * Applies one command. `actor` is the submitter when deciding; null when replaying the journal,
   * where who may act was already decided and only the effects are re-derived.
   */
  function apply(cmd: StoredCommand, at: number, actor: Actor | null): Outcome {
    switch (cmd.op) {
      case "grant":
        if (actor !== null && !isDistrictActor(actor) && !actorHasRole(actor, "admin", cmd.community))
          return fail("NOT_AUTHORIZED");
        addToSet(roles, roleKey(cmd.community, cmd.person, cmd.role));
        return done("granted");
      case "enroll": {
        if (actor !== null && !actorReaches(actor, cmd.community)) return fail("WRONG_COMMUNITY");
        const existing = volunteers.get(cmd.volunteer);
        if (existing !== undefined) {
          if (existing.community !== cmd.community) return fail("DUPLICATE_ID");
          for (const f of cmd.family) if (f !== cmd.volunteer) addToSet(existing.family, f);
          return done("open");
        }
        openCommunity(cmd.community);
        const id = volunteerAccountId(cmd.volunteer);
        ledger.openAccount(id, { debitsMustNotExceedCredits: true });
        touched.add(id);
        created.push(id);
        volunteers.set(cmd.volunteer, {
          volunteer: cmd.volunteer,
          community: cmd.community,
          family: new Set(cmd.family.filter((f) => f !== cmd.volunteer)),
          seq: at,
        });
        earned.set(cmd.volunteer, 0);
        remember(() => {
          volunteers.delete(cmd.volunteer);
          earned.delete(cmd.volunteer);
        });
        return done("open");
      }
      case "record": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        if (actor !== null) {
          if (!actorReaches(actor, v.community)) return fail("WRONG_COMMUNITY");
          if (!actsAs(actor, cmd.registeredBy)) return fail("ACTOR_MISMATCH");
          const m = { communityId: v.community, volunteer: cmd.volunteer, counterpart: cmd.recipient };
          const refusal =
            authority("record", cmd.recipient, m) ??
            authority("register", cmd.registeredBy, m) ??
            authority("sign", cmd.signedBy, m);
          if (refusal !== null) return fail(asFailure(refusal));
        }
        if (isClosed(v.community, cmd.on)) return fail("PERIOD_CLOSED");
        const ids = move([
          {
            debit: `issued:${v.community}`,
            credit: volunteerAccountId(cmd.volunteer),
            amount: cmd.minutes,
            kind: "pending",
          },
        ]) as number[];
        putEntry({
          key: cmd.key,
          kind: "record",
          volunteer: cmd.volunteer,
          community: v.community,
          servedIn: v.community,
          counterpart: cmd.recipient,
          minutes: cmd.minutes,
          on: cmd.on,
          registeredBy: cmd.registeredBy,
          transfers: ids,
          status: "pending",
        });
        return done("pending");
      }
      case "verify":
      case "reject": {
        const e = entries.get(cmd.entry);
        if (e === undefined || e.kind !== "record" || e.status !== "pending") return fail("NOT_PENDING");
        if (actor !== null) {
          if (!actorReaches(actor, e.community)) return fail("WRONG_COMMUNITY");
          if (!actsAs(actor, cmd.by)) return fail("ACTOR_MISMATCH");
          const refusal = authority(cmd.op, cmd.by, refOf(e));
          if (refusal !== null) return fail(asFailure(refusal));
        }
        if (cmd.op === "verify" && isClosed(e.community, cmd.on)) return fail("PERIOD_CLOSED");
        let donated = 0;
        let pool = e.community;
        if (cmd.op === "verify") {
          if (actor === null) {
            donated = cmd.donated ?? 0;
            pool = cmd.pool ?? e.community;
          } else {
            // The storage cap in force on the verification day: the act that would lift the balance.
            const cap = rules.on(cmd.on)?.storageCap;
            const over = cap === undefined ? 0 : postedBalance(e.volunteer) + e.minutes - cap.minutes;
            if (cap !== undefined && over > 0) {
              if (cap.excess === "refuse") return fail("STORAGE_CAP");
              // Only this service's minutes are donated: minutes already held are never taken.
              donated = Math.min(over, e.minutes);
              pool = cap.pool ?? e.community;
            }
          }
        }
        settle(e, cmd.op === "verify");
        putRef(cmd.key, e.key);
        if (cmd.op === "verify") {
          putEntry({ ...e, status: "posted", settledKey: cmd.key, settledBy: cmd.by, settledOn: cmd.on });
          addEarned(e.volunteer, e.minutes);
          const base = { seq: at, key: cmd.key, entry: e.key, on: cmd.on, effectiveOn: e.on };
          pushMovement({ ...base, volunteer: e.volunteer, community: e.community, kind: "earned", minutes: e.minutes });
          if (donated <= 0) return done("posted");
          openSystemAccount(`pool:${pool}`);
          if (move([{ debit: volunteerAccountId(e.volunteer), credit: `pool:${pool}`, amount: donated }]) === null)
            throw internal("donation refused by the ledger");
          pushMovement({ ...base, volunteer: e.volunteer, community: e.community, kind: "donated", minutes: -donated });
          return done("posted", { donated, pool });
        }
        putEntry({ ...e, status: "voided", settledKey: cmd.key, settledBy: cmd.by });
        return done("voided");
      }
      case "withdraw": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        const servedIn = (cmd as WithdrawCommand).community ?? v.community;
        if (actor !== null && !reachesAll(actor, v.community, servedIn)) return fail("WRONG_COMMUNITY");
        if (cmd.beneficiary !== cmd.volunteer && !v.family.has(cmd.beneficiary)) return fail("NOT_FAMILY");
        if (actor !== null) {
          // 兑换 from an age: the beneficiary's, on the day of the withdrawal, from the host's record.
          const age = rules.on(cmd.on)?.redemptionAge;
          if (age !== undefined && !mayRedeem(age, factsOf(cmd.beneficiary), cmd.on)) return fail("REDEMPTION_AGE");
        }
        if (isClosed(v.community, cmd.on) || isClosed(servedIn, cmd.on)) return fail("PERIOD_CLOSED");
        // Check before opening the serving community's accounts: a refused command changes nothing.
        const a = ledger.account(volunteerAccountId(cmd.volunteer)) as LedgerAccount;
        if (a.creditsPosted - a.debitsPosted - a.debitsPending < cmd.minutes) return fail("INSUFFICIENT_BALANCE");
        openCommunity(servedIn);
        const legs = withdrawalLegs({ ...cmd, community: v.community, servedIn }).map(
          (l): Leg => ({ ...l, kind: "pending" }),
        );
        const ids = move(legs);
        if (ids === null) return fail("INSUFFICIENT_BALANCE");
        putEntry({
          key: cmd.key,
          kind: "withdrawal",
          volunteer: cmd.volunteer,
          community: v.community,
          servedIn,
          counterpart: cmd.beneficiary,
          minutes: cmd.minutes,
          on: cmd.on,
          registeredBy: undefined,
          transfers: ids,
          status: "pending",
        });
        return done("reserved");
      }
      case "fulfil":
      case "cancel": {
        const e = entries.get(cmd.withdrawal);
        if (e === undefined || e.kind !== "withdrawal" || e.status !== "pending") return fail("NOT_PENDING");
        if (actor !== null) {
          if (!reachesAll(actor, e.community, e.servedIn)) return fail("WRONG_COMMUNITY");
          const refusal = authority(cmd.op, actor.id, refOf(e));
          if (refusal !== null) return fail(asFailure(refusal));
        }
        if (cmd.op === "fulfil" && (isClosed(e.community, cmd.on) || isClosed(e.servedIn, cmd.on)))
          return fail("PERIOD_CLOSED");
        settle(e, cmd.op === "fulfil");
        putRef(cmd.key, e.key);
        if (cmd.op === "fulfil") {
          putEntry({ ...e, status: "posted", settledKey: cmd.key, settledOn: cmd.on });
          pushMovement({
            seq: at,
            key: cmd.key,
            entry: e.key,
            on: cmd.on,
            effectiveOn: cmd.on,
            volunteer: e.volunteer,
            community: e.community,
            kind: "spent",
            minutes: -e.minutes,
          });
          return done("posted");
        }
        putEntry({ ...e, status: "voided", settledKey: cmd.key });
        return done("voided");
      }
      case "reverse": {
        const e = entries.get(cmd.entry) ?? entries.get(refs.get(cmd.entry) ?? "");
        if (e === undefined || e.status !== "posted") return fail("NOT_REVERSIBLE");
        if (actor !== null) {
          if (!reachesAll(actor, e.community, e.servedIn)) return fail("WRONG_COMMUNITY");
          if (!actsAs(actor, cmd.by)) return fail("ACTOR_MISMATCH");
          const refusal = authority("reverse", cmd.by, refOf(e));
          if (refusal !== null) return fail(asFailure(refusal));
        }
        if (isClosed(e.community, cmd.on) || isClosed(e.servedIn, cmd.on)) return fail("PERIOD_CLOSED");
        const legs: Leg[] =
          e.kind === "record"
            ? [{ debit: volunteerAccountId(e.volunteer), credit: `issued:${e.community}`, amount: e.minutes }]
            : withdrawalLegs(e)
                .map((l) => ({ ...l, debit: l.credit, credit: l.debit }))
                .reverse();
        if (move(legs) === null) return fail("INSUFFICIENT_BALANCE");
        putEntry({ ...e, status: "reversed", reversedKey: cmd.key, reversedOn: cmd.on });
        putRef(cmd.key, e.key);
        if (e.kind === "record") addEarned(e.volunteer, -e.minutes);
        // A reversal never takes effect before what it reverses (the service day, or the fulfilment).
        let effectiveOn = (e.kind === "record" ? e.on : e.settledOn) ?? cmd.on;
        if (cmd.on > effectiveOn) effectiveOn = cmd.on;
        pushMovement({
          seq: at,
          key: cmd.key,
          entry: e.key,
          on: cmd.on,
          effectiveOn,
          volunteer: e.volunteer,
          community: e.community,
          kind: e.kind === "record" ? "earned-reversed" : "spent-reversed",
          minutes: e.kind === "record" ? -e.minutes : e.minutes,
        });
        return done("posted");
      }
      case "gift": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        const toCommunity = volunteers.get(cmd.to)?.community ?? v.community;
        if (actor !== null) {
          if (!reachesAll(actor, v.community, toCommunity)) return fail("WRONG_COMMUNITY");
          // The volunteer gives: the actor must be them, their delegate or the host.
          if (!actsAs(actor, cmd.volunteer)) return fail("ACTOR_MISMATCH");
          if (!isFamily(v, cmd.to)) return fail("NOT_FAMILY");
        }
        if (isClosed(v.community, cmd.on) || isClosed(toCommunity, cmd.on)) return fail("PERIOD_CLOSED");
        if (availableOf(cmd.volunteer) < cmd.minutes) return fail("INSUFFICIENT_BALANCE");
        if (actor !== null) {
          const cap = rules.on(cmd.on)?.storageCap;
          if (cap !== undefined && postedBalance(cmd.to) + cmd.minutes > cap.minutes) return fail("STORAGE_CAP");
        }
        if (!volunteers.has(cmd.to)) openHolder(cmd.to, v.community, at);
        const from = volunteerAccountId(cmd.volunteer);
        const to = volunteerAccountId(cmd.to);
        const legs: Leg[] =
          toCommunity === v.community
            ? [{ debit: from, credit: to, amount: cmd.minutes }]
            : [
                { debit: from, credit: `clearing:${v.community}`, amount: cmd.minutes },
                { debit: `clearing:${toCommunity}`, credit: to, amount: cmd.minutes },
              ];
        if (move(legs) === null) return fail("INSUFFICIENT_BALANCE");
        const base = { seq: at, key: cmd.key, entry: cmd.key, on: cmd.on, effectiveOn: cmd.on };
        pushMovement({
          ...base,
          volunteer: cmd.volunteer,
          community: v.community,
          kind: "gifted",
          minutes: -cmd.minutes,
        });
        pushMovement({
          ...base,
          volunteer: cmd.to,
          community: toCommunity,
          kind: "gift-received",
          minutes: cmd.minutes,
        });
        return done("posted");
      }
      case "expire": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        if (actor !== null && !actorReaches(actor, v.community)) return fail("WRONG_COMMUNITY");
        if (isClosed(v.community, cmd.on)) return fail("PERIOD_CLOSED");
        let minutes = actor === null ? (cmd.minutes ?? 0) : 0;
        if (actor !== null) {
          const rule = rules.on(cmd.on)?.expiry;
          if (rule !== undefined) {
            const own = (movementsBy.get(cmd.volunteer) ?? []).map((m) => ({ on: m.effectiveOn, minutes: m.minutes }));
            minutes = expiringMinutes(own, rule, cmd.on, availableOf(cmd.volunteer));
          }
        }
        if (minutes <= 0) return fail("NOTHING_TO_EXPIRE");
        openSystemAccount(`expired:${v.community}`);
        if (
          move([{ debit: volunteerAccountId(cmd.volunteer), credit: `expired:${v.community}`, amount: minutes }]) ===
          null
        )
          return fail("INSUFFICIENT_BALANCE");
        pushMovement({
          seq: at,
          key: cmd.key,
          entry: cmd.key,
          on: cmd.on,
          effectiveOn: cmd.on,
          volunteer: cmd.volunteer,
          community: v.community,
          kind: "expired",
          minutes: -minutes,
        });
        return done("posted", { minutes });
      }
      case "closePeriod":
        if (actor !== null) {
          if (!actorReaches(actor, cmd.community)) return fail("WRONG_COMMUNITY");
          if (!actsAs(actor, cmd.by)) return fail("ACTOR_MISMATCH");
          if (!hasRole(cmd.community, cmd.by, "registrar") && !hasRole(cmd.community, cmd.by, "verifier"))
            return fail("NOT_AUTHORIZED");
        }
        addToSet(closed, `${cmd.community}|${cmd.period}`);
        return done("closed");
    }
  }

  function append(
    key: string,
    fingerprint: string,
    at: string,
    command: JournalEntry["command"],
    result: CommandResult,
    knownCommandText?: string,
  ): JournalEntry {
    const body = { seq: seq + 1, key, fingerprint, at, command, result, prevHash: headHash };
    const commandText = knownCommandText ?? canonicalJson(command);
    const resultText = canonicalJson(result);
    const entry: JournalEntry = { ...body, hash: entryHashOf(body, commandText, resultText, suite) };
    entryTexts.set(entry, { command: commandText, result: resultText });
    seq = entry.seq;
    headHash = entry.hash;
    keys.set(key, { fingerprint, result, actor: command?.actor });
    return entry;
  }

  function storedOf(cmd: TimeBankCommand, actor: string): StoredCommand {
    if (cmd.op !== "reject" && cmd.op !== "reverse") return { ...cmd, actor };
    const { reason: _reason, ...rest } = cmd;
    return { ...rest, actor };
  }

  /** Whether the parsed command has exactly the defined fields of the submitted one (nothing stripped or defaulted). */
  function sameFields(cmd: object, raw: object): boolean {
    const r = raw as Record<string, unknown>;
    let defined = 0;
    for (const k of Object.keys(r)) if (r[k] !== undefined) defined++;
    const fields = Object.keys(cmd);
    if (fields.length !== defined) return false;
    for (const k of fields) if (r[k] === undefined || (cmd as Record<string, unknown>)[k] === undefined) return false;
    return true;
  }

  function decideUnchecked(raw: unknown, at: string, actor: Actor): Decision {
    const rawKey = typeof raw === "object" && raw !== null ? (raw as { key?: unknown }).key : undefined;
    // A key that is not canonical text is never echoed, hashed or stored.
    if (textProblem(rawKey, KEY_RULES) !== null) return { result: { key: null, ok: false, code: "INVALID_INPUT" } };
    const key = rawKey as string;
    // Nor is a command that is not a flat object of well-formed, bounded values.
    const text = commandText(raw);
    if (text === null) return { result: { key, ok: false, code: "INVALID_INPUT" } };
    const fingerprint = suite.digest(text);
    const prior = keys.get(key);
    if (prior !== undefined) {
      // A key is its actor's: the same content from another actor is a conflict, not a replay.
      if (prior.fingerprint === fingerprint && (prior.actor === undefined || prior.actor === actor.id))
        return { result: { ...prior.result, replayed: true } };
      return { result: { key, ok: false, code: "IDEMPOTENCY_CONFLICT" } };
    }
    const parsed = TimeBankCommand.safeParse(raw);
    if (!parsed.success) {
      const result: CommandResult = { key, ok: false, code: "INVALID_INPUT" };
      return { result, entry: append(key, fingerprint, at, null, result) };
    }
    const cmd = parsed.data;
    const outcome = apply(cmd, seq + 1, actor);
    const result: CommandResult = outcome.ok
      ? { key, ok: true, status: outcome.status }
      : { key, ok: false, code: outcome.code };
    const extra = outcome.ok ? outcome.extra : undefined;
    const stored =
      extra === undefined ? storedOf(cmd, actor.id) : ({ ...storedOf(cmd, actor.id), ...extra } as StoredCommand);
    // The schemas only check and strip (no transforms): a parsed command with the same fields as
    // the submitted one is the same content, and "actor" sorts before every command field, so its
    // canonical text is the submitted text with the actor put first.
    const storedText =
      extra === undefined && cmd.op !== "reject" && cmd.op !== "reverse" && sameFields(cmd, raw as object)
        ? `{"actor":${JSON.stringify(actor.id)},${text.slice(1)}`
        : undefined;
    const entry = append(key, fingerprint, at, stored, result, storedText);
    if (outcome.ok && (cmd.op === "reject" || cmd.op === "reverse"))
      return { result, entry, note: { key, text: cmd.reason } };
    return { result, entry };
  }

  return {
    ledger,
    volunteers,
    entries,
    movements,
    movementsOf: (volunteer) => movementsBy.get(volunteer) ?? NONE_MOVEMENTS,
    movementsIn: (community, month) =>
      (month === undefined ? movementsByCommunity.get(community) : movementsByMonth.get(`${community}|${month}`)) ??
      NONE_MOVEMENTS,
    entriesIn: (community) => (entryKeysBy.get(community) ?? []).map((k) => entries.get(k) as Entry),
    pendingRecords: (community) => pendingBy.get(community) ?? 0,
    rules,
    closed,
    get seq() {
      return seq;
    },
    get headHash() {
      return headHash;
    },
    hasRole,
    authority,
    decide(raw, at, actor) {
      // A savepoint: whatever happens while deciding, this command can only fail itself.
      const mark = ledger.mark();
      const transfersBefore = nextTransfer;
      const createdBefore = created.length;
      const seqBefore = seq;
      undo = [];
      try {
        return decideUnchecked(raw, at, actor);
      } catch {
        const actions = undo;
        undo = null;
        for (let i = actions.length - 1; i >= 0; i--) (actions[i] as () => void)();
        ledger.rollback(mark);
        nextTransfer = transfersBefore;
        created.length = createdBefore;
        if (seq !== seqBefore) throw internal("journal advanced by a failed decision");
        const key = typeof raw === "object" && raw !== null ? safeKey(raw) : null;
        return { result: { key, ok: false, code: "INTERNAL" } };
      } finally {
        undo = null;
      }
    },
    get keysFrom() {
      return keysFrom;
    },
    needsKey: (key) => keysFrom > 0 && !keys.has(key),
    learnKeys(records) {
      for (const r of records)
        if (!keys.has(r.key)) keys.set(r.key, { fingerprint: r.fingerprint, result: r.result, actor: r.actor });
    },
    forgetKeys() {
      keys.clear();
      keysFrom = seq;
    },
    exportOpen(suiteName) {
      const accounts: [string, 0 | 1, number, number, number, number][] = [];
      for (const a of ledger.accounts())
        accounts.push([
          String(a.id),
          a.debitsMustNotExceedCredits ? 1 : 0,
          a.debitsPending,
          a.debitsPosted,
          a.creditsPending,
          a.creditsPosted,
        ]);
      const pending: [number, string, string, number][] = [];
      const entryTuples: EntryTuple[] = [];
      for (const e of entries.values()) {
        if (e.status === "pending")
          for (const id of e.transfers) {
            const t = ledger.transfer(id);
            if (t === undefined || t.state !== "pending") throw internal("pending entry without its transfer");
            pending.push([id, String(t.debit), String(t.credit), t.amount]);
          }
        entryTuples.push([
          e.key,
          e.kind,
          e.volunteer,
          e.community,
          e.servedIn,
          e.counterpart,
          e.minutes,
          e.on,
          e.registeredBy ?? null,
          [...e.transfers],
          e.status,
          e.settledKey ?? null,
          e.settledBy ?? null,
          e.settledOn ?? null,
          e.reversedKey ?? null,
          e.reversedOn ?? null,
        ]);
      }
      // Keys in sorted order, no whitespace: JSON.stringify of this object is its canonical text.
      return {
        accounts,
        closed: [...closed],
        earned: [...earned],
        entries: entryTuples,
        headHash,
        movements: movements.map(
          (m): MovementTuple => [
            m.seq,
            m.key,
            m.entry,
            m.on,
            m.effectiveOn,
            m.volunteer,
            m.community,
            m.kind,
            m.minutes,
          ],
        ),
        nextTransfer,
        pending,
        refs: [...refs],
        roles: [...roles],
        seq,
        suite: suiteName,
        v: 1,
        volunteers: [...volunteers.values()].map((v) => [v.volunteer, v.community, [...v.family], v.seq]),
      };
    },
    restoreOpen(body) {
      if (seq !== 0 || ledger.mark().accounts !== 0) throw internal("restore into a used state");
      for (const [id, flag, dp, dpo, cp, cpo] of body.accounts)
        ledger.restoreAccount(
          id,
          { debitsMustNotExceedCredits: flag === 1 },
          { debitsPending: dp, debitsPosted: dpo, creditsPending: cp, creditsPosted: cpo },
        );
      for (const [id, debit, credit, amount] of body.pending) ledger.restorePending(id, debit, credit, amount);
      for (const c of body.closed) closed.add(c);
      for (const [v, n] of body.earned) earned.set(v, n);
      for (const r of body.roles) roles.add(r);
      for (const [k, e] of body.refs) refs.set(k, e);
      for (const [volunteer, community, family, at] of body.volunteers)
        volunteers.set(volunteer, { volunteer, community, family: new Set(family), seq: at });
      for (const t of body.entries) {
        const [key, kind, volunteer, community, servedIn, counterpart, minutes, on, registeredBy, transfers, status] =
          t;
        const e: Record<string, unknown> = {
          key,
          kind,
          volunteer,
          community,
          servedIn,
          counterpart,
          minutes,
          on,
          registeredBy: registeredBy ?? undefined,
          transfers,
          status,
        };
        // The optional fields in the order the decisions add them.
        const names = ["settledKey", "settledBy", "settledOn", "reversedKey", "reversedOn"] as const;
        for (let i = 0; i < names.length; i++) {
          const value = t[11 + i];
          if (value !== null && value !== undefined) e[names[i] as string] = value;
        }
        putEntry(e as unknown as Entry);
      }
      for (const [at, key, entry, on, effectiveOn, volunteer, community, kind, minutes] of body.movements)
        pushMovement({ seq: at, key, entry, on, effectiveOn, volunteer, community, kind, minutes });
      nextTransfer = body.nextTransfer;
      seq = body.seq;
      headHash = body.headHash;
      keysFrom = body.seq;
      touched = new Set();
      created = [];
    },
    replay(entry) {
      if (entry.seq !== seq + 1 || entry.prevHash !== headHash || !entryHashMatches(entry, suite))
        throw new ElderflowError("JOURNAL_TAMPERED", { params: { position: seq + 1 } });
      if (entry.command !== null && entry.result.ok) {
        const outcome = apply(entry.command, entry.seq, null);
        if (!outcome.ok || outcome.status !== entry.result.status)
          throw internal(`journal entry ${entry.seq} decides differently on replay`);
      }
      seq = entry.seq;
      headHash = entry.hash;
      keys.set(entry.key, { fingerprint: entry.fingerprint, result: entry.result, actor: entry.command?.actor });
      // The writer of this entry stored its account rows in the same transaction.
      touched = new Set();
      created = [];
    },
    takeTouched() {
      const rows: AccountRow[] = [];
      for (const id of touched) {
        const row = this.accountRow(id);
        if (row) rows.push(row);
      }
      touched = new Set();
      const opened = created;
      created = [];
      return { rows, created: opened };
    },
    accountRow(id) {
      const a = ledger.account(id);
      if (a === undefined) return undefined;
      return {
        id,
        debitsPending: a.debitsPending,
        debitsPosted: a.debitsPosted,
        creditsPending: a.creditsPending,
        creditsPosted: a.creditsPosted,
        earned: id.startsWith("v:") ? (earned.get(id.slice(2)) ?? 0) : 0,
      };
    },
    volunteerAccount(volunteer, stars) {
      const a = ledger.account(volunteerAccountId(volunteer));
      if (a === undefined) return undefined;
      return accountView(
        volunteer,
        {
          id: String(a.id),
          debitsPending: a.debitsPending,
          debitsPosted: a.debitsPosted,
          creditsPending: a.creditsPending,
          creditsPosted: a.creditsPosted,
          earned: earned.get(volunteer) ?? 0,
        },
        stars,
      );
    },
  };
}

/** The key of a raw command if it is canonical (safe to echo), else null; never throws. */
function safeKey(raw: object): string | null {
  try {
    const key = (raw as { key?: unknown }).key;
    return textProblem(key, KEY_RULES) === null ? (key as string) : null;
  } catch {
    return null;
  }
}

/** Turns a persisted row into the volunteer account view. */
export function accountView(
  volunteer: string,
  row: AccountRow,
  stars: (earnedMinutes: number) => number,
): VolunteerAccount {
  const balance = row.creditsPosted - row.debitsPosted;
  return {
    volunteer,
    earnedMinutes: row.earned,
    balanceMinutes: balance,
    pendingInMinutes: row.creditsPending,
    reservedMinutes: row.debitsPending,
    availableMinutes: balance - row.debitsPending,
    stars: stars(row.earned),
  };
}
