/**
 * Concurrency on PostgreSQL: 16 clients, each its own time bank with its own connection, hammer a
 * few hot accounts at once. The outcome must equal a serial replay of the same commands in the
 * order the database committed them: same result for every command, same accounts, same ledger,
 * same journal (equal head hash), minutes conserved.
 */
import { fixedClock, seededRandom } from "@elderflow/core";
import { type CommandResult, createTimeBank, memoryStore, postgresStore } from "@elderflow/timebank";
import { afterAll, describe, expect, it } from "vitest";
import {
  asHost,
  cmd,
  dropSchema,
  type HostBank,
  inSchema,
  PG_URL,
  SETUP,
  schemaName,
  testStars,
} from "./timebank-support";

const CLIENTS = 16;
const clock = fixedClock("2027-01-04T09:00:00+08:00");
const schema = schemaName("concurrency");
afterAll(() => dropSchema(schema));

/** Each client's commands on three hot volunteers; some keys are shared by several clients. */
function clientStream(client: number): Record<string, unknown>[] {
  const rnd = seededRandom(1000 + client);
  const hot = ["v1", "v2", "w1"];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < 12; i++) {
    const v = hot[rnd.int(0, 2)] as string;
    const registrar = v === "w1" ? "reg2" : "reg1";
    const verifier = v === "w1" ? "ver2" : "ver1";
    const r = `c${client}-r${i}`;
    out.push(cmd.record(r, v, rnd.int(10, 60), "2027-01-05", "r1", registrar));
    out.push(cmd.verify(`c${client}-vf${i}`, r, verifier));
    // Withdrawals race for the same hot balances: which ones fit depends on the commit order.
    const w = `c${client}-w${i}`;
    out.push(cmd.withdraw(w, v, rnd.int(20, 90)));
    out.push(rnd.chance(0.7) ? cmd.fulfil(`c${client}-fu${i}`, w) : cmd.cancel(`c${client}-ca${i}`, w));
    // The same command sent by several clients: exactly one decides it, the others replay it.
    if (i % 4 === 0) out.push(cmd.record(`shared-${i}`, "v1", 15, "2027-01-06"));
  }
  return out;
}

describe("16 concurrent clients on PostgreSQL", () => {
  it("end in the state of the serial replay of the committed order", async () => {
    const setup = asHost(
      await createTimeBank({
        store: postgresStore({ connectionString: PG_URL, schema, max: 1 }),
        clock,
        stars: testStars,
      }),
    );
    await setup.submitMany(SETUP);
    await setup.close();

    const banks: HostBank[] = [];
    for (let c = 0; c < CLIENTS; c++)
      banks.push(
        asHost(
          await createTimeBank({
            store: postgresStore({ connectionString: PG_URL, schema, max: 1 }),
            clock,
            stars: testStars,
          }),
        ),
      );
    const streams = banks.map((_, c) => clientStream(c));
    const results = await Promise.all(
      banks.map(async (bank, c) => {
        const mine = streams[c] as Record<string, unknown>[];
        const out: CommandResult[] = [];
        // Small batches, so that the clients' transactions interleave.
        for (let i = 0; i < mine.length; i += 3) out.push(...(await bank.submitMany(mine.slice(i, i + 3))));
        return out;
      }),
    );

    const observer = banks[0] as HostBank;
    await observer.refresh();
    const journal = await observer.journal();
    expect(await observer.verifyJournal()).toMatchObject({ ok: true });

    // Serial replay of the committed order, in memory.
    const byKey = new Map<string, Record<string, unknown>>();
    for (const c of [...SETUP, ...streams.flat()]) byKey.set(c.key as string, c);
    const serial = asHost(await createTimeBank({ store: memoryStore(), clock, stars: testStars }));
    const serialResults = await serial.submitMany(journal.map((e) => byKey.get(e.key)));
    const serialByKey = new Map(serialResults.map((r) => [r.key, r]));

    // Every result a client got equals the serial decision (replays carry the first result).
    let replays = 0;
    let insufficient = 0;
    for (const [c, rs] of results.entries()) {
      for (const [i, r] of rs.entries()) {
        const sent = (streams[c] as Record<string, unknown>[])[i] as Record<string, unknown>;
        const { replayed, ...plain } = r as CommandResult & { replayed?: true };
        if (replayed) replays++;
        if (!r.ok && r.code === "INSUFFICIENT_BALANCE") insufficient++;
        expect(plain).toEqual(serialByKey.get(sent.key as string));
      }
    }
    // The shared commands were decided once each and replayed to the other clients.
    expect(replays).toBe(3 * (CLIENTS - 1));
    // The race was real: some withdrawals lost it.
    expect(insufficient).toBeGreaterThan(0);

    expect(observer.accounts()).toEqual(serial.accounts());
    expect(observer.ledgerAccounts()).toEqual(serial.ledgerAccounts());
    expect(observer.anchor()).toEqual(serial.anchor());

    // What the database holds, read directly: balances sum to zero, nothing overdrawn.
    const [sums] = (await inSchema(
      schema,
      "select sum(credits_posted - debits_posted)::int as posted, sum(credits_pending - debits_pending)::int as pending, min(case when id like 'v:%' then credits_posted - debits_posted - debits_pending end)::int as least from timebank_accounts",
    )) as { posted: number; pending: number; least: number }[];
    expect(sums).toEqual({ posted: 0, pending: 0, least: expect.any(Number) });
    expect(sums?.least).toBeGreaterThanOrEqual(0);
    for (const a of serial.accounts()) expect(await observer.readAccount(a.volunteer)).toEqual(a);

    for (const b of banks) await b.close();
  }, 120_000);
});
