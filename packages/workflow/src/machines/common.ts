import type { EventMeta, Role } from "../types";

/** An event as a machine sees it: its type, its payload, and the engine's meta fields. */
export type MachineEvent<T extends string, P extends object = object> = { readonly type: T } & P & EventMeta;

/** Minutes to milliseconds. */
export const MINUTE = 60_000;
/** Hours to milliseconds. */
export const HOUR = 60 * MINUTE;
/** Days to milliseconds. */
export const DAY = 24 * HOUR;

/**
 * Whether the event's actor is the given person or body (by id or the org it acts for).
 *
 * @example
 * ```ts
 * actorIs({ actor: { id: "w1", orgId: "sp1" } }, "sp1"); // true
 * ```
 */
export function actorIs(
  event: { readonly actor?: { readonly id: string; readonly orgId?: string } },
  id: string | null,
): boolean {
  if (id === null || event.actor === undefined) return false;
  return event.actor.id === id || event.actor.orgId === id;
}

/**
 * Whether the event's actor acts in one of the roles.
 *
 * @example
 * ```ts
 * actorRoleIn({ actor: { role: "family" } }, ["family", "cadre"]); // true
 * ```
 */
export function actorRoleIn(event: { readonly actor?: { readonly role: Role } }, roles: readonly Role[]): boolean {
  return event.actor !== undefined && roles.includes(event.actor.role);
}
