/**
 * Issue #13, item 6: the read paths on a streaming replica, and a failover that loses no committed
 * command. The test starts its own PostgreSQL primary (`initdb`) and a hot standby of it
 * (`pg_basebackup -R`, streaming), so it can kill the primary without touching the machine's
 * server. Rosters (from the register), the quarterly public notice and a volunteer's time-savings
 * certificate (from the time bank) are read on the standby and must equal the primary's; a write
 * there is refused with `STORE_READ_ONLY` and changes nothing. With the standby synchronous, the
 * primary is SIGKILLed under load and the standby promoted: every command the primary
 * acknowledged is in the promoted journal, which verifies whole, and retrying every command
 * applies each exactly once.
 */
import {
  type ActorInput,
  fixedClock,
  generateDistrict,
  guardIdleClients,
  isElderflowError,
  sqlFromPgPool,
} from "@elderflow/core";
import { sqlRegister } from "@elderflow/register";
import { birthdayRoster } from "@elderflow/schedule";
import { createTimeBank, memoryStore, postgresStore } from "@elderflow/timebank";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caughtUp, type PgCluster, requireSynchronous, startPrimary, startStandby } from "./support/pgcluster";
import { asHost, cmd, type HostBank, SETUP, testStars } from "./timebank-support";

const clock = fixedClock("2027-04-02T09:00:00+08:00");
const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const registrar: ActorInput = { id: "reg-1", roles: ["registrar"], communities: ["d01-c001", "d01-c002"] };

let primary: PgCluster;
let standby: PgCluster;

beforeAll(async () => {
  primary = await startPrimary();
  standby = await startStandby(primary, "standby1");
});
afterAll(async () => {
  await primary?.destroy();
  await standby?.destroy();
});

const openBank = (url: string) =>
  createTimeBank({ store: postgresStore({ connectionString: url, max: 4 }), clock, stars: testStars });

/** A register on a cluster (the pool is closed with the register). */
async function openRegister(url: string) {
  return sqlRegister(sqlFromPgPool(guardIdleClients(new pg.Pool({ connectionString: url, max: 2 }))), { clock });
}

/** Everything a test reads, as plain data. */
async function readPaths(bank: HostBank, register: Awaited<ReturnType<typeof openRegister>>) {
  const persons = await register.persons(bureau, { status: "active" });
  const roster = birthdayRoster(persons, {
    from: "2027-01-01",
    to: "2027-12-31",
    isCelebration: (_p, age) => age >= 80 || age % 10 === 0,
  });
  return {
    persons: persons.length,
    roster,
    notice: bank.publicNotice("c1", "2027-Q1"),
    certificates: ["v1", "v2", "w1"].map((v) => bank.certificate(v)),
    head: (await bank.anchor()).headHash,
  };
}

describe("read paths on a hot standby", () => {
  it("rosters, notices and certificates read on the standby equal the primary's; writes there are refused", async () => {
    const district = generateDistrict({ seed: 3, year: 2026 });
    const persons = district.persons.filter((p) => p.communityId === "d01-c001" || p.communityId === "d01-c002");
    expect(persons.length).toBeGreaterThan(20);
    const register = await openRegister(primary.url);
    const outcomes = await register.record(
      persons.map((p) => ({
        kind: "enrol",
        personId: p.id,
        effective: "2020-01-01",
        person: p,
        source: { kind: "import", ref: "2020-roll" },
      })),
      registrar,
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const bank = asHost(await openBank(primary.url));
    const work = [
      ...SETUP,
      ...Array.from({ length: 40 }, (_, i) => cmd.record(`r${i}`, i % 2 === 0 ? "v1" : "v2", 30 + i, "2027-01-05")),
      ...Array.from({ length: 30 }, (_, i) => cmd.verify(`y${i}`, `r${i}`)),
      cmd.withdraw("w-1", "v1", 60, "f1"),
    ];
    const results = await bank.submitMany(work);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const reader = asHost(await openBank(primary.url));
    const onPrimary = await readPaths(reader, register);
    await reader.close();
    expect(onPrimary.roster.length).toBeGreaterThan(0);
    expect(onPrimary.notice.lines.length).toBeGreaterThan(0);
    expect(onPrimary.certificates.every((c) => c !== undefined)).toBe(true);

    await caughtUp(primary, standby);
    const [inRecovery] = await standby.query<{ r: boolean }>("select pg_is_in_recovery() as r");
    expect(inRecovery?.r).toBe(true);
    const replicaBank = asHost(await openBank(standby.url));
    const replicaRegister = await openRegister(standby.url);
    const onStandby = await readPaths(replicaBank, replicaRegister);
    expect(onStandby).toEqual(onPrimary);

    // A write on the standby: a typed refusal, and neither the journal nor the register changes.
    const refused = await replicaBank.submit(cmd.record("r-late", "v1", 15, "2027-01-06")).then(
      () => "accepted",
      (e: unknown) => (isElderflowError(e) ? e.code : String(e)),
    );
    expect(refused).toBe("STORE_READ_ONLY");
    const refusedEnrol = await replicaRegister
      .record(
        [
          {
            kind: "enrol",
            personId: "p-new",
            effective: "2021-01-01",
            person: { ...(persons[0] as (typeof persons)[number]), id: "p-new" },
            source: { kind: "import", ref: "late" },
          },
        ],
        registrar,
      )
      .then(
        (o) => (o[0]?.ok === false ? o[0].error.code : "accepted"),
        (e: unknown) => (isElderflowError(e) ? e.code : String(e)),
      );
    expect(refusedEnrol).toBe("STORE_READ_ONLY");
    await caughtUp(primary, standby);
    const rereader = asHost(await openBank(standby.url));
    const again = await readPaths(rereader, replicaRegister);
    await rereader.close();
    expect(again).toEqual(onPrimary);
    expect((await bank.journal()).length).toBe(work.length);
    await bank.close();
    await replicaBank.close();
    await register.close();
    await replicaRegister.close();
  });
});

describe("failover to the synchronous standby", () => {
  it("a standby promoted after a SIGKILL of the primary has every acknowledged command, and retries apply once", async () => {
    await requireSynchronous(primary, "standby1");
    // The previous test's bank is on this primary; this one writes community c2's volunteer w1 and
    // a fresh volunteer per writer, so its commands are its own.
    const bank = asHost(await openBank(primary.url));
    expect((await bank.submitMany(SETUP)).filter((r) => !r.ok)).toEqual([]);
    const writers = 4;
    const perWriter = 400;
    const commandsOf = (w: number) => [
      cmd.enroll(`fo-e${w}`, `fo-v${w}`, "c2"),
      ...Array.from({ length: perWriter }, (_, i) =>
        cmd.record(`fo-${w}-${i}`, `fo-v${w}`, 1 + (i % 50), "2027-01-05", "r2", "reg2"),
      ),
    ];
    const acknowledged = new Set<string>();
    let killed = false;
    const runs = Array.from({ length: writers }, async (_, w) => {
      for (const c of commandsOf(w)) {
        if (killed) return;
        try {
          const r = await bank.submit(c);
          if (!r.ok) throw new Error(`refused ${c.key}: ${r.code}`);
          acknowledged.add(c.key);
        } catch (e) {
          if (killed) return;
          throw e;
        }
      }
    });
    // Kill the primary once a good share has committed, while the writers are still going.
    while (acknowledged.size < 300) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    await primary.kill();
    await Promise.all(runs);
    await bank.close().catch(() => undefined);
    expect(acknowledged.size).toBeGreaterThanOrEqual(300);
    expect(acknowledged.size).toBeLessThan(writers * (perWriter + 1));

    await standby.promote();
    const promoted = asHost(await openBank(standby.url));
    const journal = await promoted.journal();
    const keys = new Set(journal.map((e) => e.key));
    const lost = [...acknowledged].filter((k) => !keys.has(k));
    expect(lost).toEqual([]);
    expect((await promoted.verifyJournal()).ok).toBe(true);

    // Every client retries everything it sent or meant to: the acknowledged ones are answered from
    // the log, the rest apply now, each once.
    const all = Array.from({ length: writers }, (_, w) => commandsOf(w)).flat();
    const retried = await promoted.submitMany(all);
    expect(retried.filter((r) => !r.ok)).toEqual([]);
    for (const r of retried) if (acknowledged.has(r.key as string)) expect(r.replayed).toBe(true);
    const after = await promoted.journal();
    const failoverKeys = after.map((e) => e.key).filter((k) => k.startsWith("fo-"));
    expect(failoverKeys.length).toBe(all.length);
    expect(new Set(failoverKeys).size).toBe(all.length);

    // The balances equal a serial replay of the same commands in memory.
    const serial = asHost(await createTimeBank({ store: memoryStore(), clock, stars: testStars }));
    await serial.submitMany([...SETUP, ...all]);
    for (let w = 0; w < writers; w++) expect(promoted.account(`fo-v${w}`)).toEqual(serial.account(`fo-v${w}`));
    await promoted.close();
  });
});
