/**
 * The schemas of subsidy accounting for medical volunteers (rule 12, seed 002: "志愿者的交通费、通讯费等
 * 补贴将纳入县财政预算"): the kinds of contact, effective-dated budget lines with their rates in fen, and
 * a credited contact as the accounts see it. The umbrella package computes statements from them.
 */
import { z } from "zod";
import { compareIsoDates } from "./dates";
import { IsoDateSchema } from "./schemas";
import { IdSchema } from "./text";

/**
 * The kinds of contact a medical volunteer makes: a phone call (电话嘘寒问暖) or a home visit
 * (上门走访看望).
 *
 * @example
 * ```ts
 * MedicalContactKind.parse("visit");
 * ```
 */
export const MedicalContactKind = z.enum(["call", "visit"]);
/** A kind of contact. */
export type MedicalContactKind = z.infer<typeof MedicalContactKind>;

/** Most fen one rate or cap may be (¥1,000,000). */
const Fen = z.int().min(0).max(100_000_000);
const Label = z.string().min(1).max(60);

/**
 * One rate of a budget line, in effect from its day until the next rate's (or the line's end).
 *
 * @example
 * ```ts
 * BudgetRate.parse({ from: "2027-01-01", amountFen: 2000 });
 * ```
 */
export const BudgetRate = z.strictObject({
  /** First day in effect. */
  from: IsoDateSchema,
  /** Amount in fen (分) per unit: an integer. */
  amountFen: Fen,
});
/** One rate of a budget line. */
export type BudgetRate = z.infer<typeof BudgetRate>;

/**
 * A line of the county budget (县财政预算) subsidies are paid from: per contact (a unit is one
 * credited contact of the line's kinds, e.g. the transport subsidy per home visit) or per month (a
 * unit is a month in which the volunteer made at least `minContactsPerMonth` credited contacts of
 * the line's kinds, e.g. the phone subsidy). Rates are effective-dated and strictly ascending
 * (`BUDGET_RATE_OVERLAP` otherwise); the line pays nothing before its first rate or after `to`.
 * `capPerMonthFen` bounds what one volunteer receives from the line in one month.
 *
 * @example
 * ```ts
 * BudgetLine.parse({ id: "transport", title: { "zh-CN": "交通补贴", en: "transport" }, basis: "per_contact",
 *   contactKinds: ["visit"], rates: [{ from: "2027-01-01", amountFen: 2000 }] });
 * ```
 */
export const BudgetLine = z
  .strictObject({
    /** Stable id, e.g. `transport`. */
    id: IdSchema,
    /** Title in both languages (交通补贴 / transport subsidy). */
    title: z.strictObject({ "zh-CN": Label, en: Label }),
    /** Per credited contact, or per month with contacts. */
    basis: z.enum(["per_contact", "per_month"]),
    /** Which contacts count. */
    contactKinds: z.array(MedicalContactKind).min(1).max(MedicalContactKind.options.length),
    /** For `per_month`: contacts needed in a month for the month to count (default 1). */
    minContactsPerMonth: z.int().min(1).max(31).default(1),
    /** The rates, ascending by `from`. */
    rates: z.array(BudgetRate).min(1).max(100),
    /** Last day the line pays (absent: open-ended). */
    to: IsoDateSchema.optional(),
    /** Most one volunteer receives from the line in one month. */
    capPerMonthFen: Fen.optional(),
  })
  .superRefine((line, ctx) => {
    for (let i = 1; i < line.rates.length; i++)
      if (compareIsoDates((line.rates[i - 1] as BudgetRate).from, (line.rates[i] as BudgetRate).from) >= 0)
        ctx.addIssue({ code: "custom", path: ["rates", i, "from"], params: { code: "BUDGET_RATE_OVERLAP" } });
    if (line.to !== undefined && compareIsoDates(line.to, (line.rates[0] as BudgetRate).from) < 0)
      ctx.addIssue({ code: "custom", path: ["to"], params: { code: "DATE_ORDER" } });
  });
/** A line of the county budget. */
export type BudgetLine = z.output<typeof BudgetLine>;
/** A budget line as a caller writes it. */
export type BudgetLineInput = z.input<typeof BudgetLine>;

/**
 * A set of budget lines: at most 50, ids unique.
 *
 * @example
 * ```ts
 * BudgetLines.parse([line]);
 * ```
 */
export const BudgetLines = z
  .array(BudgetLine)
  .min(1)
  .max(50)
  .refine((ls) => new Set(ls.map((l) => l.id)).size === ls.length, { params: { code: "DUPLICATE_ID" } });

/**
 * One credited contact as the accounts see it: who, for whom, how, on which day (Asia/Shanghai).
 *
 * @example
 * ```ts
 * SubsidyContact.parse({ groupId: "g1", volunteerId: "v1", personId: "p1", kind: "visit", on: "2027-03-02" });
 * ```
 */
export const SubsidyContact = z.strictObject({
  /** The group. */
  groupId: IdSchema,
  /** The member who made it. */
  volunteerId: IdSchema,
  /** The cadre. */
  personId: IdSchema,
  /** Call or visit. */
  kind: MedicalContactKind,
  /** The day. */
  on: IsoDateSchema,
});
/** One credited contact. */
export type SubsidyContact = z.infer<typeof SubsidyContact>;

/**
 * A list of credited contacts (at most a million).
 *
 * @example
 * ```ts
 * SubsidyContacts.parse([]);
 * ```
 */
export const SubsidyContacts = z.array(SubsidyContact).max(1_000_000);

/**
 * The period of a statement: a year, or a month of it.
 *
 * @example
 * ```ts
 * StatementPeriod.parse({ year: 2027, month: 3 });
 * ```
 */
export const StatementPeriod = z.strictObject({
  /** The year. */
  year: z.int().min(2000).max(2100),
  /** The month (1–12); absent for a yearly statement. */
  month: z.int().min(1).max(12).optional(),
});
/** The period of a statement. */
export type StatementPeriod = z.infer<typeof StatementPeriod>;
