import type { Commit, StoredTimer } from "../types";

/**
 * The timers a commit stores, one per timer id: when a commit names an id twice the last one wins,
 * as in the memory store (PostgreSQL refuses to upsert one row twice in a statement).
 */
export function addedTimers(c: Commit): StoredTimer[] {
  if (c.addTimers.length < 2) return [...c.addTimers];
  return [...new Map(c.addTimers.map((t) => [`${t.instanceId}\u0000${t.timerId}`, t])).values()];
}

/** The timer ids a commit deletes: the cancelled ones and the fired one, unless it stores them again. */
export function droppedTimerIds(c: Commit): string[] {
  const readded = new Set(c.addTimers.map((t) => t.timerId));
  const drop = new Set<string>();
  for (const t of c.cancelTimers) if (!readded.has(t)) drop.add(t);
  if (c.firedTimer !== undefined && !readded.has(c.firedTimer.timerId)) drop.add(c.firedTimer.timerId);
  return [...drop];
}
