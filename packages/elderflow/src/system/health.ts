/**
 * Health records in the wired system: the register's check-up records (`@elderflow/register`'s
 * `createHealthRecords`) over the system's register, store and sealer. Without a sealer nothing
 * health-related can be stored or read back (`CIPHER_UNAVAILABLE`): the system never falls back to
 * keeping findings in the clear, nor to keys that a restart would lose. The due, overdue and
 * follow-up list needs no key and works either way.
 */
import { type Clock, ElderflowError, type FieldSealer } from "@elderflow/core";
import { createHealthRecords, type HealthRecordStore, type HealthRecords, type Register } from "@elderflow/register";

/** A sealer that refuses every sealing and opening: what the system uses when none is configured. */
const noSealer: FieldSealer = {
  suite: "none",
  seal: async () => {
    throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: "none" } });
  },
  open: async () => {
    throw new ElderflowError("CIPHER_UNAVAILABLE", { params: { suite: "none" } });
  },
  erase: async () => {},
};

/** What {@link systemHealthRecords} is built from. */
export interface SystemHealthDeps {
  /** The system's register. */
  readonly register: Register;
  /** Where the records are kept (beside the register). */
  readonly store: HealthRecordStore;
  /** The system's sealer, if one is configured. */
  readonly sealer: FieldSealer | undefined;
  /** The system's clock. */
  readonly clock: Clock;
}

/**
 * The system's health records: sealed under the configured sealer, or refusing to store findings
 * at all (`CIPHER_UNAVAILABLE`) when none is configured.
 *
 * @example
 * ```ts
 * const health = systemHealthRecords({ register, store: memoryHealthRecordStore(), sealer, clock });
 * await health.dueList(staff, { asOf: "2027-04-01" });
 * ```
 */
export function systemHealthRecords(deps: SystemHealthDeps): HealthRecords {
  return createHealthRecords({
    register: deps.register,
    store: deps.store,
    sealer: deps.sealer ?? noSealer,
    clock: deps.clock,
  });
}
