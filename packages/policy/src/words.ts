import { containsPersonalData } from "@elderflow/core";

// Error params of this package name things a policy author wrote (facts, operators, ranks,
// parameters, ids), never values a resident's record carried. A name that is not shaped like an
// identifier (ASCII, at most 64 characters, never an ID number or a phone) is not repeated at all:
// it could be anything a record held, a name, a phone number, a whole line of text.
const NAME_SHAPE = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/** The name itself when it is shaped like an identifier, `?` otherwise. */
export function safeName(value: unknown): string {
  return typeof value === "string" && NAME_SHAPE.test(value) && !containsPersonalData(value) ? value : "?";
}

/** Up to five names, each through {@link safeName}, joined with `sep`. */
export function safeNames(values: readonly unknown[], sep = ", "): string {
  const shown = values.slice(0, 5).map(safeName).join(sep);
  return values.length > 5 ? `${shown}${sep}…` : shown;
}
