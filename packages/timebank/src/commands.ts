import { FreeTextSchema, IdSchema, IsoDateSchema, KeySchema } from "@elderflow/core";
import { z } from "zod";

// Canonical text at the trust boundary: keys and references are core keys (well-formed, NFC, no
// control characters, never shaped like an ID number or phone), persons and communities core ids,
// reasons core free text. Nothing else can reach the hash chain or a store.
const Key = KeySchema;
const Minutes = z.number().int().positive().max(1_000_000);
const Reason = FreeTextSchema;

/**
 * A quarter (季度), the period that is closed and published: `YYYY-Qn`.
 *
 * @example
 * ```ts
 * PeriodSchema.parse("2027-Q1");
 * ```
 */
export const PeriodSchema = z.string().regex(/^\d{4}-Q[1-4]$/);

/** Grants a person a role in one community (registrar: team leader or party secretary 书记; verifier). */
export const GrantCommand = z.object({
  op: z.literal("grant"),
  key: Key,
  person: IdSchema,
  role: z.enum(["registrar", "verifier"]),
  community: IdSchema,
});
/** Grants a person a role in one community. */
export type GrantCommand = z.infer<typeof GrantCommand>;

/** Opens a volunteer's account in their community, with the family members who may draw on it. */
export const EnrollCommand = z.object({
  op: z.literal("enroll"),
  key: Key,
  volunteer: IdSchema,
  community: IdSchema,
  family: z.array(IdSchema).max(50).default([]),
});
/** Opens a volunteer's account. */
export type EnrollCommand = z.infer<typeof EnrollCommand>;

/** Records a service: a pending credit, signed by the recipient and registered by a registrar. */
export const RecordCommand = z.object({
  op: z.literal("record"),
  key: Key,
  volunteer: IdSchema,
  recipient: IdSchema,
  minutes: Minutes,
  on: IsoDateSchema,
  signedBy: IdSchema,
  registeredBy: IdSchema,
});
/** Records a service. */
export type RecordCommand = z.infer<typeof RecordCommand>;

/** Verifies a recorded service: posts its pending credit. */
export const VerifyCommand = z.object({
  op: z.literal("verify"),
  key: Key,
  entry: Key,
  by: IdSchema,
  on: IsoDateSchema,
});
/** Verifies a recorded service. */
export type VerifyCommand = z.infer<typeof VerifyCommand>;

/** Rejects a recorded service: voids its pending credit. */
export const RejectCommand = z.object({
  op: z.literal("reject"),
  key: Key,
  entry: Key,
  by: IdSchema,
  reason: Reason,
});
/** Rejects a recorded service. */
export type RejectCommand = z.infer<typeof RejectCommand>;

/**
 * Reserves minutes for the volunteer or a registered family member (a pending debit). `community`
 * is where the beneficiary is served (default: the volunteer's own); another community of the
 * district is paid through the clearing accounts.
 */
export const WithdrawCommand = z.object({
  op: z.literal("withdraw"),
  key: Key,
  volunteer: IdSchema,
  beneficiary: IdSchema,
  minutes: Minutes,
  on: IsoDateSchema,
  community: IdSchema.optional(),
});
/** Reserves minutes for a service to be received. */
export type WithdrawCommand = z.infer<typeof WithdrawCommand>;

/** The reserved service was delivered: posts the withdrawal. */
export const FulfilCommand = z.object({
  op: z.literal("fulfil"),
  key: Key,
  withdrawal: Key,
  on: IsoDateSchema,
});
/** Posts a withdrawal. */
export type FulfilCommand = z.infer<typeof FulfilCommand>;

/** The reserved service was cancelled: voids the withdrawal. */
export const CancelCommand = z.object({
  op: z.literal("cancel"),
  key: Key,
  withdrawal: Key,
});
/** Voids a withdrawal. */
export type CancelCommand = z.infer<typeof CancelCommand>;

/** Corrects a posted record or fulfilment by an opposite entry, dated in an open period. */
export const ReverseCommand = z.object({
  op: z.literal("reverse"),
  key: Key,
  entry: Key,
  by: IdSchema,
  reason: Reason,
  on: IsoDateSchema,
});
/** Corrects a posted entry by reversal. */
export type ReverseCommand = z.infer<typeof ReverseCommand>;

/**
 * 转赠: gives posted minutes to a registered family member (household) of the volunteer, who then
 * holds them in an account of their own (`v:<to>`, opened in the volunteer's community if they have
 * none) and may spend them like any holder. Gifts never count as earned service.
 */
export const GiftCommand = z.object({
  op: z.literal("gift"),
  key: Key,
  volunteer: IdSchema,
  to: IdSchema,
  minutes: Minutes,
  on: IsoDateSchema,
});
/** Gives minutes to a family member. */
export type GiftCommand = z.infer<typeof GiftCommand>;

/**
 * Posts the minutes of an account that the expiry rule in force on `on` says are due (the oldest
 * unspent minutes credited at least the rule's months before). The amount is computed from the
 * journal when the command is decided and written into its journal entry.
 */
export const ExpireCommand = z.object({
  op: z.literal("expire"),
  key: Key,
  volunteer: IdSchema,
  on: IsoDateSchema,
});
/** Posts due expiries of an account. */
export type ExpireCommand = z.infer<typeof ExpireCommand>;

/** Closes a community's quarter: entries dated in it are refused afterwards. */
export const ClosePeriodCommand = z.object({
  op: z.literal("closePeriod"),
  key: Key,
  community: IdSchema,
  period: PeriodSchema,
  by: IdSchema,
});
/** Closes a community's quarter. */
export type ClosePeriodCommand = z.infer<typeof ClosePeriodCommand>;

/**
 * Every time-bank command, discriminated by `op`. Each carries a unique idempotency `key`.
 *
 * @example
 * ```ts
 * const cmd = TimeBankCommand.parse({ op: "enroll", key: "e1", volunteer: "v1", community: "c1", family: [] });
 * ```
 */
export const TimeBankCommand = z.discriminatedUnion("op", [
  GrantCommand,
  EnrollCommand,
  RecordCommand,
  VerifyCommand,
  RejectCommand,
  WithdrawCommand,
  FulfilCommand,
  CancelCommand,
  ReverseCommand,
  ClosePeriodCommand,
  GiftCommand,
  ExpireCommand,
]);
/** Every time-bank command. */
export type TimeBankCommand = z.infer<typeof TimeBankCommand>;

/** The status a successful command reports. */
export type CommandStatus = "granted" | "open" | "pending" | "posted" | "voided" | "reserved" | "closed";

/** Codes a failed command reports. */
export type CommandFailureCode =
  | "INVALID_INPUT"
  | "UNKNOWN_ACCOUNT"
  | "NOT_AUTHORIZED"
  | "SELF_REGISTRATION"
  | "SELF_VERIFICATION"
  | "NOT_PENDING"
  | "NOT_REVERSIBLE"
  | "NOT_FAMILY"
  | "INSUFFICIENT_BALANCE"
  | "IDEMPOTENCY_CONFLICT"
  | "PERIOD_CLOSED"
  | "DUPLICATE_ID"
  | "ACTOR_MISMATCH"
  | "WRONG_COMMUNITY"
  | "STORAGE_CAP"
  | "REDEMPTION_AGE"
  | "NOTHING_TO_EXPIRE"
  | "CERTIFICATE_INVALID"
  | "INTERNAL";

/**
 * The result of one command, exactly as the CLI prints it: `{key, ok: true, status}` or
 * `{key, ok: false, code}`; `replayed: true` when the key had been seen with the same content.
 */
export type CommandResult =
  | { readonly key: string | null; readonly ok: true; readonly status: CommandStatus; readonly replayed?: true }
  | {
      readonly key: string | null;
      readonly ok: false;
      readonly code: CommandFailureCode;
      readonly replayed?: true;
    };

/**
 * What a rule made a decision move, written into the journal entry so that the journal replays the
 * same under any later rules: the excess a verification donated to a pool (`donated` minutes to
 * `pool`), the minutes an `expire` posted (`minutes`).
 */
export interface DecidedFields {
  /** verify: minutes of the verified service donated to the pool over the storage cap. */
  readonly donated?: number;
  /** verify: the pool id that received them. */
  readonly pool?: string;
  /** expire: the minutes that expired. */
  readonly minutes?: number;
}

/**
 * A command as the journal keeps it: without its free-text `reason` (kept beside the journal), with
 * the id of the authenticated actor that submitted it and what its rules decided.
 */
export type StoredCommand = {
  [K in TimeBankCommand["op"]]: Omit<Extract<TimeBankCommand, { op: K }>, "reason"> & {
    /** Id of the actor that submitted it (absent in journals written before actors). */
    readonly actor?: string;
  } & (K extends "verify" | "expire" ? DecidedFields : unknown);
}[TimeBankCommand["op"]];
