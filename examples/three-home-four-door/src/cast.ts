import type { Person, ServicePoint } from "@elderflow/core";

/** The community of the scenario (the report's district is not named; its papers are Zibo's). */
export const COMMUNITY = "zibo-c01";

/** What the services read of a cadre: ids, dates, kind, rank, status and mobility. No names. */
export type Cadre = Pick<
  Person,
  | "id"
  | "birthDate"
  | "birthdayCalendar"
  | "retirementKind"
  | "rank"
  | "status"
  | "statusSince"
  | "communityId"
  | "health"
>;

/** A cadre with defaults; each test case states only what it is about. */
export function aCadre(c: Partial<Cadre> & Pick<Cadre, "id" | "birthDate">): Cadre {
  return {
    birthdayCalendar: "gregorian",
    retirementKind: "tuixiu",
    rank: "section",
    status: "active",
    communityId: COMMUNITY,
    health: { mobilityLimited: false },
    ...c,
  };
}

/** Six retired cadres of one community, chosen so that each rule has something to decide in 2027. */
export const CADRES: readonly Cadre[] = [
  // lixiu, deputy-county: turns 75, celebrated (70 group)
  aCadre({ id: "c1", birthDate: "1952-04-10", retirementKind: "lixiu", rank: "deputy_county" }),
  // lixiu below deputy-county: turns 75, not yet (ordinary cadres from 80)
  aCadre({ id: "c2", birthDate: "1952-06-01", retirementKind: "lixiu", rank: "section" }),
  // keeps a lunar birthday: turns 80 in the lunar calendar
  aCadre({ id: "c3", birthDate: "1947-09-15", birthdayCalendar: "lunar", rank: "county" }),
  // turns 90 and cannot come to study: materials are delivered
  aCadre({ id: "c4", birthDate: "1937-02-28", rank: "section_member", health: { mobilityLimited: true } }),
  // died in 2026: on no list of 2027
  aCadre({ id: "c5", birthDate: "1947-07-20", status: "deceased", statusSince: "2026-12-01" }),
  // lixiu, department rank, 97 in 2027 (not a round age); housebound
  aCadre({
    id: "c6",
    birthDate: "1930-11-11",
    retirementKind: "lixiu",
    rank: "department",
    health: { mobilityLimited: true },
  }),
];

/** Two service points of the community for the 24-hour line (家政维修送上门). */
export const SERVICE_POINTS: readonly ServicePoint[] = [
  {
    id: "sp-near",
    name: "便民服务网点（近）",
    communityId: COMMUNITY,
    location: { lat: 36.8131, lng: 118.0549 },
    serviceKinds: ["plumbing", "appliance_repair"],
    open24h: true,
  },
  {
    id: "sp-far",
    name: "便民服务网点（远）",
    communityId: COMMUNITY,
    location: { lat: 36.8631, lng: 118.1049 },
    serviceKinds: ["plumbing", "daily_goods"],
    open24h: true,
  },
];
