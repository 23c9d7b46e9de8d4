/**
 * Erasure (删除个人信息): a person's personal data lives only outside the hash chain (the chain
 * holds ids, numbers, dates and codes), so erasing it removes the free-text notes of every command
 * that involves the person and leaves the chain, and its verification, untouched.
 */
import {
  Actor,
  type ActorInput,
  actorReaches,
  assertText,
  type Clock,
  ElderflowError,
  ID_RULES,
  parseOrThrow,
} from "@elderflow/core";
import type { JournalEntry } from "./journal";
import type { ErasurePlan, ErasureRecord, TimeBankStore } from "./stores/types";

/** Command fields that name a person (as opposed to an entry, a community or a date). */
const PERSON_FIELDS = ["volunteer", "recipient", "beneficiary", "registeredBy", "signedBy", "by", "person", "actor"];

/**
 * What an erasure must touch: the command keys whose notes go, and the communities they are in.
 *
 * @example
 * ```ts
 * const { keys, communities }: PersonFootprint = personFootprint(entries, "r-0042");
 * ```
 */
export interface PersonFootprint {
  /** Keys of the commands that involve the person, directly or through the entry they settle. */
  readonly keys: readonly string[];
  /** The communities of those commands. */
  readonly communities: readonly string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Every command in a journal that involves a person: as volunteer, recipient, signer,
 * registrar, beneficiary, family, verifier or actor, or by settling or reversing an entry they are
 * party to; with the communities those commands are in. Pure; one pass over the journal.
 *
 * @example
 * ```ts
 * personFootprint(await bank.journal(), "r-0042").keys; // ["rec-1", "rej-1"]
 * ```
 */
export function personFootprint(entries: readonly JournalEntry[], personId: string): PersonFootprint {
  const communityOf = new Map<string, string>();
  /** Record or withdrawal key -> its parties and communities. */
  const movements = new Map<string, { people: Set<string>; communities: string[] }>();
  /** Settling command key -> the entry it settled (a reversal may name either). */
  const settles = new Map<string, string>();
  const keys: string[] = [];
  const communities = new Set<string>();
  for (const e of entries) {
    if (e.command === null || !e.result.ok) continue;
    const c = e.command as unknown as Record<string, unknown>;
    const op = str(c.op);
    const people = new Set<string>();
    for (const f of PERSON_FIELDS) {
      const v = str(c[f]);
      if (v !== undefined) people.add(v);
    }
    if (Array.isArray(c.family)) for (const f of c.family) if (typeof f === "string") people.add(f);
    const own: string[] = [];
    const community = str(c.community);
    const volunteerCommunity = communityOf.get(str(c.volunteer) ?? "");
    if (op === "enroll" && community !== undefined && !communityOf.has(str(c.volunteer) ?? ""))
      communityOf.set(str(c.volunteer) ?? "", community);
    if (community !== undefined) own.push(community);
    if (volunteerCommunity !== undefined) own.push(volunteerCommunity);
    if (op === "record" || op === "withdraw") movements.set(e.key, { people, communities: own });
    let target: { people: Set<string>; communities: string[] } | undefined;
    const ref = str(c.entry) ?? str(c.withdrawal);
    if (ref !== undefined) {
      const entryKey = movements.has(ref) ? ref : settles.get(ref);
      if (entryKey !== undefined) {
        if (op !== "reverse") settles.set(e.key, entryKey);
        target = movements.get(entryKey);
      }
    }
    if (people.has(personId) || target?.people.has(personId)) {
      keys.push(e.key);
      for (const x of own) communities.add(x);
      for (const x of target?.communities ?? []) communities.add(x);
    }
  }
  return { keys, communities: [...communities].sort() };
}

/**
 * What {@link erasePersonIn} needs from the bank.
 *
 * @example
 * ```ts
 * const ctx: ErasureContext = { store, clock, journal: () => bank.journal() };
 * ```
 */
export interface ErasureContext {
  /** The bank's store. */
  readonly store: TimeBankStore;
  /** The bank's clock. */
  readonly clock: Clock;
  /** The journal as stored now. */
  readonly journal: () => Promise<JournalEntry[]>;
}

/**
 * Erases a person's notes through a store and records the erasure (see `bank.erasePerson`). The
 * actor must be the host (`system`), the bureau, or an `admin` reaching every community the person
 * appears in (else `NOT_AUTHORIZED` or `WRONG_COMMUNITY`, and nothing is erased).
 *
 * @example
 * ```ts
 * await erasePersonIn({ store, clock, journal: () => bank.journal() }, "r-0042", { id: "admin-1", roles: ["admin"], communities: ["c1"] });
 * ```
 */
export async function erasePersonIn(
  ctx: ErasureContext,
  personId: string,
  actorInput: ActorInput,
): Promise<ErasureRecord> {
  const actor = parseOrThrow(Actor, actorInput, ["actor"]);
  assertText(personId, ID_RULES, ["personId"]);
  const district = actor.roles.includes("system") || actor.roles.includes("bureau");
  if (!district && !actor.roles.includes("admin")) throw new ElderflowError("NOT_AUTHORIZED", { path: ["actor"] });
  const known = await ctx.journal();
  const at = new Date(ctx.clock.now()).toISOString();
  return ctx.store.erase(known.at(-1)?.seq ?? 0, (missed): ErasurePlan => {
    const all = missed.length === 0 ? known : [...known, ...missed];
    const footprint = personFootprint(all, personId);
    if (!district)
      for (const c of footprint.communities)
        if (!actorReaches(actor, c)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["actor"] });
    return {
      keys: footprint.keys,
      record: { person: personId, actor: actor.id, at, journalLength: all.at(-1)?.seq ?? 0 },
    };
  });
}
