import { canonicalJson as coreCanonicalJson, fixedClock } from "@elderflow/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { asHost, cmd, SETUP, testStars } from "../../../test/timebank-support";
import { createTimeBank } from "./bank";
import { sha256Suite } from "./hash";
import {
  canonicalJson,
  entryHash,
  entryHashMatches,
  type JournalEntry,
  sha256,
  storedTexts,
  verifyJournal,
} from "./journal";
import { memoryStore } from "./stores/memory";

let journal: JournalEntry[] = [];

beforeAll(async () => {
  const store = memoryStore();
  const bank = asHost(
    await createTimeBank({ store, clock: fixedClock("2027-01-04T09:00:00+08:00"), stars: testStars }),
  );
  const commands: unknown[] = [...SETUP];
  for (let i = 0; i < 20; i++)
    commands.push(cmd.record(`r${i}`, i % 2 ? "v1" : "v2", 10 + i), cmd.verify(`vf${i}`, `r${i}`));
  await bank.submitMany(commands);
  journal = [...store.entries];
});

const rehash = (e: Omit<JournalEntry, "hash">): JournalEntry => ({ ...e, hash: entryHash(e) });

describe("canonicalJson", () => {
  it("does not depend on key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

describe("canonicalJson on hostile input", () => {
  it("refuses a value nested 20,000 deep with a typed TOO_DEEP, without recursion", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    expect(() => canonicalJson(deep)).toThrow(expect.objectContaining({ code: "TOO_DEEP" }));
  });

  it("refuses a lone surrogate with MALFORMED_TEXT rather than hashing a string no store returns", () => {
    expect(() => canonicalJson({ key: "k\ud800" })).toThrow(expect.objectContaining({ code: "MALFORMED_TEXT" }));
  });

  it("writes exactly core's canonical text for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(canonicalJson(v)).toBe(coreCanonicalJson(v));
      }),
    );
  });
});

describe("verifyJournal", () => {
  it("accepts the journal as written and returns its head", () => {
    expect(verifyJournal(journal)).toEqual({ ok: true, length: journal.length, headHash: journal.at(-1)?.hash });
  });

  it("pinpoints the first altered entry", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: journal.length - 1 }), fc.integer({ min: 1, max: 999 }), (i, n) => {
        const copy = [...journal];
        const e = copy[i] as JournalEntry;
        copy[i] = { ...e, at: `${e.at}-${n}` };
        expect(verifyJournal(copy)).toMatchObject({ ok: false, position: i + 1, problem: "altered" });
      }),
    );
  });

  it("pinpoints an entry rewritten with a fresh hash (its successor no longer links to it)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: journal.length - 2 }), (i) => {
        const copy = [...journal];
        const { hash: _h, ...body } = copy[i] as JournalEntry;
        copy[i] = rehash({ ...body, result: { key: body.key, ok: false, code: "NOT_AUTHORIZED" } });
        expect(verifyJournal(copy)).toMatchObject({ ok: false, position: i + 1, problem: "altered" });
      }),
    );
  });

  it("pinpoints a removed entry, renumbered or not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: journal.length - 2 }), fc.boolean(), (i, renumber) => {
        const copy = journal.filter((_, j) => j !== i);
        const tampered = renumber ? copy.map((e, j) => (j >= i ? { ...e, seq: e.seq - 1 } : e)) : copy;
        expect(verifyJournal(tampered)).toMatchObject({ ok: false, position: i + 1, problem: "removed" });
      }),
    );
  });

  it("pinpoints an inserted entry, forged with a valid hash or not, renumbering the rest or not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: journal.length - 1 }), fc.boolean(), fc.boolean(), (i, forge, renumber) => {
        const prev = journal[i - 1] as JournalEntry;
        const body = {
          seq: i + 1,
          key: "forged",
          fingerprint: "f".repeat(64),
          at: prev.at,
          command: null,
          result: { key: "forged", ok: false as const, code: "NOT_PENDING" as const },
          prevHash: prev.hash,
        };
        const forged = forge ? rehash(body) : { ...body, hash: "e".repeat(64) };
        const rest = journal.slice(i).map((e) => (renumber ? { ...e, seq: e.seq + 1 } : e));
        const tampered = [...journal.slice(0, i), forged, ...rest];
        expect(verifyJournal(tampered)).toMatchObject({ ok: false, position: i + 1, problem: "inserted" });
      }),
    );
  });

  it("detects a cut-off tail against an anchor kept elsewhere", () => {
    const anchor = { length: journal.length, headHash: (journal.at(-1) as JournalEntry).hash };
    expect(verifyJournal(journal, { anchor }).ok).toBe(true);
    expect(verifyJournal(journal.slice(0, -3), { anchor })).toMatchObject({
      ok: false,
      position: journal.length - 2,
      problem: "truncated",
    });
  });
});

describe("entryHash", () => {
  it("hashes the canonical JSON of the entry's content after its predecessor's hash", () => {
    for (const e of journal) {
      const { hash, prevHash, ...rest } = e;
      expect(hash).toBe(
        sha256(
          `${prevHash}\n${canonicalJson({ seq: rest.seq, key: rest.key, fingerprint: rest.fingerprint, at: rest.at, command: rest.command, result: rest.result })}`,
        ),
      );
    }
  });
});

describe("the stored command text", () => {
  it("is always the canonical JSON of the stored command, whatever was submitted", async () => {
    const store = memoryStore();
    const bank = asHost(
      await createTimeBank({ store, clock: fixedClock("2027-01-04T09:00:00+08:00"), stars: testStars }),
    );
    await bank.submitMany([
      ...SETUP,
      { key: "x1", op: "enroll", community: "c1", volunteer: "v9" }, // family defaulted
      { ...cmd.record("x2", "v9", 10), extra: "dropped" }, // unknown field stripped
      cmd.record("x3", "v9", 10),
      cmd.reject("x4", "x3"), // reason kept beside the journal
    ]);
    for (const e of store.entries) {
      expect(e.hash).toBe(entryHash(e));
    }
    expect(store.entries.find((e) => e.key === "x1")?.command).toEqual({
      actor: "host",
      op: "enroll",
      key: "x1",
      volunteer: "v9",
      community: "c1",
      family: [],
    });
  });
});

describe("entryHashMatches with the texts a store read", () => {
  /** An entry as a SQL store builds it: parsed from texts, which are remembered beside it. */
  const read = (e: JournalEntry, command: string, result: string): JournalEntry => {
    const entry: JournalEntry = {
      ...e,
      command: command === "null" ? null : (JSON.parse(command) as JournalEntry["command"]),
      result: JSON.parse(result) as JournalEntry["result"],
    };
    storedTexts.set(entry, { command, result });
    return entry;
  };

  it("accepts the canonical texts, and re-formatted texts of the same values as before", () => {
    for (const e of journal) {
      expect(entryHashMatches(read(e, canonicalJson(e.command), canonicalJson(e.result)), sha256Suite)).toBe(true);
      const spaced = read(e, JSON.stringify(e.command, null, 2), JSON.stringify(e.result, null, 1));
      expect(entryHashMatches(spaced, sha256Suite)).toBe(true);
    }
  });

  it("refuses texts whose values differ, and verifyJournal agrees", () => {
    const e = journal.find((x) => x.command?.op === "record") as JournalEntry;
    const command = { ...(e.command as object), minutes: 999 };
    const altered = read(e, canonicalJson(command), canonicalJson(e.result));
    expect(entryHashMatches(altered, sha256Suite)).toBe(false);
    const entries = journal.map((x) => (x.seq === e.seq ? altered : x));
    expect(verifyJournal(entries)).toMatchObject({ ok: false, position: e.seq, problem: "altered" });
    expect(verifyJournal(journal.map((x) => read(x, canonicalJson(x.command), canonicalJson(x.result))))).toMatchObject(
      {
        ok: true,
        length: journal.length,
      },
    );
  });
});
