import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLedger, type TransferInput } from "./ledger";

const ACCOUNTS = ["sys", "a", "b", "c"];

function fresh() {
  const ledger = createLedger();
  ledger.openAccount("sys");
  for (const id of ["a", "b", "c"]) ledger.openAccount(id, { debitsMustNotExceedCredits: true });
  return ledger;
}

describe("the double-entry core", () => {
  it("moves minutes only between accounts: posted and pending totals always balance", () => {
    const transfer = fc.oneof(
      fc.record({
        id: fc.constantFrom("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7"),
        debit: fc.constantFrom(...ACCOUNTS),
        credit: fc.constantFrom(...ACCOUNTS),
        amount: fc.integer({ min: -5, max: 100 }),
        kind: fc.constantFrom("single" as const, "pending" as const),
      }),
      fc.record({
        id: fc.constantFrom("p0", "p1", "p2", "p3"),
        debit: fc.constant(""),
        credit: fc.constant(""),
        amount: fc.constantFrom(0, 5),
        kind: fc.constantFrom("post" as const, "void" as const),
        pendingId: fc.constantFrom("t0", "t1", "t2", "t3"),
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(transfer, { minLength: 1, maxLength: 3 }), { maxLength: 30 }), (chains) => {
        const ledger = fresh();
        for (const chain of chains) {
          const before = [...ledger.accounts()];
          const failed = ledger.applyLinked(chain as TransferInput[]);
          // A failed chain leaves no trace.
          if (failed !== undefined) expect([...ledger.accounts()]).toEqual(before);
          let posted = 0;
          let dp = 0;
          let cp = 0;
          for (const a of ledger.accounts()) {
            posted += a.creditsPosted - a.debitsPosted;
            dp += a.debitsPending;
            cp += a.creditsPending;
            if (a.debitsMustNotExceedCredits)
              expect(a.debitsPosted + a.debitsPending).toBeLessThanOrEqual(a.creditsPosted);
          }
          expect(posted).toBe(0);
          expect(dp).toBe(cp);
          expect(ledger.postedSum()).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("posts or voids a pending transfer exactly once", () => {
    const ledger = fresh();
    expect(ledger.apply({ id: "fund", debit: "sys", credit: "a", amount: 100 })).toBeUndefined();
    expect(ledger.apply({ id: "p", debit: "a", credit: "b", amount: 60, kind: "pending" })).toBeUndefined();
    expect(ledger.account("a")).toMatchObject({ debitsPending: 60, creditsPosted: 100 });
    expect(ledger.apply({ id: "q", debit: "a", credit: "b", amount: 41, kind: "pending" })).toBe("exceeds_credits");
    expect(ledger.apply({ id: "x", debit: "", credit: "", amount: 0, kind: "post", pendingId: "p" })).toBeUndefined();
    expect(ledger.apply({ id: "y", debit: "", credit: "", amount: 0, kind: "void", pendingId: "p" })).toBe(
      "pending_transfer_not_pending",
    );
    expect(ledger.transfer("p")?.state).toBe("settled");
    expect(ledger.transfer("x")).toMatchObject({ kind: "post", pendingId: "p", debit: "a", credit: "b", amount: 60 });
    expect(ledger.account("b")?.creditsPosted).toBe(60);
    expect(ledger.apply({ id: "x", debit: "sys", credit: "a", amount: 1 })).toBe("exists");
  });

  it("undoes every link of a chain when one fails", () => {
    const ledger = fresh();
    ledger.apply({ id: "fund", debit: "sys", credit: "a", amount: 10 });
    const failed = ledger.applyLinked([
      { id: "l1", debit: "a", credit: "b", amount: 10 },
      { id: "l2", debit: "b", credit: "c", amount: 11 },
    ]);
    expect(failed).toEqual({ index: 1, error: "exceeds_credits" });
    expect(ledger.transfer("l1")).toBeUndefined();
    expect(ledger.account("a")?.creditsPosted).toBe(10);
    expect(ledger.account("a")?.debitsPosted).toBe(0);
  });
});

describe("savepoints", () => {
  it("rolls back every transfer and account made since the mark, and nothing before it", () => {
    const ledger = createLedger();
    ledger.openAccount("issued");
    ledger.openAccount("v1", { debitsMustNotExceedCredits: true });
    expect(ledger.apply({ id: 1, debit: "issued", credit: "v1", amount: 100 })).toBeUndefined();
    const before = [...ledger.accounts()];
    const mark = ledger.mark();
    ledger.openAccount("redeemed");
    expect(ledger.apply({ id: 2, debit: "v1", credit: "redeemed", amount: 40, kind: "pending" })).toBeUndefined();
    expect(ledger.apply({ id: 3, debit: "", credit: "", amount: 0, kind: "post", pendingId: 2 })).toBeUndefined();
    expect(ledger.apply({ id: 4, debit: "issued", credit: "v1", amount: 5 })).toBeUndefined();
    ledger.rollback(mark);
    expect([...ledger.accounts()]).toEqual(before);
    expect(ledger.account("redeemed")).toBeUndefined();
    expect([2, 3, 4].map((id) => ledger.transfer(id))).toEqual([undefined, undefined, undefined]);
    expect(ledger.transfer(1)?.state).toBe("posted");
    // The ids are free again, and the ledger still balances.
    expect(ledger.apply({ id: 2, debit: "issued", credit: "v1", amount: 1 })).toBeUndefined();
    expect(ledger.postedSum()).toBe(0);
  });
});
