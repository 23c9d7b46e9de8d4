/**
 * What is hashed is exactly what every store returns: arbitrary strings that canonical input
 * accepts (emoji sequences, CJK extension B, combining marks, astral characters, line breaks in
 * reasons) go through memory, PGlite and PostgreSQL as keys and reasons, and after a reopen the
 * chain verifies and every key and reason reads back unchanged; strings it refuses (lone
 * surrogates, NUL) never reach the store.
 */
import { FREE_TEXT_RULES, fixedClock, isWellFormedText, KEY_RULES, textProblem } from "@elderflow/core";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { asHost, cmd, dropSchema, PG_URL, SETUP, schemaName, testStars } from "../../../../test/timebank-support";
import { createTimeBank } from "../bank";
import { memoryStore } from "./memory";
import { pgliteStore } from "./pglite";
import { postgresStore } from "./postgres";
import type { TimeBankStore } from "./types";

const clock = fixedClock("2027-01-04T09:00:00+08:00");

/** Pieces people and attackers actually type: ZWJ emoji, flags, CJK ext. B, Hangul, combining marks. */
const PIECES = [
  "👩‍👩‍👧",
  "🇨🇳",
  "𠀀",
  "𠮷",
  "𪚥",
  "q\u0307\u0323",
  "한",
  "社区",
  "é",
  "ﷺ",
  "\u200d",
  " ",
  "#1",
  ":",
  "x",
];
const piece = fc.oneof(
  fc.constantFrom(...PIECES),
  fc.string({ unit: "grapheme", maxLength: 3 }),
  fc.string({ unit: "binary", maxLength: 3 }),
);
const text = (lines: boolean) =>
  fc
    .array(fc.oneof(piece, lines ? fc.constantFrom("\n", "\t", "\r\n") : piece), { minLength: 1, maxLength: 8 })
    .map((parts) => parts.join(""));
/** A string `KeySchema` accepts once prefixed (the prefix keeps keys unique within a run). */
const keyText = text(false);
/** A reason `FreeTextSchema` accepts. */
const reasonText = text(true).filter((s) => textProblem(s, FREE_TEXT_RULES) === null);
/** Something canonical input refuses: a lone surrogate or NUL somewhere in an otherwise fine string. */
const poisoned = fc
  .tuple(keyText, fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\u0000"), fc.nat())
  .map(([s, bad, at]) => {
    const cut = at % (s.length + 1);
    // Never split a surrogate pair of the good part: that would be a second lone surrogate.
    const safe = cut > 0 && /[\ud800-\udbff]/.test(s.charAt(cut - 1)) ? cut + 1 : cut;
    return s.slice(0, safe) + bad + s.slice(safe);
  });

const runArb = fc.record({
  good: fc.array(fc.tuple(keyText, reasonText), { minLength: 1, maxLength: 3 }),
  badKeys: fc.array(poisoned, { minLength: 1, maxLength: 2 }),
  badReasons: fc.array(poisoned, { maxLength: 1 }),
});

interface Target {
  /** A handle on the same stored data. */
  open(): TimeBankStore;
  cleanup(): Promise<void>;
}

function describeRoundTrip(name: string, numRuns: number, makeTarget: () => Promise<Target>): void {
  describe(`canonical text round trip: ${name}`, () => {
    let target: Target | undefined;
    afterAll(async () => {
      await target?.cleanup();
    });

    it("returns every accepted key and reason unchanged after a reopen, the chain verifies, and refused text never reaches the store", async () => {
      target = await makeTarget();
      const t = target;
      const first = asHost(await createTimeBank({ store: t.open(), clock, stars: testStars }));
      await first.submitMany(SETUP);
      await first.close();
      let n = 0;
      let written = 0;
      await fc.assert(
        fc.asyncProperty(runArb, async ({ good, badKeys, badReasons }) => {
          n++;
          const pairs = good
            .map(([k, reason], i) => ({ record: `${n}.${i}r${k}`, reject: `${n}.${i}j${k}`, reason }))
            .filter((p) => textProblem(p.record, KEY_RULES) === null && textProblem(p.reject, KEY_RULES) === null);
          written += pairs.length;
          const store = t.open();
          const raw = await createTimeBank({ store, clock, stars: testStars });
          const bank = asHost(raw);
          const commands: unknown[] = [];
          for (const p of pairs)
            commands.push(cmd.record(p.record, "v1", 10), cmd.reject(p.reject, p.record, "ver1", p.reason));
          for (const k of badKeys) commands.push(cmd.record(k, "v1", 10));
          for (const [i, reason] of badReasons.entries())
            commands.push(cmd.record(`${n}.b${i}`, "v1", 10), cmd.reject(`${n}.bj${i}`, `${n}.b${i}`, "ver1", reason));
          const results = await bank.submitMany(commands);
          const goodResults = results.slice(0, pairs.length * 2);
          expect(goodResults.map((r) => r.ok)).toEqual(goodResults.map(() => true));
          for (const r of results.slice(pairs.length * 2, pairs.length * 2 + badKeys.length))
            expect(r).toEqual({ key: null, ok: false, code: "INVALID_INPUT" });
          const badReasonResults = results.slice(pairs.length * 2 + badKeys.length);
          for (let i = 1; i < badReasonResults.length; i += 2)
            expect(badReasonResults[i]).toMatchObject({ ok: false, code: "INVALID_INPUT" });
          await bank.close();

          // Another process opens the same data: the open check and the chain must hold.
          const again = await createTimeBank({ store: t.open(), clock, stars: testStars });
          const journal = await again.journal();
          expect(await again.verifyJournal()).toEqual({
            ok: true,
            length: journal.length,
            headHash: journal.at(-1)?.hash,
          });
          const keys = new Set(journal.map((e) => e.key));
          const reread = t.open();
          for (const p of pairs) {
            expect(keys.has(p.record) && keys.has(p.reject)).toBe(true);
            expect(await reread.readNote(p.reject)).toBe(p.reason);
          }
          for (const k of badKeys) expect(keys.has(k)).toBe(false);
          expect(journal.every((e) => isWellFormedText(e.key) && !e.key.includes("\u0000"))).toBe(true);
          for (const i of badReasons.keys()) expect(await reread.readNote(`${n}.bj${i}`)).toBeUndefined();
          await reread.close();
          await again.close();
        }),
        { numRuns },
      );
      // Most generated keys are acceptable: the property is not vacuous.
      expect(written).toBeGreaterThanOrEqual(numRuns);
    }, 240_000);
  });
}

describeRoundTrip("memory", 100, async () => {
  const store = memoryStore();
  return { open: () => store, cleanup: async () => {} };
});

describeRoundTrip("pglite", 15, async () => {
  const db = new PGlite();
  return { open: () => pgliteStore({ db }), cleanup: () => db.close() };
});

describeRoundTrip("postgres", 20, async () => {
  const schema = schemaName("text");
  return {
    open: () => postgresStore({ connectionString: PG_URL, schema, max: 1 }),
    cleanup: () => dropSchema(schema),
  };
});
