/**
 * What the register shows to whom: masked rows for listings and exports, masked change payloads for
 * histories read by actors who may not see personal data.
 */
import {
  type Gender,
  maskIdNumber,
  maskName,
  maskPhone,
  type Person,
  type PersonStatus,
  type RetirementKind,
} from "@elderflow/core";
import type { RecordedChange } from "./changes";

/**
 * A person as listings and exports show them: the name masked (张*三), ID number and phone masked,
 * the birth date cut to year and month (`YYYY-MM`), no health facts and no free-form extras.
 */
export interface MaskedPerson {
  /** Record id. */
  readonly id: string;
  /** The name, masked (`maskName`). */
  readonly maskedName: string;
  /** Gender. */
  readonly gender: Gender;
  /** Year and month of birth, `YYYY-MM`. */
  readonly birthMonth: string;
  /** lixiu or tuixiu. */
  readonly retirementKind: RetirementKind;
  /** Rank id. */
  readonly rank: string;
  /** The community the person is registered in. */
  readonly communityId: string;
  /** Service status. */
  readonly status: PersonStatus;
  /** Since when a status holds. */
  readonly statusSince?: string;
  /** The ID number, masked (110105********002X). */
  readonly maskedIdNumber?: string;
  /** The phone, masked (138****5678). */
  readonly maskedPhone?: string;
}

/**
 * Masks a person for a listing or an export.
 *
 * @example
 * ```ts
 * maskPerson(person).maskedName; // "张*三"
 * ```
 */
export function maskPerson(p: Person): MaskedPerson {
  return {
    id: p.id,
    maskedName: maskName(p.name),
    gender: p.gender,
    birthMonth: p.birthDate.slice(0, 7),
    retirementKind: p.retirementKind,
    rank: p.rank,
    communityId: p.communityId,
    status: p.status,
    ...(p.statusSince === undefined ? {} : { statusSince: p.statusSince }),
    ...(p.idNumber === undefined ? {} : { maskedIdNumber: maskIdNumber(p.idNumber) }),
    ...(p.phone === undefined ? {} : { maskedPhone: maskPhone(p.phone) }),
  };
}

/**
 * A copy of a recorded change with its personal fields masked: names, ID numbers and phones by
 * the mask helpers, birth dates cut to `YYYY-MM`, health facts removed (an empty patch), free-form
 * extras dropped, and the reason dropped (free text may name anyone). Marked `masked: true`.
 *
 * @example
 * ```ts
 * maskChange(recorded).masked; // true
 * ```
 */
export function maskChange(change: RecordedChange): RecordedChange {
  const { reason: _reason, ...c } = change;
  switch (c.kind) {
    case "enrol": {
      const { extra: _extra, health: _health, ...rest } = c.person;
      const person = {
        ...rest,
        name: maskName(rest.name),
        ...(rest.idNumber === undefined ? {} : { idNumber: maskIdNumber(rest.idNumber) }),
        ...(rest.phone === undefined ? {} : { phone: maskPhone(rest.phone) }),
        birthDate: rest.birthDate.slice(0, 7),
      };
      return { ...c, person, masked: true };
    }
    case "health":
      return { ...c, health: {}, masked: true };
    case "contact": {
      const out: Record<string, unknown> = { ...c, masked: true };
      if (typeof c.name === "string") out.name = maskName(c.name);
      if (typeof c.idNumber === "string") out.idNumber = maskIdNumber(c.idNumber);
      if (typeof c.phone === "string") out.phone = maskPhone(c.phone);
      if (c.birthDate !== undefined) out.birthDate = c.birthDate.slice(0, 7);
      return out as RecordedChange;
    }
    default:
      return { ...c, masked: true };
  }
}
