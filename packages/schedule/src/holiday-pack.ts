/**
 * Holiday packs: the State Council's annual holiday notice (国务院办公厅关于某年部分节假日安排的通知)
 * as data, so that a deployment can load a year's schedule the day it is published instead of
 * waiting for a new release of `chinese-days`. A pack is declared once, as a zod schema; its content
 * hash is SHA-256 over a canonical form, checked on every load.
 */
import {
  canonicalJson,
  ElderflowError,
  ISSUE_CODE_PARAM,
  type IsoDate,
  IsoDateSchema,
  isIsoDate,
  parseOrThrow,
  sha256Hex,
  textProblem,
} from "@elderflow/core";
import { z } from "zod";
import { toEpochDay, weekdayOfEpochDay } from "./days";

/** The format tag every pack carries, so a later format can be told apart. */
export const HOLIDAY_PACK_FORMAT = "elderflow.holiday-pack/1";

/** Bounds of a pack: no notice has more than about 30 days off or 10 调休 working days. */
export const HOLIDAY_PACK_LIMITS = {
  /** Most days off in one pack. */
  daysOff: 60,
  /** Most 调休 working days in one pack. */
  workingDays: 30,
  /** Longest holiday name, in UTF-16 code units. */
  name: 40,
  /** Longest notice number. */
  noticeNumber: 64,
  /** Longest notice URL. */
  url: 500,
  /** Longest note. */
  note: 500,
  /** Largest pack file, in bytes of JSON text. */
  bytes: 64 * 1024,
} as const;

function boundedText(max: number, lines = false) {
  return z.string().superRefine((value, ctx) => {
    const problem = textProblem(value, { max, lines });
    if (problem === null) return;
    const params: Record<string, string | number> = { [ISSUE_CODE_PARAM]: problem };
    if (problem === "TOO_BIG") params.maximum = max;
    if (problem === "TOO_SMALL") params.minimum = 1;
    ctx.addIssue({ code: "custom", params });
  });
}

const PackName = z.strictObject({
  "zh-CN": boundedText(HOLIDAY_PACK_LIMITS.name),
  en: boundedText(HOLIDAY_PACK_LIMITS.name),
});

const PackDay = z.strictObject({ date: IsoDateSchema, name: PackName });

/** 国办发明电〔2026〕12号 and the like: issuer, year in 〔〕, number, 号. */
const NOTICE_NUMBER = /^[\p{Script=Han}]{2,12}〔\d{4}〕\d{1,4}号$/u;

const NoticeUrl = boundedText(HOLIDAY_PACK_LIMITS.url).superRefine((value, ctx) => {
  // Only an absolute https address: no javascript:, data: or file: link reaches a report.
  if (!/^https:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[\x21-\x7E]*)?$/.test(value))
    ctx.addIssue({ code: "custom", params: { [ISSUE_CODE_PARAM]: "INVALID_FORMAT", format: "https URL" } });
});

const PACK_FIELDS = {
  format: z.literal(HOLIDAY_PACK_FORMAT),
  year: z.number().int().min(2000).max(2100),
  status: z.enum(["confirmed", "provisional"]),
  notice: z.strictObject({
    number: boundedText(HOLIDAY_PACK_LIMITS.noticeNumber).superRefine((value, ctx) => {
      if (!NOTICE_NUMBER.test(value))
        ctx.addIssue({ code: "custom", params: { [ISSUE_CODE_PARAM]: "INVALID_FORMAT", format: "notice number" } });
    }),
    url: NoticeUrl,
    issued: IsoDateSchema.optional(),
  }),
  daysOff: z.array(PackDay).max(HOLIDAY_PACK_LIMITS.daysOff),
  workingDays: z.array(PackDay).max(HOLIDAY_PACK_LIMITS.workingDays),
  note: boundedText(HOLIDAY_PACK_LIMITS.note, true).optional(),
};

function checkDates(
  pack: { year: number; daysOff: readonly { date: string }[]; workingDays: readonly { date: string }[] },
  ctx: z.RefinementCtx,
): void {
  const first = `${pack.year - 1}-12-01`;
  const last = `${pack.year}-12-31`;
  const seen = new Set<string>();
  for (const list of ["daysOff", "workingDays"] as const) {
    pack[list].forEach((d, i) => {
      if (!isIsoDate(d.date)) return; // reported by the field's own schema
      if (d.date < first || d.date > last)
        ctx.addIssue({
          code: "custom",
          path: [list, i, "date"],
          params: { [ISSUE_CODE_PARAM]: "HOLIDAY_PACK_DATE_OUTSIDE_YEAR", year: pack.year },
        });
      if (seen.has(d.date))
        ctx.addIssue({
          code: "custom",
          path: [list, i, "date"],
          params: { [ISSUE_CODE_PARAM]: "HOLIDAY_PACK_DUPLICATE_DATE", date: d.date },
        });
      seen.add(d.date);
      if (list === "workingDays" && weekdayOfEpochDay(toEpochDay(d.date)) < 6)
        ctx.addIssue({
          code: "custom",
          path: [list, i, "date"],
          params: { [ISSUE_CODE_PARAM]: "HOLIDAY_PACK_WORKDAY_NOT_WEEKEND", date: d.date },
        });
    });
  }
}

/**
 * The content of a holiday pack: one year of the State Council's notice. `daysOff` lists every day
 * off with the holiday it belongs to (weekends inside a holiday included); `workingDays` lists the
 * 调休 (tiaoxiu) weekend days worked in exchange, named by the holiday they pay for. Dates lie in the
 * pack's year or in the December before it (a notice may start New Year's Day on 30 December).
 * `status` is `confirmed` for a published notice and `provisional` for a planning guess.
 *
 * @example
 * ```ts
 * HolidayPackContent.parse({
 *   format: "elderflow.holiday-pack/1", year: 2027, status: "provisional",
 *   notice: { number: "国办发明电〔2026〕1号", url: "https://example.invalid/notice" },
 *   daysOff: [{ date: "2027-01-01", name: { "zh-CN": "元旦", en: "New Year's Day" } }],
 *   workingDays: [],
 * });
 * ```
 */
export const HolidayPackContent = z.strictObject(PACK_FIELDS).superRefine(checkDates);
/** The content of a holiday pack (everything but its hash). */
export type HolidayPackContent = z.infer<typeof HolidayPackContent>;

/**
 * A holiday pack as stored in a file: its content and `hash`, `sha256:` and 64 lower-case hex
 * digits over {@link holidayPackCanonical} of the content.
 *
 * @example
 * ```ts
 * HolidayPack.shape; // the content fields plus hash
 * ```
 */
export const HolidayPack = z
  .strictObject({ ...PACK_FIELDS, hash: z.string().regex(/^sha256:[0-9a-f]{64}$/) })
  .superRefine(checkDates);
/** A holiday pack whose schema, limits and hash have been checked (see {@link loadHolidayPack}). */
export type HolidayPack = HolidayPackContent & { readonly hash: string };

/**
 * The canonical text of a pack's content, the text its hash covers: both date lists sorted by
 * date, absent optional fields left out, object keys sorted, no white space (core's
 * `canonicalJson`). Key order, list order and formatting of the file never change the hash.
 *
 * @example
 * ```ts
 * holidayPackCanonical({
 *   format: "elderflow.holiday-pack/1", year: 2027, status: "provisional",
 *   notice: { number: "国办发明电〔2026〕1号", url: "https://example.invalid/notice" },
 *   daysOff: [], workingDays: [],
 * }).startsWith('{"daysOff":[]'); // true
 * ```
 */
export function holidayPackCanonical(content: HolidayPackContent): string {
  const byDate = (a: { date: IsoDate }, b: { date: IsoDate }) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);
  const day = (d: { date: IsoDate; name: { "zh-CN": string; en: string } }) => ({
    date: d.date,
    name: { "zh-CN": d.name["zh-CN"], en: d.name.en },
  });
  const notice: Record<string, string> = { number: content.notice.number, url: content.notice.url };
  if (content.notice.issued !== undefined) notice.issued = content.notice.issued;
  const body: Record<string, unknown> = {
    format: content.format,
    year: content.year,
    status: content.status,
    notice,
    daysOff: [...content.daysOff].sort(byDate).map(day),
    workingDays: [...content.workingDays].sort(byDate).map(day),
  };
  if (content.note !== undefined) body.note = content.note;
  return canonicalJson(body);
}

/**
 * The content hash of a pack: `sha256:` and the SHA-256 of {@link holidayPackCanonical}, in hex.
 * Validates the content first (typed errors with the path of the bad field).
 *
 * @example
 * ```ts
 * const hash = await holidayPackHash({
 *   format: "elderflow.holiday-pack/1", year: 2027, status: "provisional",
 *   notice: { number: "国办发明电〔2026〕1号", url: "https://example.invalid/notice" },
 *   daysOff: [], workingDays: [],
 * });
 * hash.startsWith("sha256:"); // true
 * ```
 */
export async function holidayPackHash(content: unknown): Promise<string> {
  const c = parseOrThrow(HolidayPackContent, stripHash(content));
  return `sha256:${await sha256Hex(holidayPackCanonical(c))}`;
}

// Packs that went through loadHolidayPack or sealHolidayPack: a calendar accepts only these, so an
// object typed by hand can never stand in for a verified notice.
const verified = new WeakSet<object>();

/**
 * Whether a pack came from {@link loadHolidayPack} or {@link sealHolidayPack} (its hash verified).
 *
 * @example
 * ```ts
 * isVerifiedHolidayPack({}); // false
 * ```
 */
export function isVerifiedHolidayPack(pack: unknown): pack is HolidayPack {
  return typeof pack === "object" && pack !== null && verified.has(pack);
}

function freeze(pack: HolidayPack): HolidayPack {
  const out = Object.freeze({
    ...pack,
    notice: Object.freeze({ ...pack.notice }),
    daysOff: Object.freeze(
      pack.daysOff.map((d) => Object.freeze({ date: d.date, name: Object.freeze({ ...d.name }) })),
    ),
    workingDays: Object.freeze(
      pack.workingDays.map((d) => Object.freeze({ date: d.date, name: Object.freeze({ ...d.name }) })),
    ),
  }) as HolidayPack;
  verified.add(out);
  return out;
}

function stripHash(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input) || !("hash" in input)) return input;
  const { hash: _hash, ...rest } = input as Record<string, unknown>;
  return rest;
}

/**
 * Authoring: validates a pack's content and returns it with its `hash` filled in (any old hash is
 * replaced), ready to be written to a file.
 *
 * @example
 * ```ts
 * const pack = await sealHolidayPack({
 *   format: "elderflow.holiday-pack/1", year: 2027, status: "provisional",
 *   notice: { number: "国办发明电〔2026〕1号", url: "https://example.invalid/notice" },
 *   daysOff: [], workingDays: [],
 * });
 * await loadHolidayPack(pack); // verifies
 * ```
 */
export async function sealHolidayPack(content: unknown): Promise<HolidayPack> {
  const c = parseOrThrow(HolidayPackContent, stripHash(content));
  return freeze({ ...c, hash: `sha256:${await sha256Hex(holidayPackCanonical(c))}` });
}

/**
 * Loads a pack from outside (parsed JSON, or its text): checks the size, the schema and the limits
 * (typed `ElderflowError`s with the path of the bad field), then recomputes the content hash and
 * throws `HOLIDAY_PACK_HASH_MISMATCH` when it differs from the pack's `hash`, so an edited or
 * corrupted pack is never used.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const pack = await loadHolidayPack(readFileSync("holidays-2027.json", "utf8"));
 * createHolidayCalendar({ packs: [pack] }).day("2027-10-01").source; // "official"
 * ```
 */
export async function loadHolidayPack(input: unknown): Promise<HolidayPack> {
  let raw = input;
  if (typeof input === "string") {
    if (new TextEncoder().encode(input).length > HOLIDAY_PACK_LIMITS.bytes)
      throw new ElderflowError("TOO_BIG", { path: [], params: { maximum: HOLIDAY_PACK_LIMITS.bytes } });
    try {
      raw = JSON.parse(input) as unknown;
    } catch {
      throw new ElderflowError("INVALID_FORMAT", { path: [], params: { format: "JSON" } });
    }
  }
  const parsed = parseOrThrow(HolidayPack, raw);
  const { hash, ...content } = parsed;
  const c = parseOrThrow(HolidayPackContent, content);
  const actual = `sha256:${await sha256Hex(holidayPackCanonical(c))}`;
  if (actual !== hash)
    throw new ElderflowError("HOLIDAY_PACK_HASH_MISMATCH", { path: ["hash"], params: { expected: hash, actual } });
  return freeze({ ...c, hash });
}
