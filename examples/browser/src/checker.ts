/**
 * The checker's logic, with no DOM and no Node: a person in the interchange form and a date in,
 * the birthday decision (rule 1, 逢五排十) with its explanation out, in zh-CN or en. It runs the
 * same packages a server runs — core parses the person, schedule finds the birthday in the
 * calendar the person keeps, policy decides and explains — so the page shows what the system does.
 */
import {
  addDays,
  containsPersonalData,
  ElderflowError,
  type ElderflowErrorJSON,
  type FieldPath,
  type IsoDate,
  isElderflowError,
  isIsoDate,
  type Lang,
  type MessageParams,
  parseJsonText,
  parsePerson,
} from "@elderflow/core";
import { birthdayPolicy, createBirthdayCheck, explain } from "@elderflow/policy";
import { type BirthdayEntry, birthdayRoster } from "@elderflow/schedule";

/** One rule of the policy as the checker shows it. */
export interface RuleLine {
  /** Rule id. */
  readonly id: string;
  /** What the rule means, in the chosen language. */
  readonly label: string;
  /** The rule's condition with the person's values, in the chosen language. */
  readonly condition: string;
  /** Whether the condition held. */
  readonly matched: boolean;
}

/** What the checker found for one person and date. */
export type CheckResult =
  | {
      readonly ok: true;
      /** The birthday considered: the first one on or after the chosen date, in the person's calendar. */
      readonly birthday: BirthdayEntry | null;
      /** Whether that birthday is celebrated; null when the person has no birthday in the next year (not active). */
      readonly granted: boolean | null;
      /** Policy id and version that decided. */
      readonly policy: string | null;
      /** The decision in one sentence (name masked), in the chosen language. */
      readonly sentence: string | null;
      /** Every rule of the version in effect. */
      readonly rules: readonly RuleLine[];
      /** The next celebrated birthday within 40 years, from the schedule's roster. */
      readonly next: BirthdayEntry | null;
    }
  | { readonly ok: false; readonly error: ElderflowErrorJSON };

const policy = birthdayPolicy();
const celebrates = createBirthdayCheck({ policy });

/**
 * Checks a person (JSON text in the interchange form) on a date.
 *
 * @example
 * ```ts
 * const r = checkBirthday('{"id":"p1","name":"张小三","gender":"male","birthDate":"1957-05-10",' +
 *   '"retirementKind":"lixiu","rank":"deputy_county","communityId":"c01"}', "2027-03-01", "en");
 * r.ok && r.granted; // true: turns 70 on 2027-05-10
 * ```
 */
export function checkBirthday(personJson: string, on: string, lang: Lang): CheckResult {
  try {
    if (!isIsoDate(on)) throw new ElderflowError("INVALID_DATE", { path: ["date"] });
    // Core's reader: line and column of a syntax error, never the text (the browser's own
    // message quotes it); a BOM pasted with the text is dropped.
    const person = parsePerson(parseJsonText(personJson, ["person"]));
    const day: IsoDate = on;
    const [birthday] = birthdayRoster([person], { from: day, to: addDays(day, 399) });
    const [next] = birthdayRoster([person], { from: day, to: addDays(day, 40 * 366), isCelebration: celebrates });
    if (birthday === undefined)
      return { ok: true, birthday: null, granted: null, policy: null, sentence: null, rules: [], next: next ?? null };
    const e = explain(
      policy,
      { name: person.name, retirementKind: person.retirementKind, rank: person.rank, age: birthday.age },
      birthday.date,
    );
    return {
      ok: true,
      birthday,
      granted: e.decision.granted,
      policy: `${e.decision.policy}@${e.decision.version}`,
      sentence: e.sentence[lang],
      rules: e.rules.map((r) => ({
        id: r.id,
        label: r.label[lang],
        condition: r.condition.text[lang],
        matched: r.matched,
      })),
      next: next ?? null,
    };
  } catch (error) {
    if (isElderflowError(error)) return { ok: false, error: shown(error).toJSON() };
    throw error;
  }
}

// An error as the page shows it: string params and path parts only when they are short printable
// ASCII holding no ID number or phone (a rank id, a field name), `?` otherwise, so that the page
// never repeats a name, an ID number or a phone typed into the record.
const PRINTABLE = /^[\x20-\x7E]{0,80}$/;
const word = (v: string) => (PRINTABLE.test(v) && !containsPersonalData(v) ? v : "?");
const words = (params: MessageParams): MessageParams =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? word(v) : v]));
const where = (path: FieldPath): FieldPath => path.map((p) => (typeof p === "number" ? p : word(p)));

function shown(error: ElderflowError): ElderflowError {
  return new ElderflowError(error.code, {
    path: where(error.path),
    params: words(error.params),
    issues: error.issues.map((i) => ({ code: i.code, path: where(i.path), params: words(i.params) })),
  });
}
