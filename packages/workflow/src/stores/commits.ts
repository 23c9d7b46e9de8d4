import type { Commit, StoredTimer } from "../types";

/**
 * The timers a commit stores, one per timer id: when a commit names an id twice the last one wins,
 * as in the memory store (PostgreSQL refuses to upsert one row twice in a statement).
 */
export function addedTimers(c: Commit): StoredTimer[] {
  if (c.addTimers.length < 2) return [...c.addTimers];
  return [...new Map(c.addTimers.map((t) => [`${t.instanceId}\u0000${t.timerId}`, t])).values()];
}
