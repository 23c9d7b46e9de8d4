/**
 * The seams the wiring crosses, in one place: how an outbox item becomes a typed event (the
 * workflow package's own schemas) and how the wiring lists the time bank's service entries.
 * Internal: nothing here is exported from the package.
 */
import type { ActingTimeBank, EntryView } from "@elderflow/timebank";
import { type EmittedEvent, type OutboxItem, parseEmitted as parseWith } from "@elderflow/workflow";

export type { EmittedEvent, EmittedEventOf } from "@elderflow/workflow";

/** Parses an outbox item into the typed event; a malformed item throws its typed error (dead-lettered). */
export function parseEmitted(item: OutboxItem): EmittedEvent {
  const r = parseWith(item);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Every posted service entry of the wiring's namespace (`prefix`) the actor reaches. */
export function postedServiceEntries(bank: ActingTimeBank, prefix: string): EntryView[] {
  return bank.entries({ keyPrefix: prefix, status: "posted" }).filter((e) => e.kind === "record");
}
