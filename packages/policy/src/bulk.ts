import { ElderflowError, type IsoDate } from "@elderflow/core";
import { type Explanation, explain } from "./explain";
import type { DecideOptions, Decision, Policy } from "./policy";

/** Options of {@link evaluateAll}. */
export interface BulkOptions extends DecideOptions {
  /** The as-of date of every decision. */
  readonly on: IsoDate;
  /** Parse each record with the fact set's schema first (default true; false for trusted, typed records). */
  readonly validate?: boolean;
  /** Attach an explanation to each decision (default false: explanations are off in bulk mode). */
  readonly explain?: boolean;
}

/** One record's result: a decision, or the typed error that stopped it (other records go on). */
export type BulkResult =
  | { readonly index: number; readonly ok: true; readonly decision: Decision; readonly explanation?: Explanation }
  | { readonly index: number; readonly ok: false; readonly error: ElderflowError };

/**
 * Evaluates a policy over a stream of records with the compiled evaluator, yielding one result per
 * record as it goes: memory stays flat however long the stream. A bad record yields an error
 * result (`ok: false`) and never stops the rest.
 *
 * @example
 * ```ts
 * for await (const r of evaluateAll(birthdayPolicy(), records, { on: "2027-05-01" })) {
 *   if (r.ok && r.decision.granted) console.log(r.index);
 * }
 * ```
 */
export async function* evaluateAll<T>(
  policy: Policy<T>,
  source: Iterable<unknown> | AsyncIterable<unknown>,
  options: BulkOptions,
): AsyncGenerator<BulkResult, void, undefined> {
  const validate = options.validate ?? true;
  const decideOptions: DecideOptions = options.version === undefined ? {} : { version: options.version };
  let index = 0;
  for await (const record of source) {
    const i = index++;
    let facts: T;
    if (validate) {
      const parsed = policy.facts.parse(record, [i]);
      if (!parsed.ok) {
        yield { index: i, ok: false, error: parsed.error };
        continue;
      }
      facts = parsed.value as T;
    } else facts = record as T;
    try {
      const decision = policy.decide(facts, options.on, decideOptions);
      if (options.explain)
        yield { index: i, ok: true, decision, explanation: explain(policy, facts, options.on, decideOptions) };
      else yield { index: i, ok: true, decision };
    } catch (e) {
      if (!(e instanceof ElderflowError)) throw e;
      yield { index: i, ok: false, error: e };
    }
  }
}
