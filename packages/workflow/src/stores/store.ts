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
