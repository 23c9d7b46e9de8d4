import { ElderflowError, parseJsonText } from "@elderflow/core";
import type { FactSet } from "./facts";
import { createPolicy, type Policy, type PolicyOptions } from "./policy";
import { PRESET_FACT_SETS } from "./presets";
import { safeName } from "./words";

/**
 * Loads a policy from its JSON form (an object or a JSON string), resolving its fact set by id
 * among the given ones (default: the presets' fact sets) and validating everything: unknown facts
 * (`UNKNOWN_FACT`), unknown operators (`UNKNOWN_OPERATOR`), overlapping periods
 * (`OVERLAPPING_PERIODS`) and malformed parts (`INVALID_POLICY`), each with the path of the place.
 * JSON text that does not parse is `INVALID_JSON` with its line and column, never the text.
 *
 * @example
 * ```ts
 * const again = loadPolicy(serializePolicy(birthdayPolicy()));
 * again.decide({ retirementKind: "lixiu", rank: "county", age: 70 }, "2027-01-01").granted; // true
 * ```
 */
export function loadPolicy<T = unknown>(
  input: unknown,
  factSets: readonly FactSet[] = PRESET_FACT_SETS,
  options: PolicyOptions = {},
): Policy<T> {
  // Core's reader: a BOM is dropped, an error says line and column and never quotes the text.
  const json = typeof input === "string" ? parseJsonText(input) : input;
  const id = typeof json === "object" && json !== null ? (json as { facts?: unknown }).facts : undefined;
  const facts = factSets.find((f) => f.id === id);
  if (!facts)
    throw new ElderflowError("INVALID_POLICY", {
      path: ["facts"],
      params: { detail: `unknown fact set ${safeName(id)}` },
    });
  return createPolicy<T>(json, facts, options);
}

/**
 * The JSON text of a policy: stable key order as authored, two-space indent, for storage and diffs.
 *
 * @example
 * ```ts
 * const text = serializePolicy(birthdayPolicy());
 * ```
 */
export function serializePolicy(policy: Pick<Policy, "toJSON">): string {
  return `${JSON.stringify(policy.toJSON(), null, 2)}\n`;
}
