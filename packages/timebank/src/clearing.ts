/**
 * 通存通兑 (deposit anywhere, redeem anywhere): clearing between district banks. Each bank keeps its
 * own time bank; a volunteer of bank A who redeems hours at bank B is paid by B, and A owes B the
 * minutes. At the end of a quarter each bank signs a settlement statement (结算单) towards each
 * counterpart; the other side checks the signature, recomputes every line from its own records,
 * and the two statements net to zero. Mismatches are reported per movement, never thrown.
 *
 * Where each side's movements live:
 * - the home bank (A) debits the volunteer in its own time bank, with the ordinary `withdraw` whose
 *   serving `community` is the counterpart's clearing community {@link clearingCommunity}(B), then
 *   `fulfil` on the service date (a `reverse` of that fulfilment undoes it). Nothing new in the
 *   ledger: the minutes go `v:V → clearing:<home community>`, `clearing:bank:B → redeemed:bank:B`,
 *   and `redeemed:bank:B` is A's clearing account for B.
 * - the serving bank (B) books the service it gave in its {@link ClearingBook}, a small hash-chained
 *   journal of its own, against the clearing account for A (`serve`, `unserve`), referring to A's
 *   withdrawal key so that both sides name the same movement.
 */
import {
  Actor,
  type ActorInput,
  actorReaches,
  actsAs,
  type Clock,
  canonicalJson,
  ElderflowError,
  type ErrorCode,
  fromZodError,
  IdSchema,
  IsoDateSchema,
  isDistrictActor,
  KeySchema,
  movementConflict,
} from "@elderflow/core";
import { z } from "zod";
import type { AnchorSigner, AnchorVerifier } from "./anchor";
import type { ActingTimeBank } from "./bank";
import { PeriodSchema } from "./commands";
import { type HashSuite, sha256Suite } from "./hash";
import { GENESIS_HASH, type JournalAnchor } from "./journal";
import { quarterBounds } from "./reports";
import { periodOf } from "./state";

/** Prefix of the community id under which a bank's time bank books redemptions at another bank. */
const BANK_PREFIX = "bank:";

/**
 * The community id that stands for another bank inside this bank's time bank: a withdrawal whose
 * serving `community` is `clearingCommunity("district-b")` is a redemption at district B, paid
 * through the clearing account `redeemed:bank:district-b`.
 *
 * @example
 * ```ts
 * await bureau.submit({ op: "withdraw", key: "w1", volunteer: "v1", beneficiary: "v1", minutes: 60,
 *   on: "2027-02-03", community: clearingCommunity("district-b") });
 * ```
 */
export function clearingCommunity(bankId: string): string {
  const id = IdSchema.safeParse(bankId);
  if (!id.success) throw fromZodError(id.error, ["bank"]);
  if (bankId.length > 64 - BANK_PREFIX.length)
    throw new ElderflowError("INVALID_INPUT", { path: ["bank"], params: { detail: "bank id too long" } });
  return `${BANK_PREFIX}${bankId}`;
}

// ---------------------------------------------------------------------------------------------
// The serving side's book

/** Records that this bank served a volunteer of another bank, charged to its clearing account for that bank. */
export const ServeCommand = z.strictObject({
  op: z.literal("serve"),
  key: KeySchema,
  /** The volunteer's home bank. */
  from: IdSchema,
  /** The home bank's withdrawal key: the name both banks give this movement. */
  ref: KeySchema,
  /** The volunteer whose hours pay (an id of the home bank). */
  volunteer: IdSchema,
  /** Who received the service: the volunteer or their family. */
  beneficiary: IdSchema,
  minutes: z.number().int().positive().max(1_000_000),
  /** The service date. */
  on: IsoDateSchema,
  /** The community of this bank that gave the service. */
  community: IdSchema,
  /** Who confirms the service was given (the actor, or a person it acts for). */
  by: IdSchema,
});
/** Records a service given to another bank's volunteer. */
export type ServeCommand = z.infer<typeof ServeCommand>;

/** Undoes a `serve` (the service did not happen after all), dated in an open period. */
export const UnserveCommand = z.strictObject({
  op: z.literal("unserve"),
  key: KeySchema,
  /** The key of the `serve` it undoes. */
  entry: KeySchema,
  on: IsoDateSchema,
  by: IdSchema,
});
/** Undoes a `serve`. */
export type UnserveCommand = z.infer<typeof UnserveCommand>;

/** Closes a quarter towards one counterpart: later `serve`/`unserve` dated in it are `PERIOD_CLOSED`. */
export const CloseClearingCommand = z.strictObject({
  op: z.literal("close"),
  key: KeySchema,
  counterpart: IdSchema,
  period: PeriodSchema,
});
/** Closes a clearing quarter. */
export type CloseClearingCommand = z.infer<typeof CloseClearingCommand>;

/**
 * Every clearing-book command, discriminated by `op`.
 *
 * @example
 * ```ts
 * ClearingCommand.parse({ op: "close", key: "close-b-q1", counterpart: "district-a", period: "2027-Q1" });
 * ```
 */
export const ClearingCommand = z.discriminatedUnion("op", [ServeCommand, UnserveCommand, CloseClearingCommand]);
/** Every clearing-book command. */
export type ClearingCommand = z.infer<typeof ClearingCommand>;

/** Codes a clearing-book command can fail with. */
export type ClearingFailureCode =
  | "INVALID_INPUT"
  | "WRONG_COMMUNITY"
  | "ACTOR_MISMATCH"
  | "NOT_AUTHORIZED"
  | "SELF_VERIFICATION"
  | "DUPLICATE_ID"
  | "NOT_REVERSIBLE"
  | "PERIOD_CLOSED"
  | "IDEMPOTENCY_CONFLICT";

/**
 * The result of one clearing-book command: `{key, ok: true, status}` or `{key, ok: false, code}`;
 * a key that is not canonical text is never echoed (`key: null`).
 */
export type ClearingResult =
  | { readonly key: string | null; readonly ok: true; readonly status: "posted" | "closed"; readonly replayed?: true }
  | {
      readonly key: string | null;
      readonly ok: false;
      readonly code: ClearingFailureCode;
      readonly path?: readonly (string | number)[];
    };

/**
 * One entry of a clearing book's journal: a command that succeeded, who submitted it, and the hash
 * chain (`hash` covers everything else and the previous entry's hash). Ids and numbers only.
 *
 * @example
 * ```ts
 * const entries: ClearingEntry[] = book.journal(); // keep them; openClearingBook({ entries }) re-checks the chain
 * ```
 */
export const ClearingEntry = z.strictObject({
  seq: z.number().int().positive(),
  at: z.string().max(40),
  actor: IdSchema,
  command: ClearingCommand,
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
/** One entry of a clearing book's journal. */
export type ClearingEntry = Readonly<z.infer<typeof ClearingEntry>>;

/**
 * A service this bank gave to another bank's volunteer, as the book holds it.
 *
 * @example
 * ```ts
 * const served: InboundMovement[] = book.inbound("district-a");
 * ```
 */
export interface InboundMovement {
  /** The `serve` key. */
  readonly key: string;
  /** The volunteer's home bank. */
  readonly from: string;
  /** The home bank's withdrawal key. */
  readonly ref: string;
  /** The volunteer (home bank id). */
  readonly volunteer: string;
  /** Minutes. */
  readonly minutes: number;
  /** Service date. */
  readonly on: string;
  /** Serving community of this bank. */
  readonly community: string;
  /** Date it was undone, if it was. */
  readonly undoneOn?: string;
}

/**
 * A clearing book as one authenticated actor uses it.
 *
 * @example
 * ```ts
 * const staff = book.as({ id: "staff-b1", roles: ["community_staff"], communities: ["b-c1"] });
 * await staff.submit({ op: "serve", key: "s1", from: "district-a", ref: "w1", volunteer: "a-v1",
 *   beneficiary: "a-v1", minutes: 60, on: "2027-02-03", community: "b-c1", by: "staff-b1" });
 * ```
 */
export interface ActingClearingBook {
  /** The actor, as parsed. */
  readonly actor: Actor;
  /** Decides one command (any JSON: bad input is a failed result, never a throw). */
  submit(command: unknown): ClearingResult;
  /** Decides commands in order, one result each. */
  submitMany(commands: readonly unknown[]): ClearingResult[];
}

/**
 * The serving side of 通存通兑 at one bank: services given to other banks' volunteers, charged to
 * the clearing account for each home bank. Hash-chained like the time bank's journal; the host keeps
 * {@link ClearingBook.journal} and reopens it with {@link openClearingBook}.
 *
 * @example
 * ```ts
 * const book = openClearingBook({ bank: "district-b", clock });
 * book.as(bureau).submit({ op: "close", key: "c1", counterpart: "district-a", period: "2027-Q1" });
 * book.anchor(); // { length: 1, headHash: "…" }
 * ```
 */
export interface ClearingBook {
  /** This bank's id. */
  readonly bank: string;
  /** The book as an authenticated actor uses it; an actor that does not parse throws a typed error. */
  as(actor: ActorInput): ActingClearingBook;
  /** Every entry, in order (a copy). */
  journal(): ClearingEntry[];
  /** Length and head hash. */
  anchor(): JournalAnchor;
  /** Services given to volunteers of a home bank (every bank when left out), in journal order. */
  inbound(from?: string): InboundMovement[];
  /** Whether a quarter is closed towards a counterpart. */
  isClosed(counterpart: string, period: string): boolean;
}

/**
 * What {@link openClearingBook} takes.
 *
 * @example
 * ```ts
 * const options: ClearingBookOptions = { bank: "district-b", clock, entries: JSON.parse(saved) };
 * ```
 */
export interface ClearingBookOptions {
  /** This bank's id. */
  readonly bank: string;
  /** Stamps entries. */
  readonly clock: Clock;
  /** The hash suite (SHA-256 unless told). */
  readonly hash?: HashSuite;
  /** A journal kept earlier: parsed, its chain checked (`JOURNAL_TAMPERED` at the first bad entry), replayed. */
  readonly entries?: readonly unknown[];
}

const BOOK_DOMAIN = "elderflow-clearing-book-v1\n";

function entryHashText(e: Omit<ClearingEntry, "hash">): string {
  return (
    BOOK_DOMAIN + canonicalJson({ actor: e.actor, at: e.at, command: e.command, prevHash: e.prevHash, seq: e.seq })
  );
}

/**
 * Opens a bank's clearing book, empty or from a journal kept earlier.
 *
 * @example
 * ```ts
 * const book = openClearingBook({ bank: "district-b", clock: fixedClock("2027-04-01T09:00:00+08:00") });
 * ```
 */
export function openClearingBook(options: ClearingBookOptions): ClearingBook {
  const bank = IdSchema.safeParse(options.bank);
  if (!bank.success) throw fromZodError(bank.error, ["bank"]);
  const self = bank.data;
  const suite = options.hash ?? sha256Suite;
  const clock = options.clock;
  const entries: ClearingEntry[] = [];
  const served = new Map<string, InboundMovement>();
  /** `from|ref` -> serve key: one movement is booked once. */
  const byRef = new Map<string, string>();
  const closed = new Set<string>();
  /** Every key seen, with its canonical content and actor, for idempotency. */
  const keys = new Map<string, { text: string; actor: string; result: ClearingResult }>();
  let head = GENESIS_HASH;

  const closedKey = (counterpart: string, period: string) => `${counterpart}|${period}`;
  const refKey = (from: string, ref: string) => `${from}\u0000${ref}`;

  /** Applies a command; the actor is null on replay (who may act was decided when it was written). */
  function apply(cmd: ClearingCommand, actor: Actor | null): ClearingResult {
    const fail = (code: ClearingFailureCode, path?: string[]): ClearingResult => ({
      key: cmd.key,
      ok: false,
      code,
      ...(path ? { path } : {}),
    });
    switch (cmd.op) {
      case "serve": {
        if (cmd.from === self) return fail("INVALID_INPUT", ["from"]);
        if (actor !== null) {
          if (!actorReaches(actor, cmd.community)) return fail("WRONG_COMMUNITY", ["community"]);
          if (!actsAs(actor, cmd.by)) return fail("ACTOR_MISMATCH", ["by"]);
          const conflict = movementConflict("fulfil", cmd.by, {
            volunteer: cmd.volunteer,
            counterpart: cmd.beneficiary,
          });
          if (conflict !== null) return fail(conflict as ClearingFailureCode, ["by"]);
        }
        if (byRef.has(refKey(cmd.from, cmd.ref))) return fail("DUPLICATE_ID", ["ref"]);
        if (closed.has(closedKey(cmd.from, periodOf(cmd.on)))) return fail("PERIOD_CLOSED", ["on"]);
        served.set(cmd.key, {
          key: cmd.key,
          from: cmd.from,
          ref: cmd.ref,
          volunteer: cmd.volunteer,
          minutes: cmd.minutes,
          on: cmd.on,
          community: cmd.community,
        });
        byRef.set(refKey(cmd.from, cmd.ref), cmd.key);
        return { key: cmd.key, ok: true, status: "posted" };
      }
      case "unserve": {
        const s = served.get(cmd.entry);
        if (s === undefined || s.undoneOn !== undefined) return fail("NOT_REVERSIBLE", ["entry"]);
        if (actor !== null) {
          if (!actorReaches(actor, s.community)) return fail("WRONG_COMMUNITY", ["entry"]);
          if (!actsAs(actor, cmd.by)) return fail("ACTOR_MISMATCH", ["by"]);
          if (movementConflict("reverse", cmd.by, { volunteer: s.volunteer }) !== null)
            return fail("SELF_VERIFICATION", ["by"]);
        }
        if (cmd.on < s.on) return fail("INVALID_INPUT", ["on"]);
        if (closed.has(closedKey(s.from, periodOf(cmd.on)))) return fail("PERIOD_CLOSED", ["on"]);
        served.set(s.key, { ...s, undoneOn: cmd.on });
        return { key: cmd.key, ok: true, status: "posted" };
      }
      case "close":
        // Closing a quarter is the bureau's act: it fixes what the statement covers.
        if (actor !== null && !isDistrictActor(actor)) return fail("NOT_AUTHORIZED");
        if (cmd.counterpart === self) return fail("INVALID_INPUT", ["counterpart"]);
        closed.add(closedKey(cmd.counterpart, cmd.period));
        return { key: cmd.key, ok: true, status: "closed" };
    }
  }

  function append(cmd: ClearingCommand, actor: string, at: string): void {
    const body = { seq: entries.length + 1, at, actor, command: cmd, prevHash: head };
    const entry: ClearingEntry = { ...body, hash: suite.digest(entryHashText(body)) };
    entries.push(entry);
    head = entry.hash;
  }

  for (const [i, raw] of (options.entries ?? []).entries()) {
    const parsed = ClearingEntry.safeParse(raw);
    const position = i + 1;
    const tampered = () => new ElderflowError("JOURNAL_TAMPERED", { params: { position } });
    if (!parsed.success) throw tampered();
    const e = parsed.data;
    if (e.seq !== position || e.prevHash !== head || suite.digest(entryHashText(e)) !== e.hash) throw tampered();
    const result = apply(e.command, null);
    if (!result.ok) throw tampered();
    entries.push(e);
    head = e.hash;
    keys.set(e.command.key, { text: canonicalJson(e.command), actor: e.actor, result });
  }

  function decide(raw: unknown, actor: Actor): ClearingResult {
    const rawKey = typeof raw === "object" && raw !== null ? (raw as { key?: unknown }).key : undefined;
    const key = KeySchema.safeParse(rawKey);
    if (!key.success) return { key: null, ok: false, code: "INVALID_INPUT", path: ["key"] };
    const parsed = ClearingCommand.safeParse(raw);
    if (!parsed.success) {
      const path = (parsed.error.issues[0]?.path ?? []).filter(
        (p): p is string | number => typeof p === "string" || typeof p === "number",
      );
      return { key: key.data, ok: false, code: "INVALID_INPUT", path };
    }
    const cmd = parsed.data;
    const text = canonicalJson(cmd);
    const prior = keys.get(cmd.key);
    if (prior !== undefined) {
      if (prior.text === text && prior.actor === actor.id) return { ...prior.result, replayed: true } as ClearingResult;
      return { key: cmd.key, ok: false, code: "IDEMPOTENCY_CONFLICT" };
    }
    const result = apply(cmd, actor);
    // Only what succeeded is journaled: a refused key may be used again once it would succeed.
    if (result.ok) {
      append(cmd, actor.id, new Date(clock.now()).toISOString());
      keys.set(cmd.key, { text, actor: actor.id, result });
    }
    return result;
  }

  const book: ClearingBook = {
    bank: self,
    as(input) {
      const parsed = Actor.safeParse(input);
      if (!parsed.success) throw fromZodError(parsed.error, ["actor"]);
      const actor = parsed.data;
      const one = (raw: unknown): ClearingResult => {
        try {
          return decide(raw, actor);
        } catch {
          // A hostile object (a throwing getter, a proxy) fails itself alone; nothing was applied.
          return { key: null, ok: false, code: "INVALID_INPUT" };
        }
      };
      return { actor, submit: one, submitMany: (commands) => commands.map(one) };
    },
    journal: () => [...entries],
    anchor: () => ({ length: entries.length, headHash: head }),
    inbound: (from) => [...served.values()].filter((s) => from === undefined || s.from === from),
    isClosed: (counterpart, period) => closed.has(closedKey(counterpart, period)),
  };
  return book;
}

// ---------------------------------------------------------------------------------------------
// Statements

/** One movement on a settlement statement. */
export const StatementLine = z.strictObject({
  /** The volunteer's home bank (whose withdrawal key `ref` is). */
  home: IdSchema,
  /** The home bank's withdrawal key. */
  ref: KeySchema,
  /** `out`: the issuer's volunteer was served at the counterpart (the issuer owes); `in`: the reverse. */
  direction: z.enum(["out", "in"]),
  /** A redemption, or the undoing of one (negative minutes). */
  kind: z.enum(["redemption", "reversal"]),
  volunteer: IdSchema,
  /** Signed: positive for a redemption, negative for a reversal. */
  minutes: z
    .number()
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((m) => m !== 0),
  on: IsoDateSchema,
});
/** One movement on a settlement statement. */
export type StatementLine = Readonly<z.infer<typeof StatementLine>>;

/** One volunteer's movements on a statement, summed. */
export const StatementVolunteer = z.strictObject({
  home: IdSchema,
  volunteer: IdSchema,
  outMinutes: z.number().int(),
  inMinutes: z.number().int(),
});
/** One volunteer's movements, summed. */
export type StatementVolunteer = Readonly<z.infer<typeof StatementVolunteer>>;

const Head = z.strictObject({
  length: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * A signed settlement statement (结算单) from one bank to another for a quarter: every movement
 * between them dated in it, the per-volunteer sums, the totals, and the journals it covers (the
 * issuer's time-bank journal and clearing book, length and head hash). Ids and minutes only.
 *
 * @example
 * ```ts
 * const statement = SettlementStatement.parse(JSON.parse(readFileSync("a-to-b-2027-Q1.json", "utf8")));
 * ```
 */
export const SettlementStatement = z.strictObject({
  format: z.literal("elderflow-clearing-statement-v1"),
  period: PeriodSchema,
  from: IsoDateSchema,
  to: IsoDateSchema,
  /** The issuing bank. */
  bank: IdSchema,
  /** The bank it settles with (a city clearing house is a counterpart like any other). */
  counterpart: IdSchema,
  lines: z.array(StatementLine).max(1_000_000),
  volunteers: z.array(StatementVolunteer).max(1_000_000),
  totals: z.strictObject({
    /** Minutes the issuer's volunteers spent at the counterpart (owed). */
    outMinutes: z.number().int(),
    /** Minutes the counterpart's volunteers spent at the issuer (claimed). */
    inMinutes: z.number().int(),
    /** `inMinutes - outMinutes`: positive when the counterpart owes the issuer. */
    netMinutes: z.number().int(),
  }),
  covers: z.strictObject({ journal: Head, book: Head, suite: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/) }),
  signedAt: z.string().max(40),
  algorithm: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/),
  signature: z.string().min(1).max(1024),
});
/** A signed settlement statement. */
export type SettlementStatement = Readonly<z.infer<typeof SettlementStatement>>;

const STATEMENT_DOMAIN = "elderflow-clearing-statement-v1\n";

/**
 * The exact text a statement's signature covers: a domain tag, then the canonical JSON of every
 * field but the signature (so a signature on an anchor can never pass for one on a statement).
 *
 * @example
 * ```ts
 * const text = statementSigningText(statement); // what hmacSigner(key).sign was given
 * ```
 */
export function statementSigningText(statement: Omit<SettlementStatement, "signature">): string {
  const { signature: _signature, ...rest } = statement as SettlementStatement;
  return STATEMENT_DOMAIN + canonicalJson(rest);
}

const lineOrder = (a: StatementLine, b: StatementLine): number =>
  a.on < b.on
    ? -1
    : a.on > b.on
      ? 1
      : cmp(`${a.home}\u0000${a.ref}\u0000${a.kind}`, `${b.home}\u0000${b.ref}\u0000${b.kind}`);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The movements between this bank and a counterpart dated in a quarter, from this bank's own
 * records: `out` lines from the time bank (withdrawals served in the counterpart's clearing
 * community, fulfilled or reversed in the quarter), `in` lines from the clearing book.
 *
 * @example
 * ```ts
 * const lines = clearingLines({ bank: bureauA, book: bookA, counterpart: "district-b", period: "2027-Q1" });
 * ```
 */
export function clearingLines(input: {
  readonly bank: ActingTimeBank;
  readonly book: ClearingBook;
  readonly counterpart: string;
  readonly period: string;
}): StatementLine[] {
  const { book, counterpart, period } = input;
  const { from, to } = quarterBounds(period);
  const inQuarter = (d: string | undefined) => d !== undefined && d >= from && d <= to;
  const lines: StatementLine[] = [];
  const here = clearingCommunity(counterpart);
  for (const e of input.bank.entries({ community: here })) {
    if (e.kind !== "withdrawal" || e.servedIn !== here) continue;
    const base = { home: book.bank, ref: e.key, direction: "out" as const, volunteer: e.volunteer };
    if ((e.status === "posted" || e.status === "reversed") && inQuarter(e.settledOn))
      lines.push({ ...base, kind: "redemption", minutes: e.minutes, on: e.settledOn as string });
    if (e.status === "reversed" && inQuarter(e.reversedOn))
      lines.push({ ...base, kind: "reversal", minutes: -e.minutes, on: e.reversedOn as string });
  }
  for (const s of book.inbound(counterpart)) {
    const base = { home: counterpart, ref: s.ref, direction: "in" as const, volunteer: s.volunteer };
    if (inQuarter(s.on)) lines.push({ ...base, kind: "redemption", minutes: s.minutes, on: s.on });
    if (inQuarter(s.undoneOn)) lines.push({ ...base, kind: "reversal", minutes: -s.minutes, on: s.undoneOn as string });
  }
  return lines.sort(lineOrder);
}

function totalsOf(lines: readonly StatementLine[]): {
  volunteers: StatementVolunteer[];
  totals: SettlementStatement["totals"];
} {
  const per = new Map<string, { home: string; volunteer: string; outMinutes: number; inMinutes: number }>();
  let outMinutes = 0;
  let inMinutes = 0;
  for (const l of lines) {
    const id = `${l.home}\u0000${l.volunteer}`;
    const v = per.get(id) ?? { home: l.home, volunteer: l.volunteer, outMinutes: 0, inMinutes: 0 };
    if (l.direction === "out") {
      v.outMinutes += l.minutes;
      outMinutes += l.minutes;
    } else {
      v.inMinutes += l.minutes;
      inMinutes += l.minutes;
    }
    per.set(id, v);
  }
  const volunteers = [...per.values()].sort((a, b) =>
    cmp(`${a.home}\u0000${a.volunteer}`, `${b.home}\u0000${b.volunteer}`),
  );
  return { volunteers, totals: { outMinutes, inMinutes, netMinutes: inMinutes - outMinutes } };
}

/**
 * What {@link settlementStatement} takes.
 *
 * @example
 * ```ts
 * const input: StatementInput = { bank: bankA, actor: bureauA, book: bookA, counterpart: "district-b",
 *   period: "2027-Q1", signer: ed25519Signer(privateKeyA), clock };
 * ```
 */
export interface StatementInput {
  /** This bank's time bank (its journal head is what the statement covers). */
  readonly bank: { as(actor: ActorInput): ActingTimeBank; anchor(): JournalAnchor; refresh(): Promise<void> };
  /** The authenticated actor: a district body (`bureau`, `department`, `system`), else `NOT_AUTHORIZED`. */
  readonly actor: ActorInput;
  /** This bank's clearing book. */
  readonly book: ClearingBook;
  /** The bank settled with. */
  readonly counterpart: string;
  /** The quarter, `YYYY-Qn`. */
  readonly period: string;
  /** This bank's key (the anchor signers: `hmacSigner`, `ed25519Signer`). */
  readonly signer: AnchorSigner;
  /** Stamps `signedAt`. */
  readonly clock: Clock;
  /** The time bank's hash suite name (default `sha256`). */
  readonly suite?: string;
}

function districtActor(input: ActorInput): Actor {
  const parsed = Actor.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error, ["actor"]);
  if (!isDistrictActor(parsed.data)) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
  return parsed.data;
}

/**
 * The quarter's settlement statement of this bank towards a counterpart, signed with this bank's
 * key. Settlement is the bureau's act: the actor must be a district body. Close the quarter first
 * (the book's `close`, and `closePeriod` of the clearing community in the time bank) so that what
 * it covers cannot change under it.
 *
 * @example
 * ```ts
 * const statement = await settlementStatement({ bank: bankA, actor: { id: "bureau-a", roles: ["bureau"] },
 *   book: bookA, counterpart: "district-b", period: "2027-Q1", signer: ed25519Signer(keyA), clock });
 * statement.totals.netMinutes; // negative: A owes B
 * ```
 */
export async function settlementStatement(input: StatementInput): Promise<SettlementStatement> {
  const actor = districtActor(input.actor);
  const counterpart = IdSchema.safeParse(input.counterpart);
  if (!counterpart.success) throw fromZodError(counterpart.error, ["counterpart"]);
  if (counterpart.data === input.book.bank)
    throw new ElderflowError("INVALID_INPUT", {
      path: ["counterpart"],
      params: { detail: "a bank does not settle with itself" },
    });
  if (!PeriodSchema.safeParse(input.period).success)
    throw new ElderflowError("INVALID_INPUT", { path: ["period"], params: { detail: "YYYY-Qn" } });
  await input.bank.refresh();
  const acting = input.bank.as(actor);
  const lines = clearingLines({ bank: acting, book: input.book, counterpart: counterpart.data, period: input.period });
  const { from, to } = quarterBounds(input.period);
  const unsigned: Omit<SettlementStatement, "signature" | "algorithm"> & { algorithm: string } = {
    format: "elderflow-clearing-statement-v1",
    period: input.period,
    from,
    to,
    bank: input.book.bank,
    counterpart: counterpart.data,
    lines,
    ...totalsOf(lines),
    covers: { journal: input.bank.anchor(), book: input.book.anchor(), suite: input.suite ?? "sha256" },
    signedAt: new Date(input.clock.now()).toISOString(),
    algorithm: input.signer.algorithm,
  };
  return { ...unsigned, signature: input.signer.sign(statementSigningText(unsigned)) };
}

/**
 * One thing wrong with a statement: a code from the catalogue, and where (the movement's home bank
 * and reference, or a field path). Never personal data.
 *
 * @example
 * ```ts
 * const problem: StatementProblem = { code: "CLEARING_MISMATCH", home: "district-a", ref: "w7", fields: ["minutes"] };
 * ```
 */
export interface StatementProblem {
  /** `CLEARING_SIGNATURE`, `CLEARING_PARTY`, `CLEARING_TOTALS`, `CLEARING_MISSING`, `CLEARING_UNMATCHED`, `CLEARING_MISMATCH`, `CLEARING_NOT_NETTING`, or `INVALID_INPUT` (a statement that does not parse). */
  readonly code: ErrorCode;
  /** Home bank of the movement. */
  readonly home?: string;
  /** Reference of the movement. */
  readonly ref?: string;
  /** Redemption or reversal. */
  readonly kind?: StatementLine["kind"];
  /** Fields that differ (`CLEARING_MISMATCH`), or the field path at fault. */
  readonly fields?: readonly (string | number)[];
}

/**
 * The outcome of checking a counterpart's statement: `ok` only when the signature holds, it is
 * addressed to this bank, its totals add up, every movement matches this bank's own records and the
 * two sides net to zero. `code` is the first problem's.
 *
 * @example
 * ```ts
 * const check: StatementCheck = await verifyStatement(statementFromA, { bank: bankB, actor: bureauB, book: bookB, verifier });
 * if (!check.ok) console.log(check.problems.map((p) => p.code));
 * ```
 */
export interface StatementCheck {
  /** Whether everything holds. */
  readonly ok: boolean;
  /** The first problem's code. */
  readonly code?: ErrorCode;
  /** Every problem, one per movement where a movement is at fault. */
  readonly problems: readonly StatementProblem[];
  /** This bank's own totals for the same quarter and counterpart (when the statement parsed). */
  readonly own?: SettlementStatement["totals"];
  /** Their net plus ours: 0 when the two sides agree. */
  readonly netDifference?: number;
}

/**
 * What {@link verifyStatement} takes: this bank's records and the counterpart's public key.
 *
 * @example
 * ```ts
 * const options: VerifyStatementOptions = { bank: bankB, actor: bureauB, book: bookB, verifier: ed25519Verifier(publicKeyA) };
 * ```
 */
export interface VerifyStatementOptions {
  /** This bank's time bank. */
  readonly bank: { as(actor: ActorInput): ActingTimeBank; refresh(): Promise<void> };
  /** A district body of this bank, else `NOT_AUTHORIZED` (thrown: it is the caller at fault, not the statement). */
  readonly actor: ActorInput;
  /** This bank's clearing book. */
  readonly book: ClearingBook;
  /** Checks the issuer's signature (the issuer's Ed25519 public key, or the HMAC key both share). */
  readonly verifier: AnchorVerifier;
  /** The bank the statement must come from (default: whoever it says; the verifier's key decides). */
  readonly from?: string;
  /**
   * When the statement comes from a clearing house ({@link cityClearing}): the banks whose movements
   * with this bank it nets. This bank's lines are then recomputed towards each of them, not
   * towards the house.
   */
  readonly via?: readonly string[];
}

const lineId = (l: Pick<StatementLine, "home" | "ref" | "kind">) => `${l.home}\u0000${l.ref}\u0000${l.kind}`;

/**
 * Checks a counterpart's statement against this bank's own records. Never throws for what is in the
 * statement: every problem is returned, one per movement where a movement is at fault.
 *
 * @example
 * ```ts
 * const check = await verifyStatement(statementFromA, {
 *   bank: bankB, actor: { id: "bureau-b", roles: ["bureau"] }, book: bookB, verifier: ed25519Verifier(publicKeyA),
 * });
 * check.ok; // true when both sides agree and net to zero
 * ```
 */
export async function verifyStatement(statement: unknown, options: VerifyStatementOptions): Promise<StatementCheck> {
  const actor = districtActor(options.actor);
  const self = options.book.bank;
  const parsed = SettlementStatement.safeParse(statement);
  if (!parsed.success) {
    const fields = (parsed.error.issues[0]?.path ?? []).filter(
      (p): p is string | number => typeof p === "string" || typeof p === "number",
    );
    return { ok: false, code: "INVALID_INPUT", problems: [{ code: "INVALID_INPUT", fields }] };
  }
  const s = parsed.data;
  let signed = false;
  try {
    signed =
      s.algorithm === options.verifier.algorithm && options.verifier.verify(statementSigningText(s), s.signature);
  } catch {
    signed = false;
  }
  // Nothing in an unsigned statement can be trusted, not even which lines it claims.
  if (!signed) return { ok: false, code: "CLEARING_SIGNATURE", problems: [{ code: "CLEARING_SIGNATURE" }] };
  const problems: StatementProblem[] = [];
  if (s.counterpart !== self) problems.push({ code: "CLEARING_PARTY", fields: ["counterpart"] });
  if (options.from !== undefined && s.bank !== options.from)
    problems.push({ code: "CLEARING_PARTY", fields: ["bank"] });
  if (s.bank === self) problems.push({ code: "CLEARING_PARTY", fields: ["bank"] });
  const bounds = quarterBounds(s.period);
  if (s.from !== bounds.from || s.to !== bounds.to) problems.push({ code: "CLEARING_PARTY", fields: ["from"] });
  if (problems.length > 0) return { ok: false, code: problems[0]?.code as ErrorCode, problems };

  const declared = totalsOf(s.lines);
  if (canonicalJson(declared.totals) !== canonicalJson(s.totals))
    problems.push({ code: "CLEARING_TOTALS", fields: ["totals"] });
  if (canonicalJson(declared.volunteers) !== canonicalJson([...s.volunteers]))
    problems.push({ code: "CLEARING_TOTALS", fields: ["volunteers"] });

  await options.bank.refresh();
  const acting = options.bank.as(actor);
  const towards = options.via ?? [s.bank];
  const ours = towards
    .filter((c) => c !== self)
    .flatMap((counterpart) => clearingLines({ bank: acting, book: options.book, counterpart, period: s.period }))
    .sort(lineOrder);
  const mine = new Map(ours.map((l) => [lineId(l), l]));
  const seen = new Set<string>();
  for (const theirs of s.lines) {
    const id = lineId(theirs);
    const where = { home: theirs.home, ref: theirs.ref, kind: theirs.kind };
    if (seen.has(id)) {
      problems.push({ code: "CLEARING_TOTALS", ...where, fields: ["lines"] });
      continue;
    }
    seen.add(id);
    const own = mine.get(id);
    // Their `out` is our `in`: the same movement seen from the other side.
    if (own === undefined || own.direction === theirs.direction) {
      problems.push({ code: "CLEARING_UNMATCHED", ...where });
      continue;
    }
    const fields = (["volunteer", "minutes", "on"] as const).filter((f) => own[f] !== theirs[f]);
    if (fields.length > 0) problems.push({ code: "CLEARING_MISMATCH", ...where, fields });
  }
  for (const own of ours)
    if (!seen.has(lineId(own)))
      problems.push({ code: "CLEARING_MISSING", home: own.home, ref: own.ref, kind: own.kind });

  const own = totalsOf(ours).totals;
  const netDifference = own.netMinutes + s.totals.netMinutes;
  if (netDifference !== 0) problems.push({ code: "CLEARING_NOT_NETTING", fields: ["totals", "netMinutes"] });
  return {
    ok: problems.length === 0,
    ...(problems.length > 0 ? { code: (problems[0] as StatementProblem).code } : {}),
    problems,
    own,
    netDifference,
  };
}

// ---------------------------------------------------------------------------------------------
// A city clearing house: the second level

/**
 * One thing wrong in a city's clearing run: a {@link StatementProblem} with the statement's issuer
 * and counterpart (and its position in the input when it did not parse).
 *
 * @example
 * ```ts
 * const p: CityProblem = { code: "CLEARING_MISSING", bank: "district-b", counterpart: "district-a" };
 * ```
 */
export interface CityProblem extends StatementProblem {
  /** Issuer of the statement at fault (or whose statement is missing). */
  readonly bank?: string;
  /** Its counterpart. */
  readonly counterpart?: string;
  /** Position in the input, for a statement that did not parse. */
  readonly index?: number;
}

/**
 * A district's net position towards the city clearing house for the quarter.
 *
 * @example
 * ```ts
 * const p: CityPosition = { bank: "district-a", outMinutes: 150, inMinutes: 120, netMinutes: -30, counterparts: ["district-b"] };
 * ```
 */
export interface CityPosition {
  /** The district bank. */
  readonly bank: string;
  /** Minutes its volunteers spent in other districts of the city (it owes). */
  readonly outMinutes: number;
  /** Minutes other districts' volunteers spent with it (it is owed). */
  readonly inMinutes: number;
  /** `inMinutes - outMinutes`. */
  readonly netMinutes: number;
  /** The districts whose pairs with it agreed and were netted (pass them as `via` to {@link verifyStatement}). */
  readonly counterparts: readonly string[];
}

/**
 * What {@link cityClearing} takes.
 *
 * @example
 * ```ts
 * const input: CityClearingInput = { city: "city-x", period: "2027-Q1", statements, verifierOf: (bank) => keys.get(bank),
 *   signer: ed25519Signer(cityKey), clock };
 * ```
 */
export interface CityClearingInput {
  /** The clearing house's id (the counterpart on the statements it issues). */
  readonly city: string;
  /** The quarter. */
  readonly period: string;
  /** Every district's statement towards every other district of the city (any JSON). */
  readonly statements: readonly unknown[];
  /** Each district's verifier (its public key); undefined for a bank the city does not know. */
  readonly verifierOf: (bank: string) => AnchorVerifier | undefined;
  /** The house's key. */
  readonly signer: AnchorSigner;
  /** Stamps `signedAt`. */
  readonly clock: Clock;
  /** The digest that fingerprints the statements netted (SHA-256 unless told). */
  readonly hash?: HashSuite;
}

/**
 * The outcome of a city's clearing run: the problems, each district's position, and one signed
 * statement from the house to each district in the same format as the districts' own.
 *
 * @example
 * ```ts
 * const run: CityClearingRun = cityClearing(input);
 * run.positions.reduce((sum, p) => sum + p.netMinutes, 0); // 0
 * ```
 */
export interface CityClearingRun {
  /** Whether every statement verified and every pair agreed. */
  readonly ok: boolean;
  /** Every problem; a pair with problems is left out of the netting, the others go on. */
  readonly problems: readonly CityProblem[];
  /** Net positions of the districts, from the agreed pairs (they sum to zero). */
  readonly positions: readonly CityPosition[];
  /** The house's statement to each district with a position. */
  readonly statements: readonly SettlementStatement[];
}

/**
 * A city clearing house (市级清算): takes the districts' pairwise statements for a quarter,
 * checks each signature, matches each pair movement by movement (neither side's records are at
 * hand, so the two statements are held against each other), nets the agreed pairs multilaterally,
 * and issues each district one statement towards the house in the same format (the house's `out`
 * is the district's `in`). A district checks it with {@link verifyStatement} and `via` set to the
 * other districts. A pair that disagrees is reported and left out; the others settle.
 *
 * @example
 * ```ts
 * const run = cityClearing({ city: "city-x", period: "2027-Q1", statements: [aToB, bToA],
 *   verifierOf: (bank) => verifiers[bank], signer: ed25519Signer(cityKey), clock });
 * run.positions; // [{ bank: "district-a", netMinutes: -30, … }, { bank: "district-b", netMinutes: 30, … }]
 * ```
 */
export function cityClearing(input: CityClearingInput): CityClearingRun {
  const city = IdSchema.safeParse(input.city);
  if (!city.success) throw fromZodError(city.error, ["city"]);
  if (!PeriodSchema.safeParse(input.period).success)
    throw new ElderflowError("INVALID_INPUT", { path: ["period"], params: { detail: "YYYY-Qn" } });
  const suite = input.hash ?? sha256Suite;
  const problems: CityProblem[] = [];
  const byPair = new Map<string, SettlementStatement>();
  const pairKey = (bank: string, counterpart: string) => `${bank}\u0000${counterpart}`;
  for (const [index, raw] of input.statements.entries()) {
    const parsed = SettlementStatement.safeParse(raw);
    if (!parsed.success) {
      problems.push({ code: "INVALID_INPUT", index });
      continue;
    }
    const st = parsed.data;
    const where = { bank: st.bank, counterpart: st.counterpart };
    const verifier = input.verifierOf(st.bank);
    let signed = false;
    try {
      signed =
        verifier !== undefined &&
        st.algorithm === verifier.algorithm &&
        verifier.verify(statementSigningText(st), st.signature);
    } catch {
      signed = false;
    }
    if (!signed) {
      problems.push({ code: "CLEARING_SIGNATURE", ...where });
      continue;
    }
    const bounds = quarterBounds(input.period);
    if (st.period !== input.period || st.from !== bounds.from || st.to !== bounds.to || st.bank === st.counterpart) {
      problems.push({ code: "CLEARING_PARTY", ...where, fields: ["period"] });
      continue;
    }
    if (byPair.has(pairKey(st.bank, st.counterpart))) {
      problems.push({ code: "CLEARING_PARTY", ...where, fields: ["bank"] });
      continue;
    }
    const declared = totalsOf(st.lines);
    if (
      canonicalJson(declared.totals) !== canonicalJson(st.totals) ||
      canonicalJson(declared.volunteers) !== canonicalJson([...st.volunteers])
    ) {
      problems.push({ code: "CLEARING_TOTALS", ...where, fields: ["totals"] });
      continue;
    }
    byPair.set(pairKey(st.bank, st.counterpart), st);
  }

  const agreed: SettlementStatement[] = [];
  const done = new Set<string>();
  for (const st of [...byPair.values()].sort((a, b) =>
    cmp(pairKey(a.bank, a.counterpart), pairKey(b.bank, b.counterpart)),
  )) {
    if (done.has(pairKey(st.bank, st.counterpart))) continue;
    done.add(pairKey(st.bank, st.counterpart));
    done.add(pairKey(st.counterpart, st.bank));
    const other = byPair.get(pairKey(st.counterpart, st.bank));
    if (other === undefined) {
      problems.push({ code: "CLEARING_MISSING", bank: st.counterpart, counterpart: st.bank });
      continue;
    }
    const before = problems.length;
    const theirs = new Map(other.lines.map((l) => [lineId(l), l]));
    const seen = new Set<string>();
    for (const l of st.lines) {
      const id = lineId(l);
      seen.add(id);
      const o = theirs.get(id);
      const where = { bank: st.bank, counterpart: st.counterpart, home: l.home, ref: l.ref, kind: l.kind };
      if (o === undefined || o.direction === l.direction) problems.push({ code: "CLEARING_UNMATCHED", ...where });
      else {
        const fields = (["volunteer", "minutes", "on"] as const).filter((f) => o[f] !== l[f]);
        if (fields.length > 0) problems.push({ code: "CLEARING_MISMATCH", ...where, fields });
      }
    }
    for (const o of other.lines)
      if (!seen.has(lineId(o)))
        problems.push({
          code: "CLEARING_UNMATCHED",
          bank: other.bank,
          counterpart: other.counterpart,
          home: o.home,
          ref: o.ref,
          kind: o.kind,
        });
    if (problems.length === before) agreed.push(st, other);
  }

  // Each district's lines towards every agreed counterpart, seen from the house (directions flip).
  const linesOf = new Map<string, StatementLine[]>();
  const partners = new Map<string, string[]>();
  for (const st of agreed) {
    const list = linesOf.get(st.bank) ?? [];
    for (const l of st.lines) list.push({ ...l, direction: l.direction === "out" ? "in" : "out" });
    linesOf.set(st.bank, list);
    partners.set(st.bank, [...(partners.get(st.bank) ?? []), st.counterpart].sort());
  }
  const covered = agreed
    .map((st) => ({ bank: st.bank, counterpart: st.counterpart, signature: st.signature }))
    .sort((a, b) => cmp(pairKey(a.bank, a.counterpart), pairKey(b.bank, b.counterpart)));
  const covers = {
    journal: { length: covered.length, headHash: suite.digest(STATEMENT_DOMAIN + canonicalJson(covered)) },
    book: { length: 0, headHash: GENESIS_HASH },
    suite: suite.name,
  };
  const { from, to } = quarterBounds(input.period);
  const signedAt = new Date(input.clock.now()).toISOString();
  const positions: CityPosition[] = [];
  const statements: SettlementStatement[] = [];
  for (const bank of [...linesOf.keys()].sort()) {
    const lines = (linesOf.get(bank) ?? []).sort(lineOrder);
    const summed = totalsOf(lines);
    // The house's out is the district's in.
    positions.push({
      bank,
      outMinutes: summed.totals.inMinutes,
      inMinutes: summed.totals.outMinutes,
      netMinutes: summed.totals.outMinutes - summed.totals.inMinutes,
      counterparts: partners.get(bank) ?? [],
    });
    const unsigned = {
      format: "elderflow-clearing-statement-v1" as const,
      period: input.period,
      from,
      to,
      bank: city.data,
      counterpart: bank,
      lines,
      ...summed,
      covers,
      signedAt,
      algorithm: input.signer.algorithm,
    };
    statements.push({ ...unsigned, signature: input.signer.sign(statementSigningText(unsigned)) });
  }
  return { ok: problems.length === 0, problems, positions, statements };
}
