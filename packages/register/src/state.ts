/**
 * The register as of a day: a pure fold of change events in effective-date order (ties by seq).
 * No I/O here; the stores hand the events in.
 */
import type { IsoDate, Person } from "@elderflow/core";
import {
  CONTACT_FIELDS,
  type HealthPatch,
  type HouseholdPatch,
  type RecordedChange,
  type RegisterChange,
} from "./changes";

/** A person as the fold builds it, before validation (same shape as a parsed `Person`). */
export type PersonState = Person;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Orders changes as the register applies them: by effective date, then by seq.
 *
 * @example
 * ```ts
 * [...changes].sort(byEffective);
 * ```
 */
export function byEffective(
  a: Pick<RecordedChange, "effective" | "seq">,
  b: Pick<RecordedChange, "effective" | "seq">,
) {
  return a.effective < b.effective ? -1 : a.effective > b.effective ? 1 : a.seq - b.seq;
}

function patch<T extends object>(current: T | undefined, change: HouseholdPatch | HealthPatch): T | undefined {
  const out: Record<string, unknown> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length === 0 ? undefined : (out as T);
}

function without<T extends object, K extends keyof T>(o: T, key: K): T {
  const out = { ...o };
  delete out[key];
  return out;
}

/**
 * Applies one change to a person's state (undefined before enrolment). An enrolment replaces the
 * state; any other change on an absent person leaves it absent. A status change sets
 * `statusSince` to its effective date, unless the person already had that status (a second notice
 * of a death does not move the date of death forward).
 *
 * @example
 * ```ts
 * const next = applyChange(person, { kind: "rank", personId: "p1", effective: "2026-03-01",
 *   rank: "county", source: { kind: "correction" } });
 * ```
 */
export function applyChange(state: PersonState | undefined, change: RegisterChange): PersonState | undefined {
  if (change.kind === "enrol") return { ...change.person };
  if (state === undefined) return undefined;
  switch (change.kind) {
    case "status": {
      const keep = state.status === change.status && state.statusSince !== undefined;
      return { ...state, status: change.status, statusSince: keep ? state.statusSince : change.effective };
    }
    case "rank":
      return { ...state, rank: change.rank };
    case "community":
      return { ...state, communityId: change.communityId };
    case "household": {
      const household = patch<NonNullable<Person["household"]>>(state.household, change.household);
      return household === undefined ? without(state, "household") : { ...state, household };
    }
    case "health": {
      const health = patch<NonNullable<Person["health"]>>(state.health, change.health);
      return health === undefined ? without(state, "health") : { ...state, health };
    }
    case "contact": {
      let next: Mutable<PersonState> = { ...state };
      for (const f of CONTACT_FIELDS) {
        const v = change[f];
        if (v === null) next = without(next, f as "phone" | "idNumber");
        else if (v !== undefined) (next as Record<string, unknown>)[f] = v;
      }
      return next;
    }
  }
}

/**
 * The seqs of changes that a later-recorded change supersedes: they count on no day.
 *
 * @example
 * ```ts
 * supersededSeqs(changes).has(5);
 * ```
 */
export function supersededSeqs(changes: readonly Pick<RecordedChange, "supersedes">[]): Set<number> {
  const out = new Set<number>();
  for (const c of changes) if (c.supersedes !== undefined) out.add(c.supersedes);
  return out;
}

/**
 * One person's timeline: the state after each of their changes, in the order the register applies
 * them (superseded changes left out).
 *
 * @example
 * ```ts
 * for (const { change, state } of timeline(changesOfP1)) console.log(change.effective, state?.rank);
 * ```
 */
export function timeline(
  changes: readonly RecordedChange[],
): { change: RecordedChange; state: PersonState | undefined }[] {
  const out: { change: RecordedChange; state: PersonState | undefined }[] = [];
  let state: PersonState | undefined;
  const superseded = supersededSeqs(changes);
  for (const change of changes.filter((c) => !superseded.has(c.seq)).sort(byEffective)) {
    state = applyChange(state, change);
    out.push({ change, state });
  }
  return out;
}

/**
 * The register on a day: every person enrolled on or before it, with every change effective on
 * or before it applied in effective-date order (ties by seq), leaving out superseded changes
 * (pass the superseding ones too, whatever their date). Persons come out sorted by id.
 *
 * @example
 * ```ts
 * registerAsOf(changes, "2026-12-01").get("p1")?.status;
 * ```
 */
export function registerAsOf(changes: readonly RecordedChange[], asOf: IsoDate): Map<string, PersonState> {
  const byPerson = new Map<string, PersonState | undefined>();
  const superseded = supersededSeqs(changes);
  for (const change of changes.filter((c) => c.effective <= asOf && !superseded.has(c.seq)).sort(byEffective)) {
    byPerson.set(change.personId, applyChange(byPerson.get(change.personId), change));
  }
  const out = new Map<string, PersonState>();
  for (const id of [...byPerson.keys()].sort()) {
    const p = byPerson.get(id);
    if (p !== undefined) out.set(id, p);
  }
  return out;
}
