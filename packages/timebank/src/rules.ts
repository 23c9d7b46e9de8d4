/**
 * The time bank's rules from today's local regulations, as effective-dated versions: a storage cap
 * (Nanjing 2019: 1,500 hours), a redemption age (Shanghai 2026: 65, or 60 in hardship) and an
 * expiry period. Like the households, the rules are consulted when a command is decided, never when
 * the journal is replayed: whatever a rule made a decision move (a donated excess, expired minutes)
 * is written into the journal entry itself, so a journal replays the same under any later rules.
 */
import {
  ageOn,
  daysInMonth,
  ElderflowError,
  FreeTextSchema,
  formatIsoDate,
  IdSchema,
  IsoDateSchema,
  parseIsoDate,
  parseOrThrow,
} from "@elderflow/core";
import { z } from "zod";

/**
 * The storage cap (存储上限): a verification that would lift a volunteer's posted balance above
 * `minutes` is refused (`excess: "refuse"`, the default, code `STORAGE_CAP`) or posted with the excess
 * donated to the pool account `pool:<pool>` (`excess: "donate"`; `pool` defaults to the
 * volunteer's community).
 *
 * @example
 * ```ts
 * StorageCapRule.parse({ minutes: 1500 * 60 }); // { minutes: 90000, excess: "refuse" }
 * ```
 */
export const StorageCapRule = z.strictObject({
  /** The most minutes a volunteer may hold posted. */
  minutes: z.number().int().positive().max(1_000_000_000),
  /** What happens to a verification that would go over it. */
  excess: z.enum(["refuse", "donate"]).default("refuse"),
  /** The pool that receives donated excess (an id; the account is `pool:<id>`). */
  pool: IdSchema.optional(),
});
/** The storage cap. */
export type StorageCapRule = z.infer<typeof StorageCapRule>;

/**
 * The redemption age (兑换年龄): a withdrawal is refused (`REDEMPTION_AGE`) unless its beneficiary is
 * at least `age` in completed years on the withdrawal's date, or `hardshipAge` when the host's
 * record flags them as in hardship (困难). A beneficiary whose birth date the host does not give is
 * refused too: the age must be shown, not assumed.
 *
 * @example
 * ```ts
 * RedemptionAgeRule.parse({ age: 65, hardshipAge: 60 });
 * ```
 */
export const RedemptionAgeRule = z
  .strictObject({
    /** The age from which hours may be redeemed. */
    age: z.number().int().min(0).max(130),
    /** The lower age for persons in hardship. */
    hardshipAge: z.number().int().min(0).max(130).optional(),
  })
  .refine((r) => r.hardshipAge === undefined || r.hardshipAge <= r.age, {
    path: ["hardshipAge"],
    params: { code: "TOO_BIG", maximum: "age" },
  });
/** The redemption age. */
export type RedemptionAgeRule = z.infer<typeof RedemptionAgeRule>;

/**
 * Expiry (有效期): minutes credited to an account (a verified service on its service date, a gift on
 * its date) expire `months` calendar months later if they are still unspent. Spending, gifts,
 * donations and earlier expiries use the oldest minutes first. An `expire` command posts what is due.
 *
 * @example
 * ```ts
 * ExpiryRule.parse({ months: 36 });
 * ```
 */
export const ExpiryRule = z.strictObject({
  /** Calendar months a credited minute stays valid. */
  months: z.number().int().min(1).max(1200),
});
/** The expiry rule. */
export type ExpiryRule = z.infer<typeof ExpiryRule>;

/**
 * One version of the rules, in force from `from` (inclusive) until the next version's `from`. A
 * version is complete: a rule it leaves out is not in force while it is.
 *
 * @example
 * ```ts
 * TimeBankRuleVersion.parse({ from: "2027-01-01", storageCap: { minutes: 90000 } });
 * ```
 */
export const TimeBankRuleVersion = z.strictObject({
  /** First day this version is in force. */
  from: IsoDateSchema,
  /** Storage cap, if any. */
  storageCap: StorageCapRule.optional(),
  /** Redemption age, if any. */
  redemptionAge: RedemptionAgeRule.optional(),
  /** Expiry period, if any. */
  expiry: ExpiryRule.optional(),
  /** Where the rule comes from (the regulation and article), for the record. */
  source: FreeTextSchema.optional(),
});
/** One version of the rules. */
export type TimeBankRuleVersion = z.infer<typeof TimeBankRuleVersion>;
/** One version of the rules as a caller writes it (defaults may be left out). */
export type TimeBankRuleVersionInput = z.input<typeof TimeBankRuleVersion>;

/**
 * The time bank's rules: effective-dated versions, at most one per `from` date. Before the first
 * version, no rule is in force.
 *
 * @example
 * ```ts
 * const rules = TimeBankRules.parse([
 *   { from: "2019-01-01", storageCap: { minutes: 1500 * 60 } },
 *   { from: "2026-01-01", storageCap: { minutes: 1500 * 60 }, redemptionAge: { age: 65, hardshipAge: 60 } },
 * ]);
 * ```
 */
export const TimeBankRules = z
  .array(TimeBankRuleVersion)
  .max(200)
  .superRefine((versions, ctx) => {
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (seen.has(v.from)) ctx.addIssue({ code: "custom", path: [i, "from"], params: { code: "DUPLICATE_ID" } });
      seen.add(v.from);
    });
  });
/** The time bank's rules. */
export type TimeBankRules = z.infer<typeof TimeBankRules>;
/** The rules as a caller writes them. */
export type TimeBankRulesInput = z.input<typeof TimeBankRules>;

/**
 * What the time bank needs to know about a person from the host's enrolment record (the register):
 * the birth date and whether they are in hardship (困难). Consulted when deciding, never journaled.
 *
 * @example
 * ```ts
 * PersonFacts.parse({ birthDate: "1961-03-02", hardship: true });
 * ```
 */
export const PersonFacts = z.object({
  /** Birth date as on the ID card. */
  birthDate: IsoDateSchema.optional(),
  /** In hardship (困难): the lower redemption age applies. */
  hardship: z.boolean().optional(),
});
/** What the time bank needs to know about a person. */
export type PersonFacts = z.infer<typeof PersonFacts>;

/**
 * A lookup of {@link PersonFacts} by person id, from the host's register.
 *
 * @example
 * ```ts
 * const persons: PersonFactsLookup = (id) => (id === "p1" ? { birthDate: "1950-01-01" } : undefined);
 * ```
 */
export type PersonFactsLookup = (personId: string) => PersonFacts | undefined;

/** Effective-dated rules, sorted and ready to read. */
export interface RuleBook {
  /** The versions, oldest first. */
  readonly versions: readonly TimeBankRuleVersion[];
  /** The version in force on a date, or undefined before the first. */
  on(date: string): TimeBankRuleVersion | undefined;
}

/**
 * Parses and sorts effective-dated rules (typed `ElderflowError` at `rules.<i>.<field>` when they do
 * not parse).
 *
 * @example
 * ```ts
 * const book = ruleBook([{ from: "2026-01-01", redemptionAge: { age: 65, hardshipAge: 60 } }]);
 * book.on("2025-12-31"); // undefined
 * book.on("2026-06-01")?.redemptionAge?.age; // 65
 * ```
 */
export function ruleBook(rules: TimeBankRulesInput = []): RuleBook {
  const versions = [...parseOrThrow(TimeBankRules, rules, ["rules"])].sort((a, b) => (a.from < b.from ? -1 : 1));
  return {
    versions,
    on(date) {
      let found: TimeBankRuleVersion | undefined;
      for (const v of versions) {
        if (v.from > date) break;
        found = v;
      }
      return found;
    },
  };
}

/**
 * A date some calendar months later (or earlier, negative), the day clamped to the month's length.
 *
 * @example
 * ```ts
 * addMonths("2024-02-29", 12); // "2025-02-28"
 * addMonths("2027-05-01", -36); // "2024-05-01"
 * ```
 */
export function addMonths(date: string, months: number): string {
  const { year, month, day } = parseIsoDate(date, ["date"]);
  const total = year * 12 + (month - 1) + months;
  const y = Math.floor(total / 12);
  const m = (total % 12) + 1;
  return formatIsoDate(y, m, Math.min(day, daysInMonth(y, m)));
}

/**
 * Whether a beneficiary may redeem hours on a date under a redemption-age rule: at least `age`, or
 * `hardshipAge` when in hardship; unknown birth date means no.
 *
 * @example
 * ```ts
 * mayRedeem({ age: 65, hardshipAge: 60 }, { birthDate: "1965-06-01", hardship: true }, "2027-05-01"); // true
 * mayRedeem({ age: 65, hardshipAge: 60 }, { birthDate: "1965-06-01" }, "2027-05-01"); // false
 * ```
 */
export function mayRedeem(rule: RedemptionAgeRule, facts: PersonFacts | undefined, on: string): boolean {
  const birthDate = facts?.birthDate;
  if (birthDate === undefined || birthDate > on) return false;
  const age = ageOn(birthDate, on);
  const minimum = facts?.hardship === true && rule.hardshipAge !== undefined ? rule.hardshipAge : rule.age;
  return age >= minimum;
}

/** A posted credit or debit on one account, by effective date, as expiry reads it. */
export interface ExpiryMovement {
  /** Effective date. */
  readonly on: string;
  /** Signed minutes (credits positive). */
  readonly minutes: number;
}

/**
 * The minutes of an account due to expire on a date: the credits dated `months` or more before it
 * that the account's debits up to that date (oldest minutes first) have not used, never more than
 * `available` (minutes reserved for a withdrawal are not taken). Pure: the same journal gives the
 * same answer.
 *
 * @example
 * ```ts
 * expiringMinutes([{ on: "2024-01-10", minutes: 600 }, { on: "2026-01-10", minutes: -100 }],
 *   { months: 36 }, "2027-01-10", 500); // 500
 * ```
 */
export function expiringMinutes(
  movements: readonly ExpiryMovement[],
  rule: ExpiryRule,
  on: string,
  available: number,
): number {
  const cutoff = addMonths(on, -rule.months);
  let old = 0;
  let debits = 0;
  for (const m of movements) {
    if (m.on > on) continue;
    if (m.minutes > 0 && m.on <= cutoff) old += m.minutes;
    else if (m.minutes < 0) debits -= m.minutes;
  }
  return Math.max(0, Math.min(old - debits, available));
}

/**
 * Throws a typed `INVALID_TYPE` (at `path`) unless `value` is a function or absent: hostile options
 * at the factory fail there, not later inside a decision.
 *
 * @example
 * ```ts
 * assertLookup(() => undefined, "persons"); // fine
 * ```
 */
export function assertLookup(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== "function")
    throw new ElderflowError("INVALID_TYPE", { path: [path], params: { expected: "function" } });
}
