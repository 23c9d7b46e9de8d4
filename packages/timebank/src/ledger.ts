/**
 * The double-entry core, after TigerBeetle's account and transfer model: every movement debits one
 * account and credits another by the same whole number of minutes, so the sum of all balances is
 * zero at every instant. Two-phase transfers first reserve (pending), then post or void. No I/O,
 * synchronous, allocation-light: the time bank is built on it and the in-memory bench measures it.
 */

/**
 * An account or transfer id: a string (the time bank uses its command keys), or a number for
 * callers that, like TigerBeetle's clients, number their transfers (cheaper to hash).
 */
export type LedgerId = string | number;

/** Account flags. */
export interface LedgerAccountFlags {
  /**
   * The account may never owe: posted and pending debits together may not exceed posted credits
   * (TigerBeetle's `debits_must_not_exceed_credits`). Volunteer accounts carry it: no overdraft.
   */
  readonly debitsMustNotExceedCredits?: boolean;
}

/** A snapshot of one account's four running totals, in minutes, read in O(1). */
export interface LedgerAccount {
  /** Account id. */
  readonly id: LedgerId;
  /** Whether overdraft is refused. */
  readonly debitsMustNotExceedCredits: boolean;
  /** Minutes reserved to leave the account (pending debits). */
  readonly debitsPending: number;
  /** Minutes that have left the account. */
  readonly debitsPosted: number;
  /** Minutes on their way in (pending credits). */
  readonly creditsPending: number;
  /** Minutes that have arrived. */
  readonly creditsPosted: number;
}

/** A transfer as submitted. `pending`, `post` and `void` follow TigerBeetle's two-phase flags. */
export interface TransferInput {
  /** Unique transfer id. */
  readonly id: LedgerId;
  /** Account debited (ignored for post/void, which take the pending transfer's accounts). */
  readonly debit: LedgerId;
  /** Account credited (ignored for post/void). */
  readonly credit: LedgerId;
  /** Whole minutes, > 0 (for post/void: must equal the pending amount, or 0 for "all"). */
  readonly amount: number;
  /** `single` moves at once; `pending` reserves; `post`/`void` settle the pending transfer `pendingId`. */
  readonly kind?: "single" | "pending" | "post" | "void";
  /** For post/void: the pending transfer they settle. */
  readonly pendingId?: LedgerId;
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
  readonly id: LedgerId;
  /** Debited account. */
  readonly debit: LedgerId;
  /** Credited account. */
  readonly credit: LedgerId;
  /** Minutes. */
  readonly amount: number;
  /** Kind as submitted. */
  readonly kind: "single" | "pending" | "post" | "void";
  /** For post/void: the pending transfer. */
  readonly pendingId: LedgerId | undefined;
  /** `pending` until posted (`settled` once posted by a later post) or `voided`; singles/posts are `posted`. */
  readonly state: TransferState;
}

/** The in-memory double-entry ledger. */
export interface Ledger {
  /** Opens an account (a no-op if it already exists). */
  openAccount(id: LedgerId, flags?: LedgerAccountFlags): LedgerAccount;
  /** An account, or undefined. O(1). */
  account(id: LedgerId): LedgerAccount | undefined;
  /** Every account, in creation order. */
  accounts(): IterableIterator<LedgerAccount>;
  /** A transfer by id. */
  transfer(id: LedgerId): LedgerTransfer | undefined;
  /** Applies one transfer; returns undefined on success or the reason it was refused. */
  apply(input: TransferInput): TransferError | undefined;
  /**
   * Applies transfers as one all-or-nothing chain (TigerBeetle's `linked` flag): if any fails,
   * the ones before it are undone and the error of the failing one is returned with its index.
   */
  applyLinked(inputs: readonly TransferInput[]): { index: number; error: TransferError } | undefined;
  /** Sum over all accounts of (credits posted - debits posted); always 0. */
  postedSum(): number;
  /** A savepoint: how many accounts and transfers the ledger holds now. */
  mark(): LedgerMark;
  /**
   * Undoes every transfer and closes every account made since the savepoint, newest first, so the
   * ledger is exactly as it was at `mark()` (a command that failed half-way leaves no trace).
   */
  rollback(mark: LedgerMark): void;
  /**
   * Opens an account with its four totals as a checkpoint recorded them (restoring only: the
   * totals are set, not moved, so the zero-sum holds only if the checkpoint's accounts are whole).
   */
  restoreAccount(
    id: LedgerId,
    flags: LedgerAccountFlags,
    totals: Omit<LedgerAccount, "id" | "debitsMustNotExceedCredits">,
  ): void;
  /**
   * Records a pending transfer whose amounts a restored account already holds (restoring only), so
   * that a later post or void settles it as if it had been applied here.
   */
  restorePending(id: LedgerId, debit: LedgerId, credit: LedgerId, amount: number): void;
}

/**
 * A ledger savepoint from {@link Ledger.mark}.
 *
 * @example
 * ```ts
 * const m = ledger.mark();
 * ledger.apply({ id: 1, debit: "issued", credit: "v1", amount: 60 });
 * ledger.rollback(m); // as if never applied
 * ```
 */
export interface LedgerMark {
  /** Accounts at the savepoint. */
  readonly accounts: number;
  /** Transfers at the savepoint. */
  readonly transfers: number;
}

/**
 * Creates an empty in-memory ledger.
 *
 * Accounts and transfers live in typed arrays indexed through one `Map` each (struct of arrays),
 * so a transfer costs one map insert and a few array writes, and the garbage collector has almost
 * nothing to do: this is what the in-memory bench measures.
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
  const accountIndex = new Map<LedgerId, number>();
  const accountIds: LedgerId[] = [];
  let noOverdraft = new Uint8Array(64);
  let debitsPending = new Float64Array(64);
  let debitsPosted = new Float64Array(64);
  let creditsPending = new Float64Array(64);
  let creditsPosted = new Float64Array(64);

  const transferIndex = new Map<LedgerId, number>();
  const transferIds: LedgerId[] = [];
  let transferCount = 0;
  let tDebit = new Int32Array(256);
  let tCredit = new Int32Array(256);
  let tAmount = new Float64Array(256);
  /** 0 single, 1 pending, 2 post, 3 void. */
  let tKind = new Uint8Array(256);
  /** 0 posted, 1 pending, 2 voided, 3 settled. */
  let tState = new Uint8Array(256);
  let tPending = new Int32Array(256);

  const KINDS = ["single", "pending", "post", "void"] as const;
  const STATES: readonly TransferState[] = ["posted", "pending", "voided", "settled"];

  function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, size: number): T {
    const next = new (a.constructor as new (n: number) => T)(size);
    next.set(a);
    return next;
  }

  function openAccount(id: LedgerId, flags: LedgerAccountFlags = {}): LedgerAccount {
    if (!accountIndex.has(id)) {
      const i = accountIds.length;
      if (i === noOverdraft.length) {
        const size = i * 2;
        noOverdraft = grow(noOverdraft, size);
        debitsPending = grow(debitsPending, size);
        debitsPosted = grow(debitsPosted, size);
        creditsPending = grow(creditsPending, size);
        creditsPosted = grow(creditsPosted, size);
      }
      accountIndex.set(id, i);
      accountIds.push(id);
      noOverdraft[i] = flags.debitsMustNotExceedCredits ? 1 : 0;
    }
    return account(id) as LedgerAccount;
  }

  function account(id: LedgerId): LedgerAccount | undefined {
    const i = accountIndex.get(id);
    if (i === undefined) return undefined;
    return {
      id,
      debitsMustNotExceedCredits: noOverdraft[i] === 1,
      debitsPending: debitsPending[i] as number,
      debitsPosted: debitsPosted[i] as number,
      creditsPending: creditsPending[i] as number,
      creditsPosted: creditsPosted[i] as number,
    };
  }

  function push(
    id: LedgerId,
    debit: number,
    credit: number,
    amount: number,
    kind: number,
    state: number,
    pending: number,
  ) {
    const t = transferCount++;
    if (t === tDebit.length) {
      const size = t * 2;
      tDebit = grow(tDebit, size);
      tCredit = grow(tCredit, size);
      tAmount = grow(tAmount, size);
      tKind = grow(tKind, size);
      tState = grow(tState, size);
      tPending = grow(tPending, size);
    }
    tDebit[t] = debit;
    tCredit[t] = credit;
    tAmount[t] = amount;
    tKind[t] = kind;
    tState[t] = state;
    tPending[t] = pending;
    transferIndex.set(id, t);
    transferIds[t] = id;
  }

  function apply(t: TransferInput): TransferError | undefined {
    if (transferIndex.has(t.id)) return "exists";
    const kind = t.kind === undefined || t.kind === "single" ? 0 : t.kind === "pending" ? 1 : t.kind === "post" ? 2 : 3;
    if (kind >= 2) {
      const p = t.pendingId === undefined ? undefined : transferIndex.get(t.pendingId);
      if (p === undefined || tKind[p] !== 1) return "pending_transfer_not_found";
      if (tState[p] !== 1) return "pending_transfer_not_pending";
      const amount = tAmount[p] as number;
      if (t.amount !== 0 && t.amount !== amount) return "amount_mismatch";
      const dr = tDebit[p] as number;
      const cr = tCredit[p] as number;
      debitsPending[dr] = (debitsPending[dr] as number) - amount;
      creditsPending[cr] = (creditsPending[cr] as number) - amount;
      if (kind === 2) {
        debitsPosted[dr] = (debitsPosted[dr] as number) + amount;
        creditsPosted[cr] = (creditsPosted[cr] as number) + amount;
        tState[p] = 3;
      } else tState[p] = 2;
      push(t.id, dr, cr, amount, kind, 0, p);
      return undefined;
    }
    const amount = t.amount;
    if (!Number.isSafeInteger(amount) || amount <= 0) return "invalid_amount";
    if (t.debit === t.credit) return "same_account";
    const dr = accountIndex.get(t.debit);
    if (dr === undefined) return "debit_account_not_found";
    const cr = accountIndex.get(t.credit);
    if (cr === undefined) return "credit_account_not_found";
    if (
      noOverdraft[dr] === 1 &&
      (debitsPosted[dr] as number) + (debitsPending[dr] as number) + amount > (creditsPosted[dr] as number)
    )
      return "exceeds_credits";
    if (kind === 1) {
      debitsPending[dr] = (debitsPending[dr] as number) + amount;
      creditsPending[cr] = (creditsPending[cr] as number) + amount;
    } else {
      debitsPosted[dr] = (debitsPosted[dr] as number) + amount;
      creditsPosted[cr] = (creditsPosted[cr] as number) + amount;
    }
    push(t.id, dr, cr, amount, kind, kind === 1 ? 1 : 0, -1);
    return undefined;
  }

  /** Undoes the most recent transfer (linked chains are undone newest first). */
  function undoLast(id: LedgerId): void {
    const t = transferIndex.get(id);
    if (t === undefined || t !== transferCount - 1) return;
    transferIndex.delete(id);
    transferIds.length = t;
    transferCount--;
    const kind = tKind[t] as number;
    const amount = tAmount[t] as number;
    const dr = tDebit[t] as number;
    const cr = tCredit[t] as number;
    if (kind >= 2) {
      const p = tPending[t] as number;
      if (kind === 2) {
        debitsPosted[dr] = (debitsPosted[dr] as number) - amount;
        creditsPosted[cr] = (creditsPosted[cr] as number) - amount;
      }
      debitsPending[dr] = (debitsPending[dr] as number) + amount;
      creditsPending[cr] = (creditsPending[cr] as number) + amount;
      tState[p] = 1;
    } else if (kind === 1) {
      debitsPending[dr] = (debitsPending[dr] as number) - amount;
      creditsPending[cr] = (creditsPending[cr] as number) - amount;
    } else {
      debitsPosted[dr] = (debitsPosted[dr] as number) - amount;
      creditsPosted[cr] = (creditsPosted[cr] as number) - amount;
    }
  }

  return {
    openAccount,
    account,
    *accounts() {
      for (const id of accountIds) yield account(id) as LedgerAccount;
    },
    transfer(id) {
      const t = transferIndex.get(id);
      if (t === undefined) return undefined;
      const p = tPending[t] as number;
      return {
        id,
        debit: accountIds[tDebit[t] as number] as LedgerId,
        credit: accountIds[tCredit[t] as number] as LedgerId,
        amount: tAmount[t] as number,
        kind: KINDS[tKind[t] as number] as LedgerTransfer["kind"],
        pendingId: p >= 0 ? transferIds[p] : undefined,
        state: STATES[tState[t] as number] as TransferState,
      };
    },
    apply,
    applyLinked(inputs) {
      for (let i = 0; i < inputs.length; i++) {
        const error = apply(inputs[i] as TransferInput);
        if (error !== undefined) {
          for (let j = i - 1; j >= 0; j--) undoLast((inputs[j] as TransferInput).id);
          return { index: i, error };
        }
      }
      return undefined;
    },
    mark: () => ({ accounts: accountIds.length, transfers: transferCount }),
    rollback(m) {
      while (transferCount > m.transfers) undoLast(transferIds[transferCount - 1] as LedgerId);
      while (accountIds.length > m.accounts) {
        const i = accountIds.length - 1;
        accountIndex.delete(accountIds.pop() as LedgerId);
        noOverdraft[i] = 0;
        debitsPending[i] = 0;
        debitsPosted[i] = 0;
        creditsPending[i] = 0;
        creditsPosted[i] = 0;
      }
    },
    restoreAccount(id, flags, totals) {
      openAccount(id, flags);
      const i = accountIndex.get(id) as number;
      debitsPending[i] = totals.debitsPending;
      debitsPosted[i] = totals.debitsPosted;
      creditsPending[i] = totals.creditsPending;
      creditsPosted[i] = totals.creditsPosted;
    },
    restorePending(id, debit, credit, amount) {
      const dr = accountIndex.get(debit);
      const cr = accountIndex.get(credit);
      if (dr === undefined || cr === undefined || transferIndex.has(id) || !Number.isSafeInteger(amount) || amount <= 0)
        throw new RangeError("restored pending transfer does not fit the ledger");
      push(id, dr, cr, amount, 1, 1, -1);
    },
    postedSum() {
      let sum = 0;
      for (let i = 0; i < accountIds.length; i++) sum += (creditsPosted[i] as number) - (debitsPosted[i] as number);
      return sum;
    },
  };
}
