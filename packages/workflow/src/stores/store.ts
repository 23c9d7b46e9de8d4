import type {
  Commit,
  CommitOutcome,
  Erasure,
  ListFilter,
  LogEntry,
  OutboxItem,
  StoredInstance,
  StoredTimer,
} from "../types";

/**
 * Where the engine keeps instances, event logs, timers and the outbox. One small interface with
 * four implementations (memory, PGlite, PostgreSQL, MySQL/MariaDB), all proven by the same contract
 * tests.
 *
 * `commit` is the only write path and is atomic: the instance row, its log entry, its timer
 * changes and its outbox items are written together or not at all. It fails with
 * `CONCURRENT_UPDATE` when the stored version is not `expectedVersion`, `DUPLICATE_ID` when the
 * event id is already in the instance's log (or the instance exists, on create), and
 * `UNKNOWN_INSTANCE` when updating an instance that does not exist.
 */
export interface WorkflowStore {
  /** Which backend (for diagnostics). */
  readonly kind: string;
  /** Reads one instance; with an event id, also whether that id is in its log already. */
  load(instanceId: string, eventId?: string): Promise<{ instance: StoredInstance; seen: boolean } | undefined>;
  /**
   * Applies one commit atomically (see the interface notes for its errors). The SQL stores group
   * the commits that arrive while one is being written into the next {@link WorkflowStore.commitMany}.
   */
  commit(commit: Commit): Promise<void>;
  /**
   * Applies many commits together (the SQL stores: one set-based statement, one transaction, for
   * each round of distinct instances). Each commit is checked on its own (version, fired timer,
   * event id), so one refused commit never stops the others; outcomes come back in input order.
   * Two commits of one instance are applied in input order, the second against the first's version.
   */
  commitMany(commits: readonly Commit[]): Promise<CommitOutcome[]>;
  /** Reads many instances at once (the ones that exist, by id). */
  loadMany(instanceIds: readonly string[]): Promise<Map<string, StoredInstance>>;
  /** Instances matching a filter, priority first, then oldest first. */
  list(filter: ListFilter): Promise<StoredInstance[]>;
  /** The event log of one instance, in order. */
  events(instanceId: string): Promise<LogEntry[]>;
  /** The pending timers of one instance. */
  timers(instanceId: string): Promise<StoredTimer[]>;
  /** Timers due at or before `now`, earliest first. */
  dueTimers(now: number, limit: number): Promise<StoredTimer[]>;
  /**
   * Claims timers due at or before `now` (earliest first, at most `limit`) for this store until
   * `lease.until`: another process's store skips them until then, and rows another process is
   * claiming at this moment are skipped rather than waited for (`for update skip locked`). Timers
   * this store claimed before are claimed again. A commit that fires, cancels or replaces a timer
   * ends its claim. Optional: stores without it (memory, MySQL, the sole-writer store) are read
   * with {@link WorkflowStore.dueTimers}.
   */
  claimDueTimers?(now: number, limit: number, lease: TimerLease): Promise<StoredTimer[]>;
  /** Deletes a timer whose event no longer applies, if it still has this `fireAt`. */
  dropTimer(timer: StoredTimer): Promise<void>;
  /** Undelivered outbox items, oldest first. */
  outbox(limit: number): Promise<OutboxItem[]>;
  /** Marks outbox items delivered. */
  markDelivered(ids: readonly string[]): Promise<void>;
  /**
   * Ids of the instances that name a person: a top-level value of the snapshot context equal to
   * the id, or the person as the actor of a log entry.
   */
  naming(personId: string): Promise<string[]>;
  /**
   * Applies one erasure atomically: the instance row (guarded by `expectedVersion`, else
   * `CONCURRENT_UPDATE`), the changed log payloads and the erasure's own log entry.
   */
  erase(erasure: Erasure): Promise<void>;
  /**
   * Wakes a worker when a writer (any process) committed timers or emitted events: PostgreSQL's
   * LISTEN/NOTIFY, on a connection of its own; resolves to a function that stops listening. Absent
   * on the stores that are polled (memory, PGlite, MySQL: it has no LISTEN/NOTIFY).
   */
  subscribe?(onWake: () => void): Promise<() => Promise<void>>;
  /** Releases resources the store owns. */
  close(): Promise<void>;
}

/**
 * How long a claim on due timers holds (see {@link WorkflowStore.claimDueTimers}): claims whose
 * `until` is at or before `at` have lapsed. Epoch milliseconds of the engine's clock.
 *
 * @example
 * ```ts
 * const lease: TimerLease = { at: clock.now(), until: clock.now() + 60_000 };
 * ```
 */
export interface TimerLease {
  /** Now, by the clock of the process that claims. */
  readonly at: number;
  /** The end of the claim. */
  readonly until: number;
}
