import {
  type Availability,
  type Certification,
  certificationValidOn,
  certifiedLevel,
  fillTemplate,
  type IsoDate,
  ServiceKind,
  type Volunteer,
} from "@elderflow/core";
import { z } from "zod";
import { definePolicy } from "../builder";
import { defineFacts } from "../facts";
import type { Text, Value } from "../model";
import type { Decision, Policy, PolicyOptions } from "../policy";
import { NAME_LABEL, t } from "./common";

/** Most skills a need asks for. */
const MAX_SKILLS = 16;

/**
 * The facts the matching policy reads for one volunteer and one need: the volunteer's valid
 * certificate level on the day for the skill the need certifies, how many of the need's skills the
 * volunteer has, and the volunteer's current load. Community and availability weigh in the score
 * (the policy's weights), not in whether the volunteer may serve.
 */
export const MatchingFactsSchema = z.object({
  /** Volunteer name (personal data; never needed, masked when given). */
  name: z.string().min(1).max(100).optional(),
  /** The need's service kind. */
  serviceKind: ServiceKind,
  /** The volunteer's valid certificate level on the day for the need's certified skill (0: none valid). */
  certifiedLevel: z.int().min(0).max(5),
  /** The level the need itself asks for (0: none beyond the policy's). */
  neededLevel: z.int().min(0).max(5).default(0),
  /** How many skills the need asks for (its service kind and any further skills). */
  skillsRequired: z.int().min(1).max(MAX_SKILLS),
  /** How many of them the volunteer has (registered 特长, or a certificate valid on the day). */
  skillsMatched: z.int().min(0).max(MAX_SKILLS),
  /** Pairings and matched needs the volunteer carries now. */
  load: z.int().min(0).max(1000),
  /** The volunteer's own most load (absent: the policy's default). */
  maxLoad: z.int().min(0).max(50).optional(),
});
/** The facts the matching policy reads. */
export type MatchingFacts = z.output<typeof MatchingFactsSchema>;

/**
 * The fact set of the matching policy.
 *
 * @example
 * ```ts
 * MatchingFactSet.parse({ serviceKind: "medical_care", certifiedLevel: 2, skillsRequired: 1, skillsMatched: 1, load: 0 }).ok; // true
 * ```
 */
export const MatchingFactSet = defineFacts({
  id: "matching",
  schema: MatchingFactsSchema,
  subject: "name",
  labels: {
    name: NAME_LABEL,
    serviceKind: { label: t("服务项目", "service") },
    certifiedLevel: {
      label: t("持证等级", "certified level"),
      template: t("持证{value}级", "certified level {value}"),
    },
    neededLevel: {
      label: t("需求所需等级", "level the need asks"),
      template: t("需求要求{value}级", "need asks level {value}"),
    },
    skillsRequired: { label: t("所需技能数", "skills asked") },
    skillsMatched: { label: t("具备技能数", "skills held"), template: t("具备{value}项技能", "{value} skills held") },
    load: { label: t("当前服务对象数", "current load"), template: t("当前服务{value}人", "serving {value} now") },
    maxLoad: { label: t("最多服务对象数", "most load") },
  },
});

/** The policy id of {@link matchingPolicy}. */
export const MATCHING_POLICY_ID = "matching";

/** The weights of the matching score (defaults 40, 30, 20 and 5). */
export interface MatchingWeights {
  /** Weight of the share of skills asked that the volunteer holds. */
  readonly skill?: number;
  /** Weight of serving in the need's own community. */
  readonly community?: number;
  /** Weight of being free at a time asked (or the need set none). */
  readonly availability?: number;
  /** Penalty per pairing or matched need the volunteer carries now. */
  readonly load?: number;
}

/** Readings of the matching policy a bureau may change. */
export interface MatchingReadings {
  /** Services only a certified volunteer gives (default: medical care, emergency help, legal aid). */
  readonly certifiedKinds?: readonly string[];
  /** The level they need (default 2, as the volunteer-level preset's professional and legal services). */
  readonly certifiedLevel?: number;
  /** Most load of a volunteer who declared none (default 3). */
  readonly defaultMaxLoad?: number;
  /** Score weights: skill share, same community, availability, and the penalty per current load. */
  readonly weights?: MatchingWeights;
  /** First day in effect (default `"2009-01-01"`). */
  readonly from?: IsoDate;
}

/**
 * Matching volunteers to a need (rules 11 and 12; seeds 001 and 004: the 小组长、楼道长 information
 * officers "登记造册" residents' needs and volunteers' skills, and volunteers "持证上岗"). A volunteer
 * may serve (`match`) when: the service is not one that needs a certificate, or the volunteer holds
 * a valid one at the level on the day; the level the need itself asks is met; the volunteer has at
 * least one of the skills asked; and the volunteer carries less than their most load. Those who
 * may serve are ranked by a score whose weights are parameters of the version in effect (see
 * {@link rankVolunteers}). The reports give no weights: these are local readings.
 *
 * @example
 * ```ts
 * matchingPolicy().decide({ serviceKind: "medical_care", certifiedLevel: 1, skillsRequired: 1, skillsMatched: 1, load: 0 }, "2027-03-16").granted; // false
 * ```
 */
export function matchingPolicy(readings: MatchingReadings = {}, options: PolicyOptions = {}): Policy<MatchingFacts> {
  const w = readings.weights ?? {};
  return definePolicy(MatchingFactSet, {
    id: MATCHING_POLICY_ID,
    title: t("需求与志愿者匹配", "Matching needs to volunteers"),
    source: {
      document: "seed 001, seed 004",
      quote: "小组长、楼道长担任信息员，将居民需求和志愿者特长登记造册；对志愿者进行培训考核，持证上岗",
      rule: 11,
    },
    readings: {
      weights: t("报告未规定匹配权重，按本地参数设定", "the reports set no weights: they are local parameters"),
      certificate: t(
        "持证项目以服务当日有效的证书为准，过期即不能匹配",
        "a certified service needs a certificate valid on the day; an expired one never matches",
      ),
    },
  })
    .version(
      {
        version: "2027",
        from: readings.from ?? "2009-01-01",
        params: {
          certifiedKinds: {
            label: t("须持证的服务项目", "services that need a certificate"),
            value: [...(readings.certifiedKinds ?? ["medical_care", "emergency_help", "legal_aid"])],
          },
          certifiedLevel: { label: t("须持证项目的等级", "level they need"), value: readings.certifiedLevel ?? 2 },
          defaultMaxLoad: { label: t("默认最多服务对象数", "default most load"), value: readings.defaultMaxLoad ?? 3 },
          skillWeight: { label: t("技能匹配权重", "weight of skill match"), value: w.skill ?? 40 },
          communityWeight: { label: t("同社区权重", "weight of same community"), value: w.community ?? 30 },
          availabilityWeight: { label: t("时间可用权重", "weight of availability"), value: w.availability ?? 20 },
          loadWeight: { label: t("每个服务对象的扣分", "penalty per current load"), value: w.load ?? 5 },
        },
      },
      (d) =>
        d.rules(
          "first",
          [
            d.rule(
              "may_serve",
              t(
                "持证项目须持当日有效的相应等级证书，具备所需技能，且服务对象未满",
                "certified services need a valid certificate at the level, a skill asked, and room in the load",
              ),
              d.all(
                d.any(
                  d.notIn("serviceKind", d.param("certifiedKinds")),
                  d.ge("certifiedLevel", d.param("certifiedLevel")),
                ),
                d.ge("certifiedLevel", d.fact("neededLevel")),
                d.gt("skillsMatched", 0),
                d.any(
                  d.all(d.present("maxLoad"), d.lt("load", d.fact("maxLoad"))),
                  d.all(d.not(d.present("maxLoad")), d.lt("load", d.param("defaultMaxLoad"))),
                ),
              ),
              d.grant(["match"]),
            ),
          ],
          d.grant([]),
        ),
    )
    .build(options);
}

/** What a need asks of a volunteer (a need of the needs register, or any other). */
export interface MatchNeed {
  /** The service kind. */
  readonly serviceKind: string;
  /** Further skills asked, beyond the service kind. */
  readonly skills?: readonly string[];
  /** The certificate level for the service kind the need asks for itself (1–5), beyond the policy's. */
  readonly level?: number;
  /** The community of the person in need. */
  readonly communityId: string;
  /** When the need should be met (absent: any time). */
  readonly slots?: readonly Availability[];
}

/** A volunteer as matching sees them: the core profile and the current load. */
export interface MatchCandidate
  extends Pick<Volunteer, "id" | "communityId" | "skills" | "certifications" | "availability" | "maxLoad"> {
  /** Pairings and matched needs the volunteer carries now (default 0). */
  readonly load?: number;
}

/** Why a volunteer ranks where they do, or why they are left out. */
export type MatchReasonCode =
  | "certified"
  | "certificate_missing"
  | "certificate_below_level"
  | "certificate_expired"
  | "certificate_not_yet_valid"
  | "no_skill"
  | "at_capacity"
  | "skill_match"
  | "same_community"
  | "other_community"
  | "available"
  | "unavailable"
  | "availability_unknown"
  | "any_time"
  | "load";

/** The codes that leave a volunteer out. */
const EXCLUDING: ReadonlySet<MatchReasonCode> = new Set([
  "certificate_missing",
  "certificate_below_level",
  "certificate_expired",
  "certificate_not_yet_valid",
  "no_skill",
  "at_capacity",
]);

/**
 * The text of every reason, zh-CN and en, with `{placeholders}` filled from its params (ids,
 * numbers and dates only).
 *
 * @example
 * ```ts
 * MATCH_REASON_TEXTS.certificate_expired.en; // "certificate for {skill} expired on {validTo}"
 * ```
 */
export const MATCH_REASON_TEXTS: Readonly<Record<MatchReasonCode, Text>> = {
  certified: t(
    "持有{skill}证书{level}级（需{required}级）",
    "certified for {skill} at level {level} (needs {required})",
  ),
  certificate_missing: t("没有{skill}证书", "no certificate for {skill}"),
  certificate_below_level: t(
    "{skill}证书为{level}级，低于所需{required}级",
    "certificate for {skill} is level {level}, below the {required} needed",
  ),
  certificate_expired: t("{skill}证书已于{validTo}过期", "certificate for {skill} expired on {validTo}"),
  certificate_not_yet_valid: t(
    "{skill}证书自{validFrom}起才有效",
    "certificate for {skill} is valid only from {validFrom}",
  ),
  no_skill: t("不具备所需技能", "holds none of the skills asked"),
  at_capacity: t("已服务{load}人，达到上限{maxLoad}人", "already serves {load}, the most is {maxLoad}"),
  skill_match: t("具备所需技能{matched}/{required}项", "holds {matched} of {required} skills asked"),
  same_community: t("同一社区", "same community"),
  other_community: t("不同社区", "another community"),
  available: t("所需时段有空", "free at the times asked"),
  unavailable: t("所需时段无空", "not free at the times asked"),
  availability_unknown: t("未登记可服务时间", "no availability declared"),
  any_time: t("需求不限时段", "the need has no set times"),
  load: t("当前服务{load}人", "serves {load} now"),
};

/** One reason, with its params. */
export interface MatchReason {
  /** The code. */
  readonly code: MatchReasonCode;
  /** Ids, numbers and dates that fill its text. */
  readonly params: Readonly<Record<string, string | number>>;
}

/** One volunteer's place for a need: ranked (with a score) or left out, and why. */
export interface MatchEntry {
  /** The volunteer. */
  readonly volunteerId: string;
  /** Whether the policy lets the volunteer serve the need. */
  readonly eligible: boolean;
  /** 1 for the best; null when left out. */
  readonly rank: number | null;
  /** The score (0 when left out). */
  readonly score: number;
  /** Why: the excluding reasons first when left out, else the parts of the score. */
  readonly reasons: readonly MatchReason[];
  /** The reasons in one sentence per language. */
  readonly text: Text;
  /** The facts the policy decided on. */
  readonly facts: MatchingFacts;
  /** The policy's decision (version and rule). */
  readonly decision: Decision;
}

/** A certificate a need requires: the skill (its service kind) and the lowest level that serves. */
export interface RequiredCertificate {
  /** The certified skill. */
  readonly skill: string;
  /** The level. */
  readonly level: number;
}

/** The ranking of volunteers for one need on one day. */
export interface MatchResult {
  /** The day matched on. */
  readonly on: IsoDate;
  /** The policy version in effect. */
  readonly version: string;
  /** The certificate the need requires on the day, or null. */
  readonly certificate: RequiredCertificate | null;
  /** Those who may serve, best first (score, then lighter load, then id). */
  readonly ranked: readonly MatchEntry[];
  /** Those left out, by id. */
  readonly excluded: readonly MatchEntry[];
}

/** Options of {@link rankVolunteers}. */
export interface RankOptions {
  /** The matching policy (default {@link matchingPolicy} with its default readings). */
  readonly policy?: Policy<MatchingFacts>;
}

let defaultPolicy: Policy<MatchingFacts> | undefined;

function presetMatching(): Policy<MatchingFacts> {
  defaultPolicy ??= matchingPolicy();
  return defaultPolicy;
}

const num = (v: Value | undefined, fallback: number): number => (typeof v === "number" ? v : fallback);
const list = (v: Value | undefined): readonly string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/**
 * The certificate a need requires on a day under the matching policy, always for its service
 * kind: the policy's level for a certified kind, or the need's own, whichever is higher; null when
 * neither asks one.
 *
 * @example
 * ```ts
 * requiredCertificate({ serviceKind: "medical_care", communityId: "c1" }, "2027-03-16"); // { skill: "medical_care", level: 2 }
 * ```
 */
export function requiredCertificate(
  need: Pick<MatchNeed, "serviceKind" | "level">,
  on: IsoDate,
  policy: Policy<MatchingFacts> = presetMatching(),
): RequiredCertificate | null {
  const params = policy.paramsOn(on);
  const byPolicy = list(params.certifiedKinds).includes(need.serviceKind) ? num(params.certifiedLevel, 2) : 0;
  const level = Math.max(need.level ?? 0, byPolicy);
  return level === 0 ? null : { skill: need.serviceKind, level };
}

function certificateReason(certs: readonly Certification[], skill: string, required: number, on: IsoDate): MatchReason {
  const own = certs.filter((c) => c.skill === skill);
  const valid = certifiedLevel({ certifications: [...own] }, skill, on);
  if (valid >= required) return { code: "certified", params: { skill, level: valid, required } };
  if (own.length === 0) return { code: "certificate_missing", params: { skill } };
  // A certificate that would serve but for its dates says more than a valid one of a lower level.
  const highEnough = own.filter((c) => c.level >= required && !certificationValidOn(c, on));
  const expired = highEnough.filter((c) => c.validTo !== undefined && c.validTo < on);
  if (expired.length > 0) {
    const validTo = expired
      .map((c) => c.validTo as string)
      .sort()
      .at(-1) as string;
    return { code: "certificate_expired", params: { skill, validTo } };
  }
  if (highEnough.length > 0) {
    const validFrom = highEnough.map((c) => c.validFrom).sort()[0] as string;
    return { code: "certificate_not_yet_valid", params: { skill, validFrom } };
  }
  if (valid > 0) return { code: "certificate_below_level", params: { skill, level: valid, required } };
  const lapsed = own.filter((c) => c.validTo !== undefined && c.validTo < on);
  if (lapsed.length > 0)
    return {
      code: "certificate_expired",
      params: {
        skill,
        validTo: lapsed
          .map((c) => c.validTo as string)
          .sort()
          .at(-1) as string,
      },
    };
  return {
    code: "certificate_not_yet_valid",
    params: { skill, validFrom: own.map((c) => c.validFrom).sort()[0] as string },
  };
}

function sentence(reasons: readonly MatchReason[]): Text {
  const join = (lang: "zh-CN" | "en") =>
    reasons.map((r) => fillTemplate(MATCH_REASON_TEXTS[r.code][lang], r.params)).join(lang === "en" ? "; " : "；");
  return { "zh-CN": join("zh-CN"), en: join("en") };
}

/**
 * Ranks volunteers for a need on a day under the matching policy in effect, explaining each: why
 * ranked (certificate, skills, community, availability, load) or why left out (certificate
 * missing, below level, expired or not yet valid on the day; no skill asked; load full). A need
 * for a certified service never ranks a volunteer without a valid certificate at the level that
 * day. Score = skill weight × share of skills held + community weight (same community) +
 * availability weight (free at a time asked, or the need has none) − load weight × current load.
 *
 * @example
 * ```ts
 * const result = rankVolunteers({ serviceKind: "medical_care", communityId: "c1" }, volunteers, "2027-03-16");
 * result.ranked[0]?.volunteerId;
 * result.excluded.map((e) => e.text.en); // ["certificate for medical_care expired on 2027-03-15", …]
 * ```
 */
export function rankVolunteers(
  need: MatchNeed,
  volunteers: readonly MatchCandidate[],
  on: IsoDate,
  options: RankOptions = {},
): MatchResult {
  const policy = options.policy ?? presetMatching();
  const params = policy.paramsOn(on);
  const certificate = requiredCertificate(need, on, policy);
  const asked = [...new Set([need.serviceKind, ...(need.skills ?? [])])].slice(0, MAX_SKILLS);
  const slots = need.slots ?? [];
  const defaultMaxLoad = num(params.defaultMaxLoad, 3);
  const ranked: MatchEntry[] = [];
  const excluded: MatchEntry[] = [];
  for (const v of volunteers) {
    const reasons: MatchReason[] = [];
    const level = certifiedLevel(v, need.serviceKind, on);
    if (certificate !== null)
      reasons.push(certificateReason(v.certifications, certificate.skill, certificate.level, on));
    const held = new Set([
      ...v.skills,
      ...v.certifications.filter((c) => certificationValidOn(c, on)).map((c) => c.skill),
    ]);
    const matched = asked.filter((s) => held.has(s)).length;
    reasons.push(
      matched === 0
        ? { code: "no_skill", params: {} }
        : { code: "skill_match", params: { matched, required: asked.length } },
    );
    const load = v.load ?? 0;
    const maxLoad = v.maxLoad ?? defaultMaxLoad;
    reasons.push(
      load >= maxLoad ? { code: "at_capacity", params: { load, maxLoad } } : { code: "load", params: { load } },
    );
    const same = v.communityId === need.communityId;
    reasons.push({ code: same ? "same_community" : "other_community", params: {} });
    const declared = v.availability;
    const available =
      slots.length === 0
        ? "any_time"
        : declared === undefined || declared.length === 0
          ? "availability_unknown"
          : slots.some((s) => declared.some((d) => d.weekday === s.weekday && d.slot === s.slot))
            ? "available"
            : "unavailable";
    reasons.push({ code: available, params: {} });
    const facts: MatchingFacts = {
      serviceKind: need.serviceKind,
      certifiedLevel: level,
      neededLevel: need.level ?? 0,
      skillsRequired: asked.length,
      skillsMatched: matched,
      load: Math.min(load, 1000),
      ...(v.maxLoad === undefined ? {} : { maxLoad: v.maxLoad }),
    };
    const decision = policy.decide(facts, on);
    const eligible = decision.entitlements.includes("match");
    if (!eligible) {
      const why = reasons.filter((r) => EXCLUDING.has(r.code));
      excluded.push({
        volunteerId: v.id,
        eligible,
        rank: null,
        score: 0,
        reasons: why,
        text: sentence(why),
        facts,
        decision,
      });
      continue;
    }
    const score =
      Math.round(
        (num(params.skillWeight, 40) * (matched / asked.length) +
          (same ? num(params.communityWeight, 30) : 0) +
          (available === "available" || available === "any_time" ? num(params.availabilityWeight, 20) : 0) -
          num(params.loadWeight, 5) * load) *
          100,
      ) / 100;
    ranked.push({ volunteerId: v.id, eligible, rank: 0, score, reasons, text: sentence(reasons), facts, decision });
  }
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      a.facts.load - b.facts.load ||
      (a.volunteerId < b.volunteerId ? -1 : a.volunteerId > b.volunteerId ? 1 : 0),
  );
  excluded.sort((a, b) => (a.volunteerId < b.volunteerId ? -1 : a.volunteerId > b.volunteerId ? 1 : 0));
  return {
    on,
    version: policy.resolve(on).json.version,
    certificate,
    ranked: ranked.map((e, i) => ({ ...e, rank: i + 1 })),
    excluded,
  };
}
