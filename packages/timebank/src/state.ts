/**
 * The time bank's decision core: the bureau's rules on top of the double-entry ledger. Pure and
 * synchronous; every store replays the same journal through it, so memory, PGlite and PostgreSQL
 * decide every command identically.
 */
import { ElderflowError } from "@elderflow/core";
import {
  type CommandFailureCode,
  type CommandResult,
  type CommandStatus,
  type StoredCommand,
  TimeBankCommand,
  type WithdrawCommand,
} from "./commands";
import { canonicalJson, entryHash, entryHashOf, entryTexts, GENESIS_HASH, type JournalEntry, sha256 } from "./journal";
import { createLedger, type Ledger, type LedgerAccount, type TransferInput } from "./ledger";

/** A recorded service or a withdrawal, with where it stands. */
export interface Entry {
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
  /** The ledger transfers that hold it pending. */
  readonly transfers: readonly string[];
  /** `pending` (recorded / reserved), `posted`, `voided` or `reversed`. */
  status: "pending" | "posted" | "voided" | "reversed";
  /** Key of the verify / reject / fulfil / cancel command that settled it. */
  settledKey?: string;
  /** Date it was posted (verify or fulfil `on`). */
  settledOn?: string;
  /** Who verified or rejected it. */
  settledBy?: string;
  /** Key of the reversal. */
  reversedKey?: string;
  /** Date of the reversal. */
  reversedOn?: string;
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
  /** Volunteer. */
  readonly volunteer: string;
  /** Volunteer's community. */
  readonly community: string;
  /** Earned by verified service, spent by a fulfilled withdrawal, or the reversal of either. */
  readonly kind: "earned" | "spent" | "earned-reversed" | "spent-reversed";
  /** Effect on the balance, signed. */
  readonly minutes: number;
}

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
  /** Family members who may draw on the hours. */
  readonly family: Set<string>;
  /** Journal position of the enrolment. */
  readonly seq: number;
}

/** What deciding one command produced. */
export interface Decision {
  /** The result for the submitter. */
  readonly result: CommandResult;
  /** The journal entry to append (none for replays and conflicts). */
  readonly entry?: JournalEntry;
  /** A free-text reason to keep beside the journal. */
  readonly note?: { readonly key: string; readonly text: string };
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
  /** Closed periods, `community|YYYY-Qn`. */
  readonly closed: Set<string>;
  /** Journal length so far. */
  readonly seq: number;
  /** Hash of the last journal entry. */
  readonly headHash: string;
  /** Decides one submitted command (anything JSON) and appends its entry to the state. */
  decide(raw: unknown, at: string): Decision;
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

type Outcome = { ok: true; status: CommandStatus } | { ok: false; code: CommandFailureCode };
const fail = (code: CommandFailureCode): Outcome => ({ ok: false, code });
const done = (status: CommandStatus): Outcome => ({ ok: true, status });

/** Creates an empty state. */
export function createBankState(): BankState {
  const ledger = createLedger();
  const roles = new Set<string>();
  const volunteers = new Map<string, Enrollment>();
  const entries = new Map<string, Entry>();
  /** verify/reject/fulfil/cancel/reverse key -> entry key. */
  const refs = new Map<string, string>();
  const movements: Movement[] = [];
  const closed = new Set<string>();
  const earned = new Map<string, number>();
  const keys = new Map<string, { fingerprint: string; result: CommandResult }>();
  let touched = new Set<string>();
  /** Accounts opened since the last takeTouched (the rest already have a stored row). */
  let created: string[] = [];
  let seq = 0;
  let headHash = GENESIS_HASH;

  const roleKey = (community: string, person: string, role: string) => `${community}\u0000${person}\u0000${role}`;
  const hasRole = (community: string, person: string, role: "registrar" | "verifier") =>
    roles.has(roleKey(community, person, role));
  const isClosed = (community: string, on: string) => closed.has(`${community}|${periodOf(on)}`);

  function openCommunity(c: string): void {
    for (const id of [`issued:${c}`, `redeemed:${c}`, `clearing:${c}`]) {
      if (ledger.account(id) === undefined) {
        ledger.openAccount(id);
        touched.add(id);
        created.push(id);
      }
    }
  }

  function move(inputs: readonly TransferInput[]): boolean {
    const failed = ledger.applyLinked(inputs);
    if (failed !== undefined) {
      if (failed.error === "exceeds_credits") return false;
      throw internal(`ledger refused ${failed.error}`);
    }
    for (const t of inputs) {
      const stored = ledger.transfer(t.id);
      if (stored) {
        touched.add(String(stored.debit));
        touched.add(String(stored.credit));
      }
    }
    return true;
  }

  /** Posts (or voids) every pending leg of an entry under the settling command's key. */
  function settle(e: Entry, key: string, post: boolean): void {
    const kind = post ? "post" : "void";
    move(e.transfers.map((p, i) => ({ id: `${key}#${i + 1}`, debit: "", credit: "", amount: 0, kind, pendingId: p })));
    e.status = post ? "posted" : "voided";
    e.settledKey = key;
    refs.set(key, e.key);
  }

  function withdrawalLegs(key: string, e: { volunteer: string; community: string; servedIn: string; minutes: number }) {
    const from = volunteerAccountId(e.volunteer);
    if (e.servedIn === e.community)
      return [{ id: `${key}#1`, debit: from, credit: `redeemed:${e.community}`, amount: e.minutes }];
    return [
      { id: `${key}#1`, debit: from, credit: `clearing:${e.community}`, amount: e.minutes },
      { id: `${key}#2`, debit: `clearing:${e.servedIn}`, credit: `redeemed:${e.servedIn}`, amount: e.minutes },
    ];
  }

  function apply(cmd: StoredCommand, at: number): Outcome {
    switch (cmd.op) {
      case "grant":
        roles.add(roleKey(cmd.community, cmd.person, cmd.role));
        return done("granted");
      case "enroll": {
        const existing = volunteers.get(cmd.volunteer);
        if (existing !== undefined) {
          if (existing.community !== cmd.community) return fail("DUPLICATE_ID");
          for (const f of cmd.family) if (f !== cmd.volunteer) existing.family.add(f);
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
        return done("open");
      }
      case "record": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        if (cmd.registeredBy === cmd.volunteer || cmd.recipient === cmd.volunteer) return fail("SELF_REGISTRATION");
        if (!hasRole(v.community, cmd.registeredBy, "registrar")) return fail("NOT_AUTHORIZED");
        if (cmd.signedBy !== cmd.recipient) return fail("NOT_AUTHORIZED");
        if (isClosed(v.community, cmd.on)) return fail("PERIOD_CLOSED");
        const t = {
          id: cmd.key,
          debit: `issued:${v.community}`,
          credit: volunteerAccountId(cmd.volunteer),
          amount: cmd.minutes,
          kind: "pending" as const,
        };
        move([t]);
        entries.set(cmd.key, {
          key: cmd.key,
          kind: "record",
          volunteer: cmd.volunteer,
          community: v.community,
          servedIn: v.community,
          counterpart: cmd.recipient,
          minutes: cmd.minutes,
          on: cmd.on,
          registeredBy: cmd.registeredBy,
          transfers: [t.id],
          status: "pending",
        });
        return done("pending");
      }
      case "verify":
      case "reject": {
        const e = entries.get(cmd.entry);
        if (e === undefined || e.kind !== "record" || e.status !== "pending") return fail("NOT_PENDING");
        if (cmd.by === e.volunteer) return fail("SELF_VERIFICATION");
        if (!hasRole(e.community, cmd.by, "verifier")) return fail("NOT_AUTHORIZED");
        if (cmd.op === "verify" && isClosed(e.community, cmd.on)) return fail("PERIOD_CLOSED");
        settle(e, cmd.key, cmd.op === "verify");
        e.settledBy = cmd.by;
        if (cmd.op === "verify") {
          e.settledOn = cmd.on;
          earned.set(e.volunteer, (earned.get(e.volunteer) ?? 0) + e.minutes);
          touched.add(volunteerAccountId(e.volunteer));
          movements.push({
            seq: at,
            key: cmd.key,
            entry: e.key,
            on: cmd.on,
            volunteer: e.volunteer,
            community: e.community,
            kind: "earned",
            minutes: e.minutes,
          });
          return done("posted");
        }
        return done("voided");
      }
      case "withdraw": {
        const v = volunteers.get(cmd.volunteer);
        if (v === undefined) return fail("UNKNOWN_ACCOUNT");
        if (cmd.beneficiary !== cmd.volunteer && !v.family.has(cmd.beneficiary)) return fail("NOT_FAMILY");
        const servedIn = (cmd as WithdrawCommand).community ?? v.community;
        if (isClosed(v.community, cmd.on) || isClosed(servedIn, cmd.on)) return fail("PERIOD_CLOSED");
        // Check before opening the serving community's accounts: a refused command changes nothing.
        const a = ledger.account(volunteerAccountId(cmd.volunteer)) as LedgerAccount;
        if (a.creditsPosted - a.debitsPosted - a.debitsPending < cmd.minutes) return fail("INSUFFICIENT_BALANCE");
        openCommunity(servedIn);
        const legs = withdrawalLegs(cmd.key, { ...cmd, community: v.community, servedIn }).map((l) => ({
          ...l,
          kind: "pending" as const,
        }));
        if (!move(legs)) return fail("INSUFFICIENT_BALANCE");
        entries.set(cmd.key, {
          key: cmd.key,
          kind: "withdrawal",
          volunteer: cmd.volunteer,
          community: v.community,
          servedIn,
          counterpart: cmd.beneficiary,
          minutes: cmd.minutes,
          on: cmd.on,
          registeredBy: undefined,
          transfers: legs.map((l) => l.id),
          status: "pending",
        });
        return done("reserved");
      }
      case "fulfil":
      case "cancel": {
        const e = entries.get(cmd.withdrawal);
        if (e === undefined || e.kind !== "withdrawal" || e.status !== "pending") return fail("NOT_PENDING");
        if (cmd.op === "fulfil" && (isClosed(e.community, cmd.on) || isClosed(e.servedIn, cmd.on)))
          return fail("PERIOD_CLOSED");
        settle(e, cmd.key, cmd.op === "fulfil");
        if (cmd.op === "fulfil") {
          e.settledOn = cmd.on;
          movements.push({
            seq: at,
            key: cmd.key,
            entry: e.key,
            on: cmd.on,
            volunteer: e.volunteer,
            community: e.community,
            kind: "spent",
            minutes: -e.minutes,
          });
          return done("posted");
        }
        return done("voided");
      }
      case "reverse": {
        const e = entries.get(cmd.entry) ?? entries.get(refs.get(cmd.entry) ?? "");
        if (e === undefined || e.status !== "posted") return fail("NOT_REVERSIBLE");
        if (cmd.by === e.volunteer) return fail("SELF_VERIFICATION");
        if (!hasRole(e.community, cmd.by, "verifier")) return fail("NOT_AUTHORIZED");
        if (isClosed(e.community, cmd.on) || isClosed(e.servedIn, cmd.on)) return fail("PERIOD_CLOSED");
        const legs =
          e.kind === "record"
            ? [
                {
                  id: `${cmd.key}#1`,
                  debit: volunteerAccountId(e.volunteer),
                  credit: `issued:${e.community}`,
                  amount: e.minutes,
                },
              ]
            : withdrawalLegs(cmd.key, e)
                .map((l) => ({ ...l, debit: l.credit, credit: l.debit }))
                .reverse()
                .map((l, i) => ({ ...l, id: `${cmd.key}#${i + 1}` }));
        if (!move(legs)) return fail("INSUFFICIENT_BALANCE");
        e.status = "reversed";
        e.reversedKey = cmd.key;
        e.reversedOn = cmd.on;
        refs.set(cmd.key, e.key);
        if (e.kind === "record") {
          earned.set(e.volunteer, (earned.get(e.volunteer) ?? 0) - e.minutes);
          touched.add(volunteerAccountId(e.volunteer));
        }
        movements.push({
          seq: at,
          key: cmd.key,
          entry: e.key,
          on: cmd.on,
          volunteer: e.volunteer,
          community: e.community,
          kind: e.kind === "record" ? "earned-reversed" : "spent-reversed",
          minutes: e.kind === "record" ? -e.minutes : e.minutes,
        });
        return done("posted");
      }
      case "closePeriod":
        if (!hasRole(cmd.community, cmd.by, "registrar") && !hasRole(cmd.community, cmd.by, "verifier"))
          return fail("NOT_AUTHORIZED");
        closed.add(`${cmd.community}|${cmd.period}`);
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
    const entry: JournalEntry = { ...body, hash: entryHashOf(body, commandText, resultText) };
    entryTexts.set(entry, { command: commandText, result: resultText });
    seq = entry.seq;
    headHash = entry.hash;
    keys.set(key, { fingerprint, result });
    return entry;
  }

  function stripReason(cmd: TimeBankCommand): StoredCommand {
    if (cmd.op !== "reject" && cmd.op !== "reverse") return cmd;
    const { reason: _reason, ...rest } = cmd;
    return rest;
  }

  return {
    ledger,
    volunteers,
    entries,
    movements,
    closed,
    get seq() {
      return seq;
    },
    get headHash() {
      return headHash;
    },
    hasRole,
    decide(raw, at) {
      const key =
        typeof raw === "object" && raw !== null && typeof (raw as { key?: unknown }).key === "string"
          ? ((raw as { key: string }).key as string)
          : null;
      if (key === null || key.length === 0 || key.length > 200)
        return { result: { key: typeof key === "string" ? key : null, ok: false, code: "INVALID_INPUT" } };
      const rawText = canonicalJson(raw);
      const fingerprint = sha256(rawText);
      const prior = keys.get(key);
      if (prior !== undefined) {
        if (prior.fingerprint === fingerprint) return { result: { ...prior.result, replayed: true } };
        return { result: { key, ok: false, code: "IDEMPOTENCY_CONFLICT" } };
      }
      const parsed = TimeBankCommand.safeParse(raw);
      if (!parsed.success) {
        const result: CommandResult = { key, ok: false, code: "INVALID_INPUT" };
        return { result, entry: append(key, fingerprint, at, null, result) };
      }
      const cmd = parsed.data;
      const outcome = apply(cmd, seq + 1);
      const result: CommandResult = outcome.ok
        ? { key, ok: true, status: outcome.status }
        : { key, ok: false, code: outcome.code };
      const stored = outcome.ok ? stripReason(cmd) : null;
      // The schemas only check and strip (no transforms): a parsed command with as many fields as
      // the submitted one is the same content, so its canonical text is the one already made.
      const sameText =
        stored !== null && stored === cmd && Object.keys(cmd).length === Object.keys(raw as object).length;
      const entry = append(key, fingerprint, at, stored, result, sameText ? rawText : undefined);
      if (outcome.ok && (cmd.op === "reject" || cmd.op === "reverse"))
        return { result, entry, note: { key, text: cmd.reason } };
      return { result, entry };
    },
    replay(entry) {
      if (entry.seq !== seq + 1 || entry.prevHash !== headHash || entryHash(entry) !== entry.hash)
        throw new ElderflowError("JOURNAL_TAMPERED", { params: { position: seq + 1 } });
      if (entry.command !== null && entry.result.ok) {
        const outcome = apply(entry.command, entry.seq);
        if (!outcome.ok || outcome.status !== entry.result.status)
          throw internal(`journal entry ${entry.seq} decides differently on replay`);
      }
      seq = entry.seq;
      headHash = entry.hash;
      keys.set(entry.key, { fingerprint: entry.fingerprint, result: entry.result });
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
