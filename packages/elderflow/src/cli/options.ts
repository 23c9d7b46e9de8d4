import { isIsoDate } from "@elderflow/core";
import { usageError } from "./io";

/** Parses an integer option or stops with a usage error. */
export function parseIntOption(name: string, value: string): number {
  if (!/^-?\d+$/.test(value)) usageError(`${name} expects an integer, got ${value.slice(0, 20)}`);
  return Number(value);
}

/** Checks a `YYYY-MM-DD` option or stops with a usage error. */
export function parseDateOption(name: string, value: string): string {
  if (!isIsoDate(value)) usageError(`${name} expects an existing date YYYY-MM-DD, got ${value.slice(0, 20)}`);
  return value;
}
