/**
 * State checkpoints: a bank opened from a checkpoint plus the journal after it is the bank opened
 * by replaying the whole journal (same accounts, entries, head, and the same decisions on new
 * commands, repeats of old keys included); a checkpoint that does not check out is skipped.
 */
import { fixedClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank, type TimeBank } from "./bank";
import { decodeCheckpoint, type StoredCheckpoint } from "./checkpoint";
import { sha256Suite } from "./hash";
import { type MemoryStore, memoryStore } from "./stores/memory";
import { pgliteStore } from "./stores/pglite";

const clock = fixedClock("2027-01-04T09:00:00+08:00");
const open = (store: MemoryStore | ReturnType<typeof pgliteStore>, checkpointEvery = 0) =>
  createTimeBank({ store, clock, stars: testStars, checkpointEvery });

/** A copy of a memory store's journal, head, rows and notes, without its checkpoints. */
function withoutCheckpoints(from: MemoryStore): MemoryStore {
  const to = memoryStore();
  to.entries.push(...from.entries);
  for (const [k, v] of from.accountRows) to.accountRows.set(k, v);
  for (const [k, v] of from.notes) to.notes.set(k, v);
  to.head = from.head;
  return to;
}

/** Everything a reader sees of a bank. */
async function view(bank: TimeBank) {
  const host = asHost(bank);
  return {
    anchor: bank.anchor(),
    accounts: host.accounts(),
    ledger: host.ledgerAccounts(),
    entries: host.entries(),
    certificates: ["v1", "v2", "w1", "f1"].map((v) => host.certificate(v)),
    summary: host.monthlySummary("c1", "2027-01"),
  };
}

// Small pools, so that streams reach settled, reversed and repeated states.
const recKey = fc.constantFrom("r0", "r1", "r2", "r3", "r4", "r5");
const wKey = fc.constantFrom("w0", "w1", "w2", "w3");
const vol = fc.constantFrom("v1", "v1", "v2", "w1");
const mins = fc.constantFrom(30, 60, 90, 600);
const command = fc.oneof(
  fc.tuple(recKey, vol, mins).map(([k, v, m]) => cmd.record(k, v, m)),
  fc.tuple(fc.nat(99), recKey).map(([n, r]) => cmd.verify(`vf${n}`, r)),
  fc.tuple(fc.nat(99), recKey).map(([n, r]) => cmd.reject(`rj${n}`, r)),
  fc.tuple(wKey, vol, mins, fc.boolean()).map(([k, v, m, fam]) => cmd.withdraw(k, v, m, fam && v === "v1" ? "f1" : v)),
  fc.tuple(fc.nat(99), wKey).map(([n, w]) => cmd.fulfil(`fu${n}`, w)),
  fc.tuple(fc.nat(99), wKey).map(([n, w]) => cmd.cancel(`ca${n}`, w)),
  fc.tuple(fc.nat(99), fc.oneof(recKey, wKey)).map(([n, e]) => cmd.reverse(`rv${n}`, e)),
  fc
    .tuple(fc.nat(99), mins)
    .map(([n, m]) => ({ op: "gift", key: `gi${n}`, volunteer: "v1", to: "f1", minutes: m, on: "2027-01-09" })),
  fc.constant(cmd.close("cl1", "2026-Q4")),
  fc.constant(cmd.enroll("e9", "v9", "c2")),
  fc.constant({ op: "record", key: "bad", volunteer: "v1" }),
);

describe("opening from a checkpoint equals replaying the whole journal", () => {
  it("for random command streams with checkpoints at random positions (same state, same decisions)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(60), { minLength: 1, maxLength: 3 }),
        fc.array(command, { minLength: 1, maxLength: 30 }),
        async (before, cuts, after) => {
          const store = memoryStore();
          const writer = await open(store);
          const host = asHost(writer);
          await host.submitMany(SETUP);
          const sorted = [...new Set(cuts.map((c) => Math.min(c, before.length)))].sort((a, b) => a - b);
          let at = 0;
          for (const cut of sorted) {
            await host.submitMany(before.slice(at, cut));
            at = cut;
            expect(await writer.writeCheckpoint()).toBe(writer.anchor().length);
          }
          await host.submitMany(before.slice(at));
          await writer.close();

          const fromCheckpoint = await open(store);
          const full = await open(withoutCheckpoints(store));
          const report = fromCheckpoint.opened();
          expect(report.checkpoint).toBe(store.checkpoints.at(-1)?.seq);
          expect(report.checkpoint + report.replayed).toBe(store.entries.length);
          expect(full.opened()).toEqual({ checkpoint: 0, replayed: store.entries.length, skipped: [] });
          expect(await view(fromCheckpoint)).toEqual(await view(full));
          // New commands, and every old one again (replays, and conflicts for reused keys).
          const next = [...after, ...before, ...SETUP];
          const a = await asHost(fromCheckpoint).submitMany(next);
          const b = await asHost(full).submitMany(next);
          expect(a).toEqual(b);
          expect(await view(fromCheckpoint)).toEqual(await view(full));
          expect(await fromCheckpoint.journal()).toEqual(await full.journal());
        },
      ),
      { numRuns: Number(process.env.TIMEBANK_CHECKPOINT_RUNS ?? 150) },
    );
  }, 120_000);

  it("writes one automatically every N entries, keeps the newest few, and refuses repeats from before it", async () => {
    const store = memoryStore();
    const bank = asHost(
      await createTimeBank({ store, clock, stars: testStars, checkpointEvery: 10, checkpointKeep: 2 }),
    );
    await bank.submitMany(SETUP);
    for (let i = 0; i < 20; i++) await bank.submit(cmd.record(`r${i}`, "v1", 30));
    expect(store.checkpoints.map((c) => c.seq)).toEqual([10, 20]);
    await bank.close();
    const again = await open(store);
    expect(again.opened()).toEqual({ checkpoint: 20, replayed: 7, skipped: [] });
    const host = asHost(again);
    expect(await host.submit(cmd.record("r0", "v1", 30))).toEqual({
      key: "r0",
      ok: true,
      status: "pending",
      replayed: true,
    });
    expect(await host.submit(cmd.record("r0", "v1", 31))).toEqual({
      key: "r0",
      ok: false,
      code: "IDEMPOTENCY_CONFLICT",
    });
    expect(await host.submit(cmd.grant("g1", "reg1", "registrar"))).toMatchObject({ replayed: true });
    expect(await asHost(again).submit(cmd.record("fresh", "v1", 30))).toMatchObject({ ok: true, status: "pending" });
    expect((await again.verifyJournal()).ok).toBe(true);
  });
});

describe("a checkpoint is never trusted", () => {
  async function twoCheckpoints() {
    const store = memoryStore();
    const bank = await open(store);
    const host = asHost(bank);
    await host.submitMany([...SETUP, cmd.record("r1", "v1", 60), cmd.verify("vf1", "r1")]);
    const first = await bank.writeCheckpoint();
    await host.submitMany([cmd.record("r2", "v1", 90), cmd.withdraw("w1", "v1", 30)]);
    const second = await bank.writeCheckpoint();
    await host.submitMany([cmd.verify("vf2", "r2")]);
    const expected = await view(bank);
    await bank.close();
    return { store, first, second, expected };
  }
  const replace = (store: MemoryStore, seq: number, change: (c: StoredCheckpoint) => StoredCheckpoint) => {
    const i = store.checkpoints.findIndex((c) => c.seq === seq);
    store.checkpoints[i] = change(store.checkpoints[i] as StoredCheckpoint);
  };

  it("skips one whose bytes changed (hash mismatch) and opens from the previous one", async () => {
    const { store, first, second, expected } = await twoCheckpoints();
    replace(store, second, (c) => ({ ...c, body: c.body.replace('"v1"', '"v7"') }));
    const bank = await open(store);
    expect(bank.opened()).toEqual({
      checkpoint: first,
      replayed: store.entries.length - first,
      skipped: [{ seq: second, reason: "hash mismatch" }],
    });
    expect(await view(bank)).toEqual(expected);
  });

  it("skips a re-hashed forgery whose balances the stored account rows contradict", async () => {
    const { store, first, second, expected } = await twoCheckpoints();
    replace(store, second, (c) => {
      const body = c.body
        .replace('["v:v1",1,30,0,90,60,', '["v:v1",1,30,0,90,6000,')
        .replace('["v:v1",1,30,0,90,60]', '["v:v1",1,30,0,90,6000]');
      expect(body).not.toBe(c.body);
      return { ...c, body, hash: sha256Suite.digest(body) };
    });
    const bank = await open(store);
    expect(bank.opened().checkpoint).toBe(first);
    expect(bank.opened().skipped).toEqual([{ seq: second, reason: "journal does not continue it" }]);
    expect(await view(bank)).toEqual(expected);
  });

  it("skips one not on the journal (another head hash), one of another suite, and hostile bodies", async () => {
    const { store: model } = await twoCheckpoints();
    const good = model.checkpoints[1] as StoredCheckpoint;
    const forged = (body: string): StoredCheckpoint => ({ ...good, body, hash: sha256Suite.digest(body) });
    const parsed = () => JSON.parse(good.body) as Record<string, unknown>;
    const other = "f".repeat(64);
    const cases: [StoredCheckpoint, string][] = [
      [{ ...forged(good.body.replace(good.headHash, other)), headHash: other }, "not on the journal"],
      [{ ...good, suite: "sm3" }, "other hash suite"],
      [forged("not json"), "not JSON"],
      [forged("[]"), "not a checkpoint body"],
      [forged(JSON.stringify({ ...parsed(), accounts: [["v:v1", 1, "30", 0, 0, 0]] })), "not a checkpoint body"],
      [forged(JSON.stringify({ ...parsed(), entries: [["r1", "record"]] })), "not a checkpoint body"],
      [forged(JSON.stringify({ ...parsed(), seq: good.seq - 1 })), "record mismatch"],
      [forged(JSON.stringify({ ...parsed(), pending: [[999, "nowhere", "v:v1", 5]] })), "does not restore"],
    ];
    for (const [hostile, reason] of cases) {
      const { store, expected } = await twoCheckpoints();
      store.checkpoints.splice(0, store.checkpoints.length, hostile);
      const bank = await open(store);
      expect(bank.opened()).toEqual({
        checkpoint: 0,
        replayed: store.entries.length,
        skipped: [{ seq: hostile.seq, reason }],
      });
      expect(await view(bank)).toEqual(expected);
    }
  });

  it("decodes only what it encoded: the body names its own position and head", async () => {
    const { store } = await twoCheckpoints();
    const cp = store.checkpoints[1] as StoredCheckpoint;
    const body = decodeCheckpoint(cp, sha256Suite);
    expect(typeof body === "string" ? body : { seq: body.seq, headHash: body.headHash }).toEqual({
      seq: cp.seq,
      headHash: cp.headHash,
    });
    expect(decodeCheckpoint({ ...cp, seq: cp.seq + 1 }, sha256Suite)).toBe("record mismatch");
  });

  it("is refused by the store unless it names the journal's entry at its position", async () => {
    const { store } = await twoCheckpoints();
    const cp = store.checkpoints[1] as StoredCheckpoint;
    expect(await store.writeCheckpoint({ ...cp, seq: cp.seq + 50 }, 3)).toBe(false);
    expect(await store.writeCheckpoint({ ...cp, headHash: "0".repeat(64) }, 3)).toBe(false);
    expect(store.checkpoints).toHaveLength(2);
  });
});

describe("checkpoints on PGlite", () => {
  it("are stored in one transaction, the newest few kept, and a reopened bank decides as the full replay", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = new PGlite();
    const bank = await createTimeBank({
      store: pgliteStore({ db }),
      clock,
      stars: testStars,
      checkpointEvery: 4,
      checkpointKeep: 2,
    });
    const host = asHost(bank);
    await host.submitMany(SETUP);
    for (let i = 0; i < 6; i++) await host.submitMany([cmd.record(`r${i}`, "v1", 60), cmd.verify(`vf${i}`, `r${i}`)]);
    const seqs = (await db.query<{ seq: string }>("select seq from timebank_checkpoints order by seq")).rows;
    expect(seqs.map((r) => Number(r.seq))).toEqual([15, 19]);
    const expected = await view(bank);
    await bank.close();

    const again = await createTimeBank({ store: pgliteStore({ db }), clock, stars: testStars });
    expect(again.opened()).toEqual({ checkpoint: 19, replayed: 0, skipped: [] });
    expect(await view(again)).toEqual(expected);
    const h = asHost(again);
    expect(await h.submit(cmd.record("r0", "v1", 60))).toMatchObject({ ok: true, replayed: true });
    expect(await h.submit(cmd.verify("vf0", "r1"))).toEqual({ key: "vf0", ok: false, code: "IDEMPOTENCY_CONFLICT" });
    expect(await h.submit(cmd.verify("vf9", "r0"))).toMatchObject({ ok: false, code: "NOT_PENDING" });

    // A checkpoint edited in the table is skipped; the previous one is used.
    await db.query("update timebank_checkpoints set body = replace(body, '\"v1\"', '\"v8\"') where seq = 19");
    const head = again.anchor();
    await again.close();
    const third = await createTimeBank({ store: pgliteStore({ db }), clock, stars: testStars });
    expect(third.opened()).toMatchObject({ checkpoint: 15, skipped: [{ seq: 19, reason: "hash mismatch" }] });
    expect(third.anchor()).toEqual(head);
    expect(asHost(third).accounts()).toEqual(asHost(again).accounts());
    await third.close();
    await db.close();
  }, 60_000);
});
