/**
 * The canonical text of a submitted command, made without recursion: a command is a flat JSON
 * object (values are strings, numbers, booleans, null or short arrays of those), so anything
 * deeper, larger or not well-formed is refused before it is fingerprinted, journaled or stored.
 * Internal: not exported from the package.
 */
import { isWellFormedText } from "@elderflow/core";

/** Most fields a command may carry (the widest command has eight). */
const MAX_FIELDS = 32;
/** Most items of an array field (`family` holds at most 50). */
const MAX_ITEMS = 100;
/** Longest string in a command (free-text reasons hold at most 2,000). */
const MAX_STRING = 4000;

function scalarText(v: unknown): string | null {
  switch (typeof v) {
    case "string":
      return v.length <= MAX_STRING && isWellFormedText(v) ? JSON.stringify(v) : null;
    case "number":
      return Number.isFinite(v) ? String(v) : null;
    case "boolean":
      return v ? "true" : "false";
    default:
      return v === null ? "null" : null;
  }
}

/**
 * The canonical JSON of a command as submitted (object keys sorted by code unit, no white space,
 * `undefined` fields left out), the same text `canonicalJson` writes for it; or null when it is not
 * a flat object of well-formed, bounded values. Bounded work: at most {@link MAX_FIELDS} fields of
 * at most {@link MAX_ITEMS} items, whatever the input.
 */
export function commandText(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const proto = Object.getPrototypeOf(raw);
  if (proto !== Object.prototype && proto !== null) return null;
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > MAX_FIELDS) return null;
  keys.sort();
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (k.length > MAX_STRING || !isWellFormedText(k)) return null;
    let text: string | null;
    if (Array.isArray(v)) {
      if (v.length > MAX_ITEMS) return null;
      text = "[";
      for (let i = 0; i < v.length; i++) {
        const item = scalarText(v[i]);
        if (item === null) return null;
        text += i > 0 ? `,${item}` : item;
      }
      text += "]";
    } else text = scalarText(v);
    if (text === null) return null;
    out += `${first ? "" : ","}${JSON.stringify(k)}:${text}`;
    first = false;
  }
  return `${out}}`;
}
