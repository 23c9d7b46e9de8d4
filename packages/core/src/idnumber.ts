import { type IsoDate, isIsoDate } from "./dates";
import type { ErrorCode } from "./messages";

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = "10X98765432";

/**
 * The GB 11643 check character for the first 17 digits of a resident ID number.
 *
 * @example
 * ```ts
 * idNumberCheckChar("11010519491231002"); // "X"
 * ```
 */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

/** What an 18-character resident ID number says, once checked. */
export interface IdNumberInfo {
  /** Six-digit administrative division code of the place of registration. */
  readonly regionCode: string;
  /** Birth date encoded in characters 7 to 14. */
  readonly birthDate: IsoDate;
  /** Gender from the sequence code's last digit: odd male, even female. */
  readonly gender: "male" | "female";
}

/**
 * Checks an 18-character resident ID number (GB 11643-1999): 17 digits and a check character
 * (0-9 or X), a real birth date, and the ISO 7064 MOD 11-2 checksum. Returns the decoded facts or
 * the code of the first failure.
 *
 * @example
 * ```ts
 * const r = checkIdNumber("11010519491231002X");
 * if (r.ok) r.info.birthDate; // "1949-12-31"
 * ```
 */
export function checkIdNumber(
  value: string,
): { readonly ok: true; readonly info: IdNumberInfo } | { readonly ok: false; readonly code: ErrorCode } {
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, code: "INVALID_ID_NUMBER" };
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (!isIsoDate(birth)) return { ok: false, code: "INVALID_ID_NUMBER" };
  if (idNumberCheckChar(value.slice(0, 17)) !== value[17]) return { ok: false, code: "ID_NUMBER_CHECKSUM" };
  return {
    ok: true,
    info: {
      regionCode: value.slice(0, 6),
      birthDate: birth,
      gender: Number(value[16]) % 2 === 1 ? "male" : "female",
    },
  };
}

/**
 * Builds a valid ID number from a region code, birth date and three-digit sequence (for synthetic
 * data and tests; real ID numbers are never generated from real people).
 *
 * @example
 * ```ts
 * makeIdNumber("371402", "1950-10-01", 123); // "371402195010011231" style, with a valid check char
 * ```
 */
export function makeIdNumber(regionCode: string, birthDate: IsoDate, sequence: number): string {
  const first17 = `${regionCode}${birthDate.replaceAll("-", "")}${String(sequence % 1000).padStart(3, "0")}`;
  return first17 + idNumberCheckChar(first17);
}
