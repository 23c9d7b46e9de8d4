/**
 * Hostile input for the adversarial suites: strings no boundary should accept as ids or keys,
 * personal data planted where it must never come back out, and a scan of everything a run printed.
 */
import { containsPersonalData, makeIdNumber, redactPersonalData } from "@elderflow/core";
import fc from "fast-check";

/** A resident ID number with a valid checksum (what a careless import puts in an id field). */
export const ID_NUMBER = makeIdNumber("110101", "1949-10-01", 7);
/** A mobile number. */
export const PHONE = "13800138000";
/** A name planted in free text and keys; it must never appear in an error. */
export const NAME = "林芳丽";

/** Strings that are not canonical keys: each is refused wherever an id or key is expected. */
export const badKey: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    "k\ud800",
    "\udc00k",
    "k\u0000",
    "k\u001b[31m",
    "k\u202e",
    "e\u0301",
    "",
    "k".repeat(201),
    `k-${PHONE}`,
    `${NAME}-${PHONE}-1`,
    ID_NUMBER,
    `+86 138 0013 8000`,
    42,
    null,
    ["k"],
    { k: 1 },
  ),
  fc.string({ unit: "binary", maxLength: 6 }).map((s) => `h-${s}\ud800`),
  fc.string({ unit: "binary", maxLength: 6 }).map((s) => `h-${s}\u0000`),
);

/** Values nested far deeper than any schema allows (built without recursion). */
export function deep(depth: number): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v };
  return v;
}

/** Free text holding personal data. */
export const personalText = fc.constantFrom(
  `${NAME} 电话 ${PHONE}`,
  `身份证 ${ID_NUMBER}`,
  `call +86 138-0013-8000 now`,
  `${NAME}说：请联系${PHONE}`,
);

/** Patterns that must never appear in anything a run produced: results, errors, exports, logs. */
export function leaks(raw: string): string[] {
  // Hashes and signatures (long hex or base64url runs) are not personal data, whatever digits they hold.
  const text = raw.replace(/[0-9a-f]{32,}/gi, "<hash>").replace(/[A-Za-z0-9_-]{43,}={0,2}/g, "<sig>");
  const found: string[] = [];
  if (containsPersonalData(text)) found.push("id-number-or-phone");
  if (text.includes(NAME)) found.push("name");
  if (/\\ud[89a-f][0-9a-f]{2}/i.test(text)) found.push("lone-surrogate");
  if (text.includes("\\u0000") || text.includes("\u0000")) found.push("nul");
  return found;
}

/** Where in a text the first leak is, for a failure message (masked, so the message leaks nothing). */
export function leakContext(raw: string): string {
  const text = raw.replace(/[0-9a-f]{32,}/gi, "<hash>").replace(/[A-Za-z0-9_-]{43,}={0,2}/g, "<sig>");
  const m = /(?<![0-9])(?:1[3-9][0-9]{9}|[1-9][0-9]{14,17})(?![0-9])|\\u0000|\\ud[89a-f][0-9a-f]{2}/i.exec(text) ?? {
    index: text.indexOf(NAME),
  };
  const at = Math.max(0, m.index);
  return redactPersonalData(text.slice(Math.max(0, at - 120), at + 60));
}

/** The JSON text of anything, for the leak scan (errors become their JSON form and message). */
export function textOf(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Error)
      return {
        name: v.name,
        message: v.message,
        ...(typeof (v as { toJSON?: unknown }).toJSON === "function"
          ? (v as unknown as { toJSON(): object }).toJSON()
          : {}),
      };
    if (typeof v === "bigint") return String(v);
    return v;
  });
}
