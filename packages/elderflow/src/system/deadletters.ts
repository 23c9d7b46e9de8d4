import type { ErrorCode, SqlClient } from "@elderflow/core";
import { ERASED_ID } from "./tasks";

/**
 * An emitted workflow event the wiring could not apply (死信): kept, with the refusal code and the
 * ids it concerns, until someone acts on it, so that no verified service is lost silently. Ids and
 * codes only: no names, no free text, no input values.
 */
export interface DeadLetter {
  /** The outbox item's id (`<instanceId>:<seq>:<n>`): one dead letter per emitted event. */
  readonly id: string;
  /** The workflow instance that emitted it. */
  readonly instanceId: string;
  /** Its machine. */
  readonly machine: string;
  /** The emitted event's type. */
  readonly type: string;
  /** Why it was not applied. */
  readonly code: ErrorCode;
  /** When the wiring gave up on it (epoch ms, from the clock). */
  readonly at: number;
  /** The community concerned, when known (a letter without one is seen by the district's bodies only). */
  readonly communityId?: string;
  /** The service entry concerned, for verified services. */
  readonly entryId?: string;
  /** The persons concerned (their ids), for erasure. */
  readonly personIds: readonly string[];
}

/** Where dead letters are kept: memory, or a table in the same database as the tasks. */
export interface DeadLetterStore {
  /** Adds letters; a letter whose id is already there is left as it is. Returns how many were new. */
  add(letters: readonly DeadLetter[]): Promise<number>;
  /** Every letter, oldest first. */
  list(): Promise<DeadLetter[]>;
  /** Erasure: replaces a person's id in every letter by the erased marker; returns how many changed. */
  forget(personId: string): Promise<number>;
}

const byAtThenId = (a: DeadLetter, b: DeadLetter) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Dead letters in memory.
 *
 * @example
 * ```ts
 * const letters = memoryDeadLetters();
 * await letters.add([{ id: "i1:4:0", instanceId: "i1", machine: "verification", type: "verification.service_verified", code: "NOT_AUTHORIZED", at: 0, personIds: [] }]);
 * ```
 */
export function memoryDeadLetters(): DeadLetterStore {
  const letters = new Map<string, DeadLetter>();
  return {
    async add(list) {
      let added = 0;
      for (const l of list) {
        if (letters.has(l.id)) continue;
        letters.set(l.id, l);
        added++;
      }
      return added;
    },
    async list() {
      return [...letters.values()].sort(byAtThenId);
    },
    async forget(personId) {
      let changed = 0;
      for (const [id, l] of letters)
        if (l.personIds.includes(personId)) {
          letters.set(id, { ...l, personIds: l.personIds.map((p) => (p === personId ? ERASED_ID : p)) });
          changed++;
        }
      return changed;
    },
  };
}

/**
 * Dead letters in the `elderflow_dead_letters` table of a PGlite or PostgreSQL database (the one
 * that holds the tasks, the time bank and the workflows).
 *
 * @example
 * ```ts
 * const letters = await sqlDeadLetters(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlDeadLetters(sql: SqlClient): Promise<DeadLetterStore> {
  await sql.exec(`create table if not exists elderflow_dead_letters (
    id text primary key, instance_id text not null, machine text not null, type text not null,
    code text not null, at bigint not null, community_id text, entry_id text, person_ids jsonb not null)`);
  const toLetter = (r: Record<string, unknown>): DeadLetter => ({
    id: String(r.id),
    instanceId: String(r.instance_id),
    machine: String(r.machine),
    type: String(r.type),
    code: String(r.code) as ErrorCode,
    at: Number(r.at),
    ...(r.community_id === null ? {} : { communityId: String(r.community_id) }),
    ...(r.entry_id === null ? {} : { entryId: String(r.entry_id) }),
    personIds: r.person_ids as string[],
  });
  return {
    async add(list) {
      if (list.length === 0) return 0;
      const r = await sql.query<{ id: string }>(
        `insert into elderflow_dead_letters (id, instance_id, machine, type, code, at, community_id, entry_id, person_ids)
         select * from jsonb_to_recordset($1::jsonb) as t(id text, instance_id text, machine text, type text,
           code text, at bigint, community_id text, entry_id text, person_ids jsonb)
         on conflict (id) do nothing returning id`,
        [
          JSON.stringify(
            list.map((l) => ({
              id: l.id,
              instance_id: l.instanceId,
              machine: l.machine,
              type: l.type,
              code: l.code,
              at: l.at,
              community_id: l.communityId ?? null,
              entry_id: l.entryId ?? null,
              person_ids: l.personIds,
            })),
          ),
        ],
      );
      return r.rows.length;
    },
    async list() {
      const r = await sql.query<Record<string, unknown>>(
        `select id, instance_id, machine, type, code, at, community_id, entry_id, person_ids
         from elderflow_dead_letters order by at, id`,
      );
      return r.rows.map(toLetter);
    },
    async forget(personId) {
      const r = await sql.query(
        `update elderflow_dead_letters set person_ids = (
           select jsonb_agg(case when p = to_jsonb($1::text) then to_jsonb($2::text) else p end)
           from jsonb_array_elements(person_ids) as p)
         where person_ids ? $1 returning id`,
        [personId, ERASED_ID],
      );
      return r.rows.length;
    },
  };
}
