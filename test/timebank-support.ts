/**
 * Test support for the time bank: a stars fixture (the real thresholds live in @elderflow/policy),
 * command builders, and a private PostgreSQL schema per test file.
 */
import type { ActorInput } from "@elderflow/core";
import type { ActingTimeBank, TimeBank } from "@elderflow/timebank";
import pg from "pg";

/** The host's own batch work (replays, imports): the `system` role acts as any named person. */
export const HOST: ActorInput = { id: "host", roles: ["system"] };

/** A bank as the host uses it in tests: acting as {@link HOST}, with the journal at hand. */
export type HostBank = ActingTimeBank & Pick<TimeBank, "journal" | "verifyJournal" | "anchor" | "close" | "refresh">;

/** The host's view of a bank. */
export function asHost(bank: TimeBank): HostBank {
  return Object.assign(bank.as(HOST), {
    journal: () => bank.journal(),
    verifyJournal: (...args: Parameters<TimeBank["verifyJournal"]>) => bank.verifyJournal(...args),
    anchor: () => bank.anchor(),
    close: () => bank.close(),
    refresh: () => bank.refresh(),
  });
}

/** Test-only stars: one per 100 hours, at most five (mirrors rule 14, not imported from policy). */
export const testStars = (earnedMinutes: number): number => Math.max(0, Math.min(5, Math.floor(earnedMinutes / 6000)));

/** The PostgreSQL URL of the test server. */
export const PG_URL = process.env.ELDERFLOW_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh schema name unique to this test file and process. */
export function schemaName(tag: string): string {
  return `tb_${tag}_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`.toLowerCase();
}

/** Drops a schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** Runs one statement in a schema (for tampering tests). */
export async function inSchema(schema: string, sql: string, params: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Command builders for a small community: grants, enrolments, records with verification. */
export const cmd = {
  grant: (key: string, person: string, role: "registrar" | "verifier", community = "c1") => ({
    op: "grant",
    key,
    person,
    role,
    community,
  }),
  enroll: (key: string, volunteer: string, community = "c1", family: string[] = []) => ({
    op: "enroll",
    key,
    volunteer,
    community,
    family,
  }),
  record: (
    key: string,
    volunteer: string,
    minutes: number,
    on = "2027-01-05",
    recipient = "r1",
    registeredBy = "reg1",
  ) => ({
    op: "record",
    key,
    volunteer,
    recipient,
    minutes,
    on,
    signedBy: recipient,
    registeredBy,
  }),
  verify: (key: string, entry: string, by = "ver1", on = "2027-01-08") => ({ op: "verify", key, entry, by, on }),
  reject: (key: string, entry: string, by = "ver1", reason = "no signature") => ({
    op: "reject",
    key,
    entry,
    by,
    reason,
  }),
  withdraw: (key: string, volunteer: string, minutes: number, beneficiary = volunteer, on = "2027-01-10") => ({
    op: "withdraw",
    key,
    volunteer,
    beneficiary,
    minutes,
    on,
  }),
  fulfil: (key: string, withdrawal: string, on = "2027-01-11") => ({ op: "fulfil", key, withdrawal, on }),
  cancel: (key: string, withdrawal: string) => ({ op: "cancel", key, withdrawal }),
  reverse: (key: string, entry: string, on = "2027-01-12", by = "ver1", reason = "entered twice") => ({
    op: "reverse",
    key,
    entry,
    by,
    reason,
    on,
  }),
  close: (key: string, period: string, community = "c1", by = "ver1") => ({
    op: "closePeriod",
    key,
    community,
    period,
    by,
  }),
};

/** The staff and volunteers most tests start from. */
export const SETUP = [
  cmd.grant("g1", "reg1", "registrar"),
  cmd.grant("g2", "ver1", "verifier"),
  cmd.grant("g3", "reg2", "registrar", "c2"),
  cmd.grant("g4", "ver2", "verifier", "c2"),
  cmd.enroll("e1", "v1", "c1", ["f1"]),
  cmd.enroll("e2", "v2", "c1"),
  cmd.enroll("e3", "w1", "c2"),
];
