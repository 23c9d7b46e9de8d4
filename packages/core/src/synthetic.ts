import { daysInMonth, formatIsoDate } from "./dates";
import { ElderflowError } from "./errors";
import { makeIdNumber } from "./idnumber";
import { type Random, seededRandom } from "./random";
import { DEFAULT_RANK_IDS } from "./ranks";
import {
  type Household,
  KNOWN_SERVICE_KINDS,
  type OrgUnit,
  type Person,
  type ServicePoint,
  type Team,
  type Volunteer,
} from "./schemas";

/** Options for {@link generateDistrict}. */
export interface SyntheticDistrictOptions {
  /** Seed: the same seed gives the same district, byte for byte. Default 1. */
  readonly seed?: number | string;
  /** The year the district is "as of": ages and status dates are drawn around it. Default 2026. */
  readonly year?: number;
  /**
   * Size multiplier: 1 is the reports' district (3,310 cadres of whom 270 lixiu, 98 communities,
   * 12 teams, 350 volunteers); 10 is a province-sized set of districts. Default 1.
   */
  readonly scale?: number;
  /** Share of persons who keep a lunar birthday. Default 0.25. */
  readonly lunarShare?: number;
}

/** A synthetic district: every record valid under the core schemas. */
export interface SyntheticDistrict {
  /** The seed it was made from. */
  readonly seed: number | string;
  /** The year it is "as of". */
  readonly year: number;
  /** The organisation tree: district, street offices and towns, communities, committees. */
  readonly orgUnits: readonly OrgUnit[];
  /** The communities alone (a subset of orgUnits). */
  readonly communities: readonly OrgUnit[];
  /** Retired cadres. */
  readonly persons: readonly Person[];
  /** Volunteers, some of them cadres themselves. */
  readonly volunteers: readonly Volunteer[];
  /** Volunteer teams. */
  readonly teams: readonly Team[];
  /** Volunteers' households with their family members. */
  readonly households: readonly Household[];
  /** Service points for hotline dispatch. */
  readonly servicePoints: readonly ServicePoint[];
}

const SURNAMES = Array.from(
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛",
);
const GIVEN = Array.from("国华建明文军平志德永秀英玉兰桂芳淑珍凤云海林春生庆福荣光辉立新成忠诚学东伟红丽霞敏静洪清泉");
const STREETS = ["新华街道", "新湖街道", "天衢街道", "宋官屯街道", "黄河涯镇", "二屯镇"];
const BASE_LAT = 37.45;
const BASE_LNG = 116.3;

function name(rng: Random): string {
  const n = rng.chance(0.6) ? 2 : 1;
  let s = rng.pick(SURNAMES);
  for (let i = 0; i < n; i++) s += rng.pick(GIVEN);
  return s;
}

function date(rng: Random, fromYear: number, toYear: number): string {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  return formatIsoDate(y, m, rng.int(1, daysInMonth(y, m)));
}

function phone(rng: Random): string {
  return `1${rng.pick(["3", "5", "8"])}${String(rng.int(0, 999_999_999)).padStart(9, "0")}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * Generates a synthetic district at the scale of the reports (seed 004: 3,310 retired cadres of
 * whom 270 lixiu, 98 communities with 47 urban and 51 rural, 12 volunteer teams with 350 members),
 * deterministic for a seed. Every record passes the core schemas; ID numbers carry valid checksums
 * and match birth date and gender. For tests, benchmarks and the demo; it contains no real person.
 *
 * @example
 * ```ts
 * const d = generateDistrict({ seed: 7 });
 * d.persons.length; // 3310
 * d.persons.filter((p) => p.retirementKind === "lixiu").length; // 270
 * ```
 */
export function generateDistrict(options: SyntheticDistrictOptions = {}): SyntheticDistrict {
  const seed = options.seed ?? 1;
  const year = options.year ?? 2026;
  const scale = options.scale ?? 1;
  const lunarShare = options.lunarShare ?? 0.25;
  if (!Number.isInteger(scale) || scale < 1 || scale > 1000)
    throw new ElderflowError("OUT_OF_RANGE", {
      path: ["scale"],
      params: { detail: "scale must be an integer 1..1000" },
    });
  if (!Number.isInteger(year) || year < 1990 || year > 2100)
    throw new ElderflowError("OUT_OF_RANGE", { path: ["year"], params: { detail: "year must be 1990..2100" } });
  const root = seededRandom(seed);
  const orgRng = root.fork("org");
  const personRng = root.fork("persons");
  const volRng = root.fork("volunteers");

  const orgUnits: OrgUnit[] = [];
  const communities: OrgUnit[] = [];
  const urban: OrgUnit[] = [];
  const rural: OrgUnit[] = [];
  const servicePoints: ServicePoint[] = [];
  for (let d = 0; d < scale; d++) {
    const districtId = `d${pad(d + 1, 2)}`;
    orgUnits.push({ id: districtId, kind: "district", name: d === 0 ? "德城区" : `第${d + 1}区` });
    const streets = STREETS.map((n, i) => {
      const unit: OrgUnit = { id: `${districtId}-s${i + 1}`, kind: "street_office", name: n, parentId: districtId };
      orgUnits.push(unit);
      return unit;
    });
    // 47 urban communities under the four street offices, 51 rural under the two towns.
    for (let c = 0; c < 98; c++) {
      const isUrban = c < 47;
      const parent = isUrban ? (streets[c % 4] as OrgUnit) : (streets[4 + (c % 2)] as OrgUnit);
      const unit: OrgUnit = {
        id: `${districtId}-c${pad(c + 1, 3)}`,
        kind: "community",
        name: `${isUrban ? "城市" : "农村"}社区${c + 1}`,
        parentId: parent.id,
      };
      orgUnits.push(unit);
      communities.push(unit);
      (isUrban ? urban : rural).push(unit);
      const committees = orgRng.int(1, 4);
      for (let r = 0; r < committees; r++) {
        orgUnits.push({
          id: `${unit.id}-r${r + 1}`,
          kind: "residents_committee",
          name: `居委会${r + 1}`,
          parentId: unit.id,
        });
      }
      const lat = BASE_LAT + (orgRng.next() - 0.5) * 0.2;
      const lng = BASE_LNG + (orgRng.next() - 0.5) * 0.2;
      const points = isUrban ? 2 : 1;
      for (let s = 0; s < points; s++) {
        const kinds = new Set<string>();
        const n = orgRng.int(2, 5);
        for (let k = 0; k < n; k++) kinds.add(orgRng.pick(KNOWN_SERVICE_KINDS.slice(0, 6)));
        servicePoints.push({
          id: `${unit.id}-sp${s + 1}`,
          name: `服务网点${c + 1}-${s + 1}`,
          communityId: unit.id,
          location: { lat: lat + (orgRng.next() - 0.5) * 0.01, lng: lng + (orgRng.next() - 0.5) * 0.01 },
          serviceKinds: [...kinds],
          open24h: s === 0,
        });
      }
    }
  }

  const persons: Person[] = [];
  const total = 3310 * scale;
  const lixiuCount = 270 * scale;
  for (let i = 0; i < total; i++) {
    const lixiu = i % 3310 < 270;
    // 96% of retired cadres live in urban communities (seed 004).
    const community = personRng.chance(0.96) ? personRng.pick(urban) : personRng.pick(rural);
    const gender = personRng.chance(lixiu ? 0.8 : 0.62) ? "male" : "female";
    // Lixiu joined before Oct 1949; in the reports they were 78–102 in 2009 (born ~1907–1931).
    const birthDate = lixiu ? date(personRng, year - 104, year - 91) : date(personRng, year - 95, year - 56);
    const rankIndex = lixiu
      ? personRng.weighted([0, 1, 4, 10, 30, 25, 15, 10, 4, 1])
      : personRng.weighted([5, 25, 25, 20, 12, 8, 3, 1.5, 0.4, 0.1]);
    const seq =
      personRng.int(0, 99) * 10 +
      (gender === "male" ? personRng.pick([1, 3, 5, 7, 9]) : personRng.pick([0, 2, 4, 6, 8]));
    const roll = personRng.next();
    const status = roll < 0.02 ? "deceased" : roll < 0.03 ? "moved" : "active";
    const person: Person = {
      id: `p${pad(i + 1, 6)}`,
      name: name(personRng),
      gender,
      birthDate,
      birthdayCalendar: personRng.chance(lunarShare) ? "lunar" : "gregorian",
      idNumber: makeIdNumber("371402", birthDate, seq),
      phone: phone(personRng),
      retirementKind: lixiu ? "lixiu" : "tuixiu",
      rank: DEFAULT_RANK_IDS[rankIndex] as string,
      communityId: community.id,
      status,
      ...(status === "active" ? {} : { statusSince: date(personRng, year - 1, year - 1) }),
      household: {
        livesAlone: personRng.chance(lixiu ? 0.25 : 0.12),
        childrenNearby: personRng.chance(0.6),
      },
      health: {
        chronicConditions: personRng.weighted(lixiu ? [10, 25, 30, 20, 15] : [30, 30, 20, 12, 8]),
        mobilityLimited: personRng.chance(lixiu ? 0.35 : 0.08),
      },
    };
    persons.push(person);
  }
  void lixiuCount;

  const teams: Team[] = [];
  for (let t = 0; t < 12 * scale; t++) {
    const street = orgUnits.filter((u) => u.kind === "street_office")[t % (6 * scale)] as OrgUnit;
    teams.push({ id: `t${pad(t + 1, 3)}`, name: `老干部志愿者队伍${t + 1}`, orgUnitId: street.id });
  }
  const volunteers: Volunteer[] = [];
  const households: Household[] = [];
  const cadreVolunteers = persons.filter((p) => p.retirementKind === "tuixiu" && p.status === "active");
  for (let v = 0; v < 350 * scale; v++) {
    const asCadre = volRng.chance(0.6) ? volRng.pick(cadreVolunteers) : undefined;
    const communityId = asCadre?.communityId ?? volRng.pick(communities).id;
    const skills = new Set<string>();
    const nSkills = volRng.int(1, 3);
    for (let k = 0; k < nSkills; k++) skills.add(volRng.pick(KNOWN_SERVICE_KINDS));
    const certifications = [...skills].map((skill) => {
      const from = date(volRng, year - 4, year - 1);
      return {
        skill,
        level: volRng.weighted([30, 35, 20, 10, 5]) + 1,
        validFrom: from,
        validTo: `${Number(from.slice(0, 4)) + 3}${from.slice(4)}`.replace(/-02-29$/, "-02-28"),
        issuer: volRng.chance(0.7) ? "中国社区志愿者证" : "区民政局",
      };
    });
    const id = `v${pad(v + 1, 4)}`;
    const team = teams[v % teams.length] as Team;
    if (v < teams.length) team.leaderId = id;
    const householdId = `h${pad(v + 1, 4)}`;
    const members: Household["members"][number][] = [{ personId: asCadre?.id ?? `${id}-self`, relation: "self" }];
    const nFamily = volRng.int(0, 3);
    const relations = ["spouse", "child", "parent", "grandchild"] as const;
    for (let f = 0; f < nFamily; f++)
      members.push({
        personId: `${id}-f${f + 1}`,
        relation: relations[f % 4] as Household["members"][number]["relation"],
      });
    households.push({ id: householdId, communityId, members });
    volunteers.push({
      id,
      ...(asCadre ? { personId: asCadre.id } : {}),
      name: asCadre?.name ?? name(volRng),
      phone: asCadre?.phone ?? phone(volRng),
      communityId,
      teamId: team.id,
      skills: [...skills],
      certifications,
      householdId,
    });
  }

  return { seed, year, orgUnits, communities, persons, volunteers, teams, households, servicePoints };
}
