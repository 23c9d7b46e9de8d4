/**
 * Masks a name for logs, traces and notices: the first and last characters stay, the middle is
 * starred; a two-character name keeps its first character (张三 -> 张*, 张小三 -> 张*三).
 * Latin names keep the first letter of each word.
 *
 * @example
 * ```ts
 * maskName("张小三"); // "张*三"
 * maskName("张三");   // "张*"
 * ```
 */
export function maskName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0) return "*";
  if (/^[\x20-\x7e]+$/.test(trimmed)) {
    return trimmed
      .split(/\s+/)
      .map((w) => `${w[0] ?? ""}${"*".repeat(Math.max(1, Math.min(w.length - 1, 3)))}`)
      .join(" ");
  }
  const chars = Array.from(trimmed);
  if (chars.length === 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${"*".repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}

/**
 * Masks a resident ID number: region code (6) and last four stay, the birth date and sequence are
 * starred (110105********1234). Anything of another shape is fully starred.
 *
 * @example
 * ```ts
 * maskIdNumber("11010519491231002X"); // "110105********002X"
 * ```
 */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length !== 18) return "*".repeat(Math.max(idNumber.length, 4));
  return `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`;
}

/**
 * Masks a phone number: for an 11-digit mobile the first three and last four stay (138****5678);
 * for other numbers everything but the last four is starred.
 *
 * @example
 * ```ts
 * maskPhone("13812345678"); // "138****5678"
 * ```
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[\s-]/g, "");
  if (/^1\d{10}$/.test(digits)) return `${digits.slice(0, 3)}****${digits.slice(7)}`;
  if (digits.length <= 4) return "*".repeat(digits.length);
  return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/**
 * A resident ID number (18 characters, GB 11643, or the old 15-digit form) standing alone in a
 * string, or an 11-digit mainland mobile number. Digits around the match rule it out, so a longer
 * number is not taken for one of these.
 */
const ID_NUMBER_SHAPE = /(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9Xx])/g;
const MOBILE_SHAPE = /(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])/g;

/**
 * Whether a string holds something shaped like a resident ID number or a mobile phone number.
 *
 * @example
 * ```ts
 * containsPersonalData("k-13800138000"); // true
 * containsPersonalData("p-0001");        // false
 * ```
 */
export function containsPersonalData(text: string): boolean {
  ID_NUMBER_SHAPE.lastIndex = 0;
  MOBILE_SHAPE.lastIndex = 0;
  return ID_NUMBER_SHAPE.test(text) || MOBILE_SHAPE.test(text);
}

/**
 * Masks, by their shape, every ID number and mobile number inside a free text: what audit
 * exports, histories and messages do with text a person typed.
 *
 * @example
 * ```ts
 * redactPersonalData("call 13812345678"); // "call 138****5678"
 * ```
 */
export function redactPersonalData(text: string): string {
  return text
    .replace(ID_NUMBER_SHAPE, (m) => `${m.slice(0, 6)}${"*".repeat(m.length - 10)}${m.slice(-4)}`)
    .replace(MOBILE_SHAPE, (m) => {
      const d = m.replace(/[^0-9]/g, "").slice(-11);
      return `${d.slice(0, 3)}****${d.slice(7)}`;
    });
}
