import { z } from "zod";
import { isIsoDate, isValidTimeZone } from "./dates";
import { ISSUE_CODE_PARAM } from "./errors";
import { checkIdNumber } from "./idnumber";
import { defaultRankScale, type RankScale } from "./ranks";
import { IdSchema } from "./text";

const code = (c: string, extra: Record<string, string | number> = {}) => ({
  params: { [ISSUE_CODE_PARAM]: c, ...extra },
});

/**
 * An ISO calendar date `YYYY-MM-DD` that exists (so `1950-02-30` is rejected with `INVALID_DATE`).
 *
 * @example
 * ```ts
 * IsoDateSchema.parse("1950-10-01");
 * ```
 */
export const IsoDateSchema = z.string().refine(isIsoDate, code("INVALID_DATE"));

/**
 * An IANA time zone name.
 *
 * @example
 * ```ts
 * TimeZoneSchema.parse("Asia/Shanghai");
 * ```
 */
export const TimeZoneSchema = z.string().refine(isValidTimeZone, code("UNKNOWN_TIME_ZONE"));

/** Gender as recorded on the ID card. */
export const Gender = z.enum(["male", "female"]);
/** Gender as recorded on the ID card. */
export type Gender = z.infer<typeof Gender>;

/** Which calendar a person keeps their birthday by; the lunar birthday is derived from `birthDate`. */
export const BirthdayCalendar = z.enum(["gregorian", "lunar"]);
/** Which calendar a person keeps their birthday by. */
export type BirthdayCalendar = z.infer<typeof BirthdayCalendar>;

/**
 * 离休 (lixiu): joined the revolution before Oct 1949 and left office with full pay;
 * 退休 (tuixiu): ordinarily retired.
 */
export const RetirementKind = z.enum(["lixiu", "tuixiu"]);
/** 离休 (lixiu) or 退休 (tuixiu). */
export type RetirementKind = z.infer<typeof RetirementKind>;

/**
 * Whether a person is still served: active, deceased, moved away (迁出, left the district), or
 * transferred (转出, their file handed to another bureau or unit). Every status but `active` means
 * the person is not served from `statusSince` on.
 */
export const PersonStatus = z.enum(["active", "deceased", "moved", "transferred"]);
/** Whether a person is still served. */
export type PersonStatus = z.infer<typeof PersonStatus>;

/** Household facts about a person (all optional): 空巢 (empty nest) is derived from them. */
export const HouseholdFacts = z.strictObject({
  /** Lives alone. */
  livesAlone: z.boolean().optional(),
  /** Has children living nearby who can help. */
  childrenNearby: z.boolean().optional(),
  /** The household record the person belongs to, if registered. */
  householdId: IdSchema.optional(),
});
/** Household facts about a person. */
export type HouseholdFacts = z.infer<typeof HouseholdFacts>;

/** Health facts about a person (sensitive: masked wherever they could leak). */
export const HealthFacts = z.strictObject({
  /** Number of chronic conditions; 多病 (multi-illness) is derived from it. */
  chronicConditions: z.number().int().min(0).max(50).optional(),
  /** Mobility is limited; 生活不便 (difficulty in daily life). */
  mobilityLimited: z.boolean().optional(),
});
/** Health facts about a person. */
export type HealthFacts = z.infer<typeof HealthFacts>;

const PHONE = /^(\+?86)?(1\d{10}|0\d{2,3}-?\d{7,8})$/;

/** Options for {@link personSchema}. */
export interface PersonSchemaOptions {
  /** The rank scale that `rank` must be on (default: the civil-service scale). */
  readonly scale?: RankScale;
  /** Today's date: birth and status dates after it are rejected with `FUTURE_DATE`. */
  readonly today?: string;
}

/**
 * Builds the person schema for a rank scale and, optionally, today's date (so that future birth
 * dates are rejected). {@link Person} is this schema with the default scale and no date limit.
 *
 * @example
 * ```ts
 * const schema = personSchema({ today: "2026-11-26" });
 * schema.safeParse({ id: "p1", name: "张小三", gender: "male", birthDate: "1950-10-01",
 *   retirementKind: "tuixiu", rank: "section", communityId: "c01" }).success; // true
 * ```
 */
export function personSchema(options: PersonSchemaOptions = {}) {
  const scale = options.scale ?? defaultRankScale;
  const todayLimit = options.today;
  const pastDate = IsoDateSchema.superRefine((d, ctx) => {
    if (!isIsoDate(d)) return;
    if (d < "1880-01-01") ctx.addIssue({ code: "custom", ...code("TOO_SMALL", { minimum: "1880-01-01" }) });
    if (todayLimit !== undefined && d > todayLimit)
      ctx.addIssue({ code: "custom", ...code("FUTURE_DATE", { limit: todayLimit }) });
  });
  return z
    .strictObject({
      /** Stable record id. */
      id: IdSchema,
      /** Full name (personal data). */
      name: z.string().trim().min(1).max(100),
      /** Gender. */
      gender: Gender,
      /** Birth date as on the ID card. */
      birthDate: pastDate,
      /** Calendar the birthday is kept by (default gregorian). */
      birthdayCalendar: BirthdayCalendar.default("gregorian"),
      /** 18-character resident ID number (personal data), GB 11643 checksum validated. */
      idNumber: z
        .string()
        .superRefine((v, ctx) => {
          const r = checkIdNumber(v);
          if (!r.ok) ctx.addIssue({ code: "custom", ...code(r.code) });
        })
        .optional(),
      /** Phone number (personal data). */
      phone: z
        .string()
        .refine((v) => PHONE.test(v.replace(/\s/g, "")), code("INVALID_PHONE"))
        .optional(),
      /** lixiu or tuixiu. */
      retirementKind: RetirementKind,
      /** Rank id on the rank scale. */
      rank: z.string().superRefine((r, ctx) => {
        if (!scale.has(r)) ctx.addIssue({ code: "custom", ...code("UNKNOWN_RANK") });
      }),
      /** The community the person is registered in. */
      communityId: IdSchema,
      /** Service status (default active). */
      status: PersonStatus.default("active"),
      /** Since when the status holds; required unless active. */
      statusSince: pastDate.optional(),
      /** Household facts. */
      household: HouseholdFacts.optional(),
      /** Health facts. */
      health: HealthFacts.optional(),
      /** Free-form extra attributes kept by the embedding system (not read by Elderflow). */
      extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    })
    .superRefine((p, ctx) => {
      // Cross-field checks: they run once every field is valid on its own.
      if (p.statusSince !== undefined && p.statusSince < p.birthDate)
        ctx.addIssue({ code: "custom", path: ["statusSince"], ...code("DATE_ORDER") });
      if (p.status !== "active" && p.statusSince === undefined)
        ctx.addIssue({ code: "custom", path: ["statusSince"], ...code("REQUIRED") });
      if (p.idNumber !== undefined) {
        const r = checkIdNumber(p.idNumber);
        if (r.ok && r.info.birthDate !== p.birthDate)
          ctx.addIssue({ code: "custom", path: ["idNumber"], ...code("ID_NUMBER_BIRTH_DATE_MISMATCH") });
        if (r.ok && r.info.gender !== p.gender)
          ctx.addIssue({ code: "custom", path: ["idNumber"], ...code("ID_NUMBER_GENDER_MISMATCH") });
      }
    });
}

/**
 * A retired cadre as exchanged in JSON (the interchange form the CLI reads). Only `id`, `name`,
 * `gender`, `birthDate`, `retirementKind`, `rank` and `communityId` are required;
 * `birthdayCalendar` defaults to `"gregorian"` and `status` to `"active"`.
 *
 * @example
 * ```ts
 * const p = Person.parse({ id: "p1", name: "张小三", gender: "male", birthDate: "1950-10-01",
 *   retirementKind: "lixiu", rank: "deputy_county", communityId: "c01" });
 * p.birthdayCalendar; // "gregorian"
 * ```
 */
export const Person = personSchema();
/** A retired cadre (parsed form, defaults filled). */
export type Person = z.output<typeof Person>;
/** A retired cadre as written in JSON, before defaults are filled. */
export type PersonInput = z.input<typeof Person>;

/** The kinds of unit in the organisation tree, top first: 街道 → 社区 → 居委会 → 片(组). */
export const OrgUnitKind = z.enum(["district", "street_office", "community", "residents_committee", "block"]);
/** A kind of organisation unit. */
export type OrgUnitKind = z.infer<typeof OrgUnitKind>;

/** One unit of the organisation tree. */
export const OrgUnit = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** What kind of unit it is. */
  kind: OrgUnitKind,
  /** Display name. */
  name: z.string().min(1).max(200),
  /** The unit above it (absent for the root). */
  parentId: IdSchema.optional(),
});
/** One unit of the organisation tree. */
export type OrgUnit = z.infer<typeof OrgUnit>;

/** A point on the map, WGS-84 degrees. */
export const GeoPoint = z.strictObject({
  /** Latitude, -90 to 90. */
  lat: z.number().min(-90).max(90),
  /** Longitude, -180 to 180. */
  lng: z.number().min(-180).max(180),
});
/** A point on the map. */
export type GeoPoint = z.infer<typeof GeoPoint>;

/** The service kinds named in the reports; embedding systems may add their own snake_case kinds. */
export const KNOWN_SERVICE_KINDS = [
  "plumbing",
  "appliance_repair",
  "daily_goods",
  "housekeeping",
  "medical_care",
  "emotional_comfort",
  "study_delivery",
  "emergency_help",
  "legal_aid",
] as const;

/** A service kind id (snake_case). */
export const ServiceKind = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/);
/** A service kind id: one of {@link KNOWN_SERVICE_KINDS} or a local one. */
export type ServiceKind = z.infer<typeof ServiceKind>;

/** A service point (服务网点): where hotline requests are dispatched. */
export const ServicePoint = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** Display name. */
  name: z.string().min(1).max(200),
  /** The community it serves. */
  communityId: IdSchema,
  /** Where it is. */
  location: GeoPoint,
  /** What it can do. */
  serviceKinds: z.array(ServiceKind).min(1),
  /** Takes calls at any hour (24-hour line). */
  open24h: z.boolean().default(true),
  /**
   * Local opening hours when not open around the clock (`HH:MM`; `to` before `from` spans
   * midnight). Without them a point that is not `open24h` keeps day hours, 08:00 to 20:00.
   */
  hours: z
    .strictObject({
      from: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/),
      to: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/),
    })
    .optional(),
});
/** A service point. */
export type ServicePoint = z.output<typeof ServicePoint>;

/** A volunteer's certificate (持证上岗): a level for a skill, valid for a period, from an issuer. */
export const Certification = z
  .strictObject({
    /** The skill or service kind it certifies. */
    skill: ServiceKind,
    /** Level, 1 (basic) to 5 (expert). */
    level: z.number().int().min(1).max(5),
    /** First day of validity. */
    validFrom: IsoDateSchema,
    /** Last day of validity (absent: no end). */
    validTo: IsoDateSchema.optional(),
    /** Issuing body. */
    issuer: z.string().min(1).max(200),
  })
  .superRefine((c, ctx) => {
    if (c.validTo !== undefined && c.validTo < c.validFrom)
      ctx.addIssue({ code: "custom", path: ["validTo"], ...code("DATE_ORDER") });
  });
/** A volunteer's certificate. */
export type Certification = z.infer<typeof Certification>;

/** A part of the day a volunteer can serve in: 上午 (morning), 下午 (afternoon), 晚上 (evening). */
export const DaySlot = z.enum(["morning", "afternoon", "evening"]);
/** A part of the day. */
export type DaySlot = z.infer<typeof DaySlot>;

/**
 * When a volunteer can serve, or when a need should be met: an ISO weekday (1 = Monday … 7 =
 * Sunday; weeks start on Monday) and a part of the day.
 *
 * @example
 * ```ts
 * Availability.parse({ weekday: 1, slot: "morning" }); // Monday mornings
 * ```
 */
export const Availability = z.strictObject({
  /** ISO weekday, 1 (Monday) to 7 (Sunday). */
  weekday: z.int().min(1).max(7),
  /** Part of the day. */
  slot: DaySlot,
});
/** A weekday and part of the day. */
export type Availability = z.infer<typeof Availability>;

/** A volunteer (志愿者): often a retired cadre themselves. */
export const Volunteer = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** The person record, when the volunteer is also a registered cadre. */
  personId: IdSchema.optional(),
  /** Name (personal data). */
  name: z.string().trim().min(1).max(100),
  /** Phone (personal data). */
  phone: z.string().regex(PHONE).optional(),
  /** Home community. */
  communityId: IdSchema,
  /** Volunteer team (one of the district's teams). */
  teamId: IdSchema.optional(),
  /** Registered skills (特长). */
  skills: z.array(ServiceKind).default([]),
  /** Certificates. */
  certifications: z.array(Certification).default([]),
  /** The volunteer's household, whose members may draw on the volunteer's time-bank hours. */
  householdId: IdSchema.optional(),
  /** When the volunteer can serve (absent: not declared; matching then treats every slot alike). */
  availability: z.array(Availability).max(21).optional(),
  /** Most pairings and matched needs the volunteer takes on at once (absent: the matching policy's default). */
  maxLoad: z.int().min(0).max(50).optional(),
});
/** A volunteer. */
export type Volunteer = z.output<typeof Volunteer>;

/** How a family member is related to the household's reference person. */
export const Relation = z.enum(["self", "spouse", "child", "parent", "sibling", "grandchild", "other"]);
/** A family relation. */
export type Relation = z.infer<typeof Relation>;

/** A household and its members; family members may draw on a volunteer member's hours. */
export const Household = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** The community it is registered in. */
  communityId: IdSchema,
  /** Members; each refers to a person id (a cadre, or a family member registered for services). */
  members: z
    .array(
      z.strictObject({
        /** Person id. */
        personId: IdSchema,
        /** Relation to the reference person. */
        relation: Relation,
      }),
    )
    .min(1),
});
/** A household. */
export type Household = z.infer<typeof Household>;

/** A volunteer team (志愿者队伍). */
export const Team = z.strictObject({
  /** Stable id. */
  id: IdSchema,
  /** Name. */
  name: z.string().min(1).max(200),
  /** The street office or community that runs it. */
  orgUnitId: IdSchema,
  /** Team leader (a volunteer id); a registrar for the time bank. */
  leaderId: IdSchema.optional(),
});
/** A volunteer team. */
export type Team = z.infer<typeof Team>;
