/**
 * The year-end star rating (评定) run over a bank's year: each volunteer's verified service in the
 * year and cumulatively, the served persons' feedback, and a rater (the policy, injected: the time
 * bank has no thresholds of its own; `yearEndRatingPolicy` and `rateYearEnd` of @elderflow/policy
 * are the preset). Results are per volunteer and masked; one volunteer that cannot be rated fails
 * alone.
 */
import { ElderflowError, IsoDateSchema, isElderflowError, maskName } from "@elderflow/core";
import type { ActingTimeBank } from "./bank";

/**
 * What the served persons said about a volunteer's year: counts of 满意 and 不满意, or a
 * satisfaction score (0–100) over a number of responses.
 *
 * @example
 * ```ts
 * const counted: RatingFeedback = { satisfied: 18, dissatisfied: 2 };
 * const scored: RatingFeedback = { score: 92, responses: 12 };
 * ```
 */
export type RatingFeedback =
  | { readonly satisfied: number; readonly dissatisfied: number }
  | { readonly score: number; readonly responses: number };

/**
 * The facts a rater gets for one volunteer (the shape of the policy preset's `YearRatingFacts`).
 *
 * @example
 * ```ts
 * const facts: YearFacts = { yearMinutes: 600, cumulativeMinutes: 6600, services: 5, feedbackCount: 0, satisfiedPercent: 100 };
 * ```
 */
export interface YearFacts {
  /** The volunteer's name from the lookup (personal data: the rater must mask it). */
  readonly name?: string;
  /** Verified minutes of services given in the year. */
  readonly yearMinutes: number;
  /** Verified minutes of every service given up to the year's end. */
  readonly cumulativeMinutes: number;
  /** Verified services given in the year. */
  readonly services: number;
  /** Pieces of feedback (0 when none). */
  readonly feedbackCount: number;
  /** Share satisfied, 0–100 (100 when there was no feedback). */
  readonly satisfiedPercent: number;
}

/**
 * Rates one volunteer: a level with its titles and an explanation (personal data masked).
 * `(facts, on) => rateYearEnd(yearEndRatingPolicy(), facts, on)` with @elderflow/policy.
 *
 * @example
 * ```ts
 * const rate: YearRater = (facts, on) => rateYearEnd(policy, facts, on);
 * ```
 */
export type YearRater = (
  facts: YearFacts,
  on: string,
) => {
  readonly level: number;
  readonly title: { readonly "zh-CN": string; readonly en: string };
  readonly rule: string;
  readonly explanation: { readonly "zh-CN": string; readonly en: string };
};

/**
 * One volunteer's rating as the bank returns it: ids, the masked name, the facts as numbers and the
 * rater's result; or the typed code when this volunteer could not be rated.
 *
 * @example
 * ```ts
 * const line: VolunteerRating = ratings[0];
 * if (line.ok) console.log(line.name, line.title["zh-CN"]);
 * ```
 */
export type VolunteerRating =
  | ({
      readonly ok: true;
      readonly volunteer: string;
      readonly community: string;
      /** Masked name (`张*三`), or `*` when unknown. */
      readonly name: string;
    } & Omit<YearFacts, "name"> &
      ReturnType<YearRater>)
  | { readonly ok: false; readonly volunteer: string; readonly community: string; readonly code: string };

/**
 * What {@link rateYear} takes besides the bank and the year.
 *
 * @example
 * ```ts
 * const options: RateYearOptions = { rate, feedback: (v) => survey.get(v), nameOf: (id) => names.get(id) };
 * ```
 */
export interface RateYearOptions {
  /** The rating policy. */
  readonly rate: YearRater;
  /** The served persons' feedback on a volunteer's year (undefined: none). */
  readonly feedback?: (volunteer: string) => RatingFeedback | undefined;
  /** A volunteer's name, masked before it leaves. */
  readonly nameOf?: (volunteer: string) => string | undefined;
  /** Only this community's volunteers (it must be reachable: `WRONG_COMMUNITY`). */
  readonly community?: string;
  /** The day the ledger is read as of (default: 31 December of the year): later verifications and reversals do not count. */
  readonly asOf?: string;
}

function feedbackFacts(f: RatingFeedback | undefined): { feedbackCount: number; satisfiedPercent: number } {
  if (f === undefined) return { feedbackCount: 0, satisfiedPercent: 100 };
  const count = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if ("satisfied" in f) {
    if (!count(f.satisfied) || !count(f.dissatisfied))
      throw new ElderflowError("INVALID_INPUT", { path: ["feedback"], params: { detail: "counts" } });
    const total = f.satisfied + f.dissatisfied;
    return { feedbackCount: total, satisfiedPercent: total === 0 ? 100 : (100 * f.satisfied) / total };
  }
  if (!count(f.responses) || !(typeof f.score === "number" && f.score >= 0 && f.score <= 100))
    throw new ElderflowError("INVALID_INPUT", { path: ["feedback"], params: { detail: "score 0-100" } });
  return { feedbackCount: f.responses, satisfiedPercent: f.responses === 0 ? 100 : f.score };
}

/**
 * Rates every reachable volunteer's year (sorted by volunteer id). A record counts when it was
 * given on or before the year's end, verified by `asOf` and not reversed by then; the year's
 * minutes and services are those given in the year. A volunteer the rater or the feedback fails
 * for gets `{ok: false, code}`; the others are rated as usual.
 *
 * @example
 * ```ts
 * import { rateYearEnd, yearEndRatingPolicy } from "@elderflow/policy";
 * const policy = yearEndRatingPolicy({ minSatisfiedPercent: 85 });
 * const ratings = rateYear(bank.as(bureau), 2027, { rate: (f, on) => rateYearEnd(policy, f, on) });
 * ```
 */
export function rateYear(acting: ActingTimeBank, year: number, options: RateYearOptions): VolunteerRating[] {
  if (!Number.isInteger(year) || year < 1900 || year > 9999)
    throw new ElderflowError("INVALID_INPUT", { path: ["year"], params: { detail: "year" } });
  const from = `${year}-01-01`;
  const to = `${year}-12-31`;
  const asOf = options.asOf ?? to;
  if (!IsoDateSchema.safeParse(asOf).success)
    throw new ElderflowError("INVALID_INPUT", { path: ["asOf"], params: { detail: "YYYY-MM-DD" } });
  const filter = options.community === undefined ? {} : { community: options.community };
  const communityOf = new Map<string, string>();
  const per = new Map<string, { year: number; cumulative: number; services: number }>();
  for (const e of acting.entries(filter)) {
    communityOf.set(e.volunteer, e.community);
    if (e.kind !== "record" || e.on > to) continue;
    const counts =
      (e.status === "posted" || e.status === "reversed") &&
      e.settledOn !== undefined &&
      e.settledOn <= asOf &&
      (e.reversedOn === undefined || e.reversedOn > asOf);
    if (!counts) continue;
    const v = per.get(e.volunteer) ?? { year: 0, cumulative: 0, services: 0 };
    v.cumulative += e.minutes;
    if (e.on >= from) {
      v.year += e.minutes;
      v.services += 1;
    }
    per.set(e.volunteer, v);
  }
  const out: VolunteerRating[] = [];
  for (const account of acting.accounts()) {
    const volunteer = account.volunteer;
    // A volunteer without entries yet: the certificate names the community.
    const community = communityOf.get(volunteer) ?? acting.certificate(volunteer)?.community ?? "";
    if (options.community !== undefined && community !== options.community) continue;
    const v = per.get(volunteer) ?? { year: 0, cumulative: 0, services: 0 };
    try {
      const name = options.nameOf?.(volunteer);
      const facts: YearFacts = {
        ...(name === undefined ? {} : { name }),
        yearMinutes: v.year,
        cumulativeMinutes: v.cumulative,
        services: v.services,
        ...feedbackFacts(options.feedback?.(volunteer)),
      };
      const rated = options.rate(facts, to);
      const { name: _name, ...numbers } = facts;
      out.push({
        ok: true,
        volunteer,
        community,
        name: name === undefined ? "*" : maskName(name),
        ...numbers,
        level: rated.level,
        title: rated.title,
        rule: rated.rule,
        explanation: rated.explanation,
      });
    } catch (error) {
      out.push({ ok: false, volunteer, community, code: isElderflowError(error) ? error.code : "INTERNAL" });
    }
  }
  return out;
}
