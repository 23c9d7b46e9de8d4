/**
 * The register behind the access log: a decorator over the public {@link Register} interface, so
 * the register's own code does not change. A caller states a purpose once and gets a register
 * whose every read and write is logged with that purpose, the actor and the persons it touched.
 */
import type { HealthRecords } from "../health";
import type { Register } from "../register";
import { type AccessLog, type AccessPurposeInput, parsePurpose } from "./log";

/** A register that can only be used for a stated purpose. */
export interface AuditedRegister {
  /**
   * The register for one purpose. Throws `PURPOSE_REQUIRED` without a purpose from the list,
   * or the note's text problem.
   */
  for(purpose: AccessPurposeInput): Register;
  /** The log it writes to. */
  readonly log: AccessLog;
  /** Closes the register. */
  close(): Promise<void>;
}

/**
 * Wraps a register so that every access is logged. Reads are logged after the register answers
 * and before the answer is returned (a read whose log entry cannot be written returns nothing);
 * writes are logged with the persons whose changes were accepted.
 *
 * @example
 * ```ts
 * const audited = auditedRegister(register, log);
 * const p = await audited.for({ purpose: "hotline", note: "工单 42" }).get("p-0001", staff);
 * ```
 */
export function auditedRegister(register: Register, log: AccessLog): AuditedRegister {
  return {
    log,
    close: () => register.close(),
    for(purposeInput) {
      const purpose = parsePurpose(purposeInput);
      return {
        async record(changes, actor) {
          const out = await register.record(changes, actor);
          const subjects = out.flatMap((o) => (o.ok ? [o.change.personId] : []));
          if (subjects.length > 0) await log.append(actor, { ...purpose, operation: "record", subjects });
          return out;
        },
        async get(personId, actor, options) {
          const p = await register.get(personId, actor, options);
          await log.append(actor, { ...purpose, operation: "get", subjects: [personId] });
          return p;
        },
        async persons(actor, options) {
          const ps = await register.persons(actor, options);
          await log.append(actor, { ...purpose, operation: "persons", subjects: ps.map((p) => p.id) });
          return ps;
        },
        async list(actor, options) {
          const ps = await register.list(actor, options);
          await log.append(actor, { ...purpose, operation: "list", subjects: ps.map((p) => p.id) });
          return ps;
        },
        async history(personId, actor) {
          const h = await register.history(personId, actor);
          await log.append(actor, { ...purpose, operation: "history", subjects: [personId] });
          return h;
        },
        async exportRows(actor, options) {
          const ps = await register.exportRows(actor, options);
          await log.append(actor, { ...purpose, operation: "export", subjects: ps.map((p) => p.id) });
          return ps;
        },
        async findByIdNumber(idNumber, actor, options) {
          const ps = await register.findByIdNumber(idNumber, actor, options);
          // The subjects are the persons found, never the number asked for.
          await log.append(actor, { ...purpose, operation: "find_by_id_number", subjects: ps.map((p) => p.id) });
          return ps;
        },
        async erase(personId, actor) {
          await register.erase(personId, actor);
          await log.append(actor, { ...purpose, operation: "erase", subjects: [personId] });
        },
        // Checks the chains of ciphertext: no personal data is read, so nothing is logged.
        verify: (actor) => register.verify(actor),
        close: () => register.close(),
      };
    },
  };
}

/** Health records that can only be used for a stated purpose. */
export interface AuditedHealthRecords {
  /** The health records for one purpose (`PURPOSE_REQUIRED` without one). */
  for(purpose: AccessPurposeInput): HealthRecords;
  /** The log it writes to. */
  readonly log: AccessLog;
}

/**
 * Wraps health records (个人健康档案) so that every read and write of a person's findings is
 * logged, like {@link auditedRegister}. `verify` reads no personal data and is not logged.
 *
 * @example
 * ```ts
 * const health = auditedHealthRecords(flow.health, flow.access);
 * await health.for({ purpose: "health_care" }).records("p-0001", doctor);
 * ```
 */
export function auditedHealthRecords(health: HealthRecords, log: AccessLog): AuditedHealthRecords {
  return {
    log,
    for(purposeInput) {
      const purpose = parsePurpose(purposeInput);
      return {
        async record(inputs, actor) {
          const out = await health.record(inputs, actor);
          const subjects = out.flatMap((o) => {
            const id = o.ok ? (inputs[o.index] as { personId?: unknown } | undefined)?.personId : undefined;
            return typeof id === "string" ? [id] : [];
          });
          if (subjects.length > 0) await log.append(actor, { ...purpose, operation: "health_record", subjects });
          return out;
        },
        async records(personId, actor, options) {
          const r = await health.records(personId, actor, options);
          await log.append(actor, { ...purpose, operation: "health_records", subjects: [personId] });
          return r;
        },
        async history(personId, actor) {
          const r = await health.history(personId, actor);
          await log.append(actor, { ...purpose, operation: "health_history", subjects: [personId] });
          return r;
        },
        verify: (actor) => health.verify(actor),
        async dueList(actor, options) {
          const rows = await health.dueList(actor, options);
          await log.append(actor, { ...purpose, operation: "health_due_list", subjects: rows.map((r) => r.personId) });
          return rows;
        },
        async erase(personId, actor) {
          await health.erase(personId, actor);
          await log.append(actor, { ...purpose, operation: "health_erase", subjects: [personId] });
        },
      };
    },
  };
}
