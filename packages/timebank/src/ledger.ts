/**
 * The double-entry core, after TigerBeetle's account and transfer model: every movement debits one
 * account and credits another by the same whole number of minutes, so the sum of all balances is
 * zero at every instant. Two-phase transfers first reserve (pending), then post or void. No I/O,
 * synchronous, allocation-light: the time bank is built on it and the in-memory bench measures it.
 */

/** Account flags. */
export interface LedgerAccountFlags {
  /**
   * The account may never owe: posted and pending debits together may not exceed posted credits
   * (TigerBeetle's `debits_must_not_exceed_credits`). Volunteer accounts carry it: no overdraft.
   */
  readonly debitsMustNotExceedCredits?: boolean;
}

/** One account's four running totals, in minutes. Balances are read from it in O(1). */
export interface LedgerAccount {
  /** Account id. */
  readonly id: string;
  /** Whether overdraft is refused. */
  readonly debitsMustNotExceedCredits: boolean;
  /** Minutes reserved to leave the account (pending debits). */
  debitsPending: number;
  /** Minutes that have left the account. */
  debitsPosted: number;
  /** Minutes on their way in (pending credits). */
  creditsPending: number;
  /** Minutes that have arrived. */
  creditsPosted: number;
}

/** A transfer as submitted. `pending`, `post` and `void` follow TigerBeetle's two-phase flags. */
export interface TransferInput {
  /** Unique transfer id. */
  readonly id: string;
  /** Account debited (ignored for post/void, which take the pending transfer's accounts). */
  readonly debit: string;
  /** Account credited (ignored for post/void). */
  readonly credit: string;
  /** Whole minutes, > 0 (for post/void: must equal the pending amount, or 0 for "all"). */
  readonly amount: number;
  /** `single` moves at once; `pending` reserves; `post`/`void` settle the pending transfer `pendingId`. */
  readonly kind?: "single" | "pending" | "post" | "void";
  /** For post/void: the pending transfer they settle. */
  readonly pendingId?: string;
}

/** Why a transfer was refused. */
export type TransferError =
  | "exists"
  | "invalid_amount"
  | "same_account"
  | "debit_account_not_found"
  | "credit_account_not_found"
  | "exceeds_credits"
  | "pending_transfer_not_found"
  | "pending_transfer_not_pending"
  | "amount_mismatch";

/** The state of a stored transfer. */
export type TransferState = "posted" | "pending" | "voided" | "settled";

/** A stored transfer. */
export interface LedgerTransfer {
  /** Id. */
  readonly id: string;
  /** Debited account. */
  readonly debit: string;
  /** Credited account. */
  readonly credit: string;
  /** Minutes. */
  readonly amount: number;
  /** Kind as submitted. */
  readonly kind: "single" | "pending" | "post" | "void";
  /** For post/void: the pending transfer. */
  readonly pendingId: string | undefined;
  /** `pending` until posted (`settled` once posted by a later post) or `voided`; singles/posts are `posted`. */
  state: TransferState;
}

/** The in-memory double-entry ledger. */
export interface Ledger {
  /** Opens an account (a no-op if it already exists). */
  openAccount(id: string, flags?: LedgerAccountFlags): LedgerAccount;
  /** An account, or undefined. O(1). */
  account(id: string): LedgerAccount | undefined;
  /** Every account, in creation order. */
  accounts(): IterableIterator<LedgerAccount>;
  /** A transfer by id. */
  transfer(id: string): LedgerTransfer | undefined;
  /** Applies one transfer; returns undefined on success or the reason it was refused. */
  apply(input: TransferInput): TransferError | undefined;
  /**
   * Applies transfers as one all-or-nothing chain (TigerBeetle's `linked` flag): if any fails,
   * the ones before it are undone and the error of the failing one is returned with its index.
   */
  applyLinked(inputs: readonly TransferInput[]): { index: number; error: TransferError } | undefined;
  /** Sum over all accounts of (credits posted - debits posted); always 0. */
  postedSum(): number;
}

/**
 * Creates an empty in-memory ledger.
 *
 * @example
 * ```ts
 * const ledger = createLedger();
 * ledger.openAccount("issued");
 * ledger.openAccount("v1", { debitsMustNotExceedCredits: true });
 * ledger.apply({ id: "t1", debit: "issued", credit: "v1", amount: 60 }); // undefined: applied
 * ledger.account("v1")?.creditsPosted; // 60
 * ```
 */
export function createLedger(): Ledger {
  const accounts = new Map<string, LedgerAccount>();
  const transfers = new Map<string, LedgerTransfer>();

  function openAccount(id: string, flags: LedgerAccountFlags = {}): LedgerAccount {
    let a = accounts.get(id);
    if (a === undefined) {
      a = {
        id,
        debitsMustNotExceedCredits: flags.debitsMustNotExceedCredits ?? false,
        debitsPending: 0,
        debitsPosted: 0,
        creditsPending: 0,
        creditsPosted: 0,
      };
      accounts.set(id, a);
    }
    return a;
  }

  function apply(t: TransferInput): TransferError | undefined {
    if (transfers.has(t.id)) return "exists";
    const kind = t.kind ?? "single";
    if (kind === "post" || kind === "void") {
      const p = t.pendingId === undefined ? undefined : transfers.get(t.pendingId);
      if (p === undefined || p.kind !== "pending") return "pending_transfer_not_found";
      if (p.state !== "pending") return "pending_transfer_not_pending";
      if (t.amount !== 0 && t.amount !== p.amount) return "amount_mismatch";
      const dr = accounts.get(p.debit) as LedgerAccount;
      const cr = accounts.get(p.credit) as LedgerAccount;
      dr.debitsPending -= p.amount;
      cr.creditsPending -= p.amount;
      if (kind === "post") {
        dr.debitsPosted += p.amount;
        cr.creditsPosted += p.amount;
        p.state = "settled";
      } else p.state = "voided";
      transfers.set(t.id, {
        id: t.id,
        debit: p.debit,
        credit: p.credit,
        amount: p.amount,
        kind,
        pendingId: p.id,
        state: "posted",
      });
      return undefined;
    }
    if (!Number.isSafeInteger(t.amount) || t.amount <= 0) return "invalid_amount";
    if (t.debit === t.credit) return "same_account";
    const dr = accounts.get(t.debit);
    if (dr === undefined) return "debit_account_not_found";
    const cr = accounts.get(t.credit);
    if (cr === undefined) return "credit_account_not_found";
    if (dr.debitsMustNotExceedCredits && dr.debitsPosted + dr.debitsPending + t.amount > dr.creditsPosted)
      return "exceeds_credits";
    if (kind === "pending") {
      dr.debitsPending += t.amount;
      cr.creditsPending += t.amount;
    } else {
      dr.debitsPosted += t.amount;
      cr.creditsPosted += t.amount;
    }
    transfers.set(t.id, {
      id: t.id,
      debit: t.debit,
      credit: t.credit,
      amount: t.amount,
      kind,
      pendingId: undefined,
      state: kind === "pending" ? "pending" : "posted",
    });
    return undefined;
  }

  function undo(t: TransferInput): void {
    const stored = transfers.get(t.id);
    if (stored === undefined) return;
    transfers.delete(t.id);
    if (stored.kind === "post" || stored.kind === "void") {
      const p = transfers.get(stored.pendingId as string) as LedgerTransfer;
      const dr = accounts.get(p.debit) as LedgerAccount;
      const cr = accounts.get(p.credit) as LedgerAccount;
      if (stored.kind === "post") {
        dr.debitsPosted -= p.amount;
        cr.creditsPosted -= p.amount;
      }
      dr.debitsPending += p.amount;
      cr.creditsPending += p.amount;
      p.state = "pending";
      return;
    }
    const dr = accounts.get(stored.debit) as LedgerAccount;
    const cr = accounts.get(stored.credit) as LedgerAccount;
    if (stored.kind === "pending") {
      dr.debitsPending -= stored.amount;
      cr.creditsPending -= stored.amount;
    } else {
      dr.debitsPosted -= stored.amount;
      cr.creditsPosted -= stored.amount;
    }
  }

  return {
    openAccount,
    account: (id) => accounts.get(id),
    accounts: () => accounts.values(),
    transfer: (id) => transfers.get(id),
    apply,
    applyLinked(inputs) {
      for (let i = 0; i < inputs.length; i++) {
        const error = apply(inputs[i] as TransferInput);
        if (error !== undefined) {
          for (let j = i - 1; j >= 0; j--) undo(inputs[j] as TransferInput);
          return { index: i, error };
        }
      }
      return undefined;
    },
    postedSum() {
      let sum = 0;
      for (const a of accounts.values()) sum += a.creditsPosted - a.debitsPosted;
      return sum;
    },
  };
}
