import type { ErrorCode, SqlClient } from "@elderflow/core";
import { MYSQL_TABLE, mysqlJson, mysqlText, mysqlTextOrNull, mysqlValues, onlyDuplicatesIgnored } from "./mysqlRows";
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

/** A row (text and JSON already decoded) as a letter. */
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

/** The store's SQL, once per dialect (PostgreSQL and PGlite share one, MySQL and MariaDB the other). */
interface DeadLetterSql {
  /** Creates the table; safe to run again. */
  readonly schema: string;
  /** Inserts the letters whose id is new; returns how many went in. */
  add(sql: SqlClient, letters: readonly DeadLetter[]): Promise<number>;
  /** Every letter, oldest first, then by id. */
  list(sql: SqlClient): Promise<DeadLetter[]>;
  /** Replaces a person's id by the erased marker; returns how many letters changed. */
  forget(sql: SqlClient, personId: string): Promise<number>;
}

/** PostgreSQL and PGlite: the letters travel as one jsonb parameter. */
const PG_LETTERS: DeadLetterSql = {
  schema: `create table if not exists elderflow_dead_letters (
    id text primary key, instance_id text not null, machine text not null, type text not null,
    code text not null, at bigint not null, community_id text, entry_id text, person_ids jsonb not null)`,
  async add(sql, list) {
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
  async list(sql) {
    const r = await sql.query<Record<string, unknown>>(
      `select id, instance_id, machine, type, code, at, community_id, entry_id, person_ids
       from elderflow_dead_letters order by at, id`,
    );
    return r.rows.map(toLetter);
  },
  async forget(sql, personId) {
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

/** A MySQL row as a letter: `varbinary` columns come back as bytes, the person ids as JSON text. */
const fromMysql = (r: Record<string, unknown>): DeadLetter =>
  toLetter({
    ...r,
    id: mysqlText(r.id),
    instance_id: mysqlText(r.instance_id),
    community_id: mysqlTextOrNull(r.community_id),
    entry_id: mysqlTextOrNull(r.entry_id),
    person_ids: mysqlJson(r.person_ids),
  });

/**
 * MySQL 8 and MariaDB 10.6+: ids as `varbinary` (byte-exact like PostgreSQL's text; an outbox id is
 * an instance key of up to 200 characters plus its sequence), person ids as JSON text.
 */
/** Two writers inserting the same new ids at once may meet in an InnoDB deadlock: run again. */
const MYSQL_WRITES = { retries: 3 } as const;

const MYSQL_LETTERS: DeadLetterSql = {
  schema: `create table if not exists elderflow_dead_letters (
    id varbinary(1024) primary key,
    instance_id varbinary(800) not null,
    machine varchar(255) not null,
    type varchar(255) not null,
    code varchar(64) not null,
    at bigint not null,
    community_id varbinary(800),
    entry_id varbinary(800),
    person_ids longtext not null
  ) ${MYSQL_TABLE}`,
  async add(sql, list) {
    // One connection for each insert and its warning count (see onlyDuplicatesIgnored).
    return sql.transaction(async (tx) => {
      let added = 0;
      for (let i = 0; i < list.length; i += 500) {
        const chunk = list.slice(i, i + 500);
        const v = mysqlValues(
          chunk.map((l) => [
            l.id,
            l.instanceId,
            l.machine,
            l.type,
            l.code,
            l.at,
            l.communityId ?? null,
            l.entryId ?? null,
            JSON.stringify(l.personIds),
          ]),
        );
        const r = await tx.query(
          `insert ignore into elderflow_dead_letters
            (id, instance_id, machine, type, code, at, community_id, entry_id, person_ids) values ${v.list}`,
          v.params,
        );
        const inserted = r.rowCount ?? 0;
        await onlyDuplicatesIgnored(tx, chunk.length, inserted, ["letters"]);
        added += inserted;
      }
      return added;
    }, MYSQL_WRITES);
  },
  async list(sql) {
    const r = await sql.query<Record<string, unknown>>(
      `select id, instance_id, machine, type, code, at, community_id, entry_id, person_ids
       from elderflow_dead_letters order by at, id`,
    );
    return r.rows.map(fromMysql);
  },
  async forget(sql, personId) {
    // No `jsonb_agg` over `jsonb_array_elements`: the text search narrows the rows (locked), and
    // the lists are rewritten here.
    return sql.transaction(async (tx) => {
      const r = await tx.query<Record<string, unknown>>(
        "select id, person_ids from elderflow_dead_letters where instr(person_ids, $1) > 0 for update",
        [JSON.stringify(personId)],
      );
      let changed = 0;
      for (const row of r.rows) {
        const ids = mysqlJson<string[]>(row.person_ids);
        if (!ids.includes(personId)) continue;
        await tx.query("update elderflow_dead_letters set person_ids = $2 where id = $1", [
          row.id,
          JSON.stringify(ids.map((p) => (p === personId ? ERASED_ID : p))),
        ]);
        changed++;
      }
      return changed;
    }, MYSQL_WRITES);
  },
};

/**
 * Dead letters in the `elderflow_dead_letters` table of a PGlite, PostgreSQL, MySQL 8 or MariaDB
 * 10.6+ database (the one that holds the tasks, the time bank and the workflows); the table follows
 * `sql.dialect`.
 *
 * @example
 * ```ts
 * const letters = await sqlDeadLetters(sqlFromPglite(new PGlite()));
 * ```
 */
export async function sqlDeadLetters(sql: SqlClient): Promise<DeadLetterStore> {
  const db = sql.dialect === "mysql" ? MYSQL_LETTERS : PG_LETTERS;
  await sql.exec(db.schema);
  return {
    async add(list) {
      if (list.length === 0) return 0;
      // In id order: two processes adding overlapping lists take the key locks in the same order,
      // where in the order given they could deadlock.
      return db.add(
        sql,
        [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      );
    },
    list: () => db.list(sql),
    forget: (personId) => db.forget(sql, personId),
  };
}
