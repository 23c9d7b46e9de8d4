import { generateDistrict, type Person } from "@elderflow/core";
import { analyseImpact, type BirthdayFacts, type ImpactReport } from "@elderflow/policy";
import { birthdayRoster } from "@elderflow/schedule";
import { countyBirthdayPolicy, REFORM_FROM, REFORM_VERSION } from "./policy";

/** One birthday in the reform year: who, when, and the facts the birthday policy reads. */
export interface Birthday {
  readonly personId: string;
  readonly date: string;
  readonly facts: BirthdayFacts;
}

/** The impact of the county's change over a synthetic district, with the breakdown a bureau asks for. */
export interface CountyImpact {
  /** The reform year. */
  readonly year: number;
  /** Active cadres in the district. */
  readonly cadres: number;
  /** The policy package's report: every birthday of the year under both versions. */
  readonly report: ImpactReport;
  /** Celebrations gained, by retirement kind and age reached. */
  readonly gainedBy: readonly { readonly retirementKind: string; readonly age: number; readonly count: number }[];
  /** Celebrations gained per month (extra visits to plan). */
  readonly gainedByMonth: Readonly<Record<string, number>>;
}

/**
 * Every birthday of `year` in the district: the roster (both calendars, SKIP rules, only active
 * cadres) with no celebration filter, so that both versions of the rule see the same population.
 */
export function birthdaysOf(persons: readonly Person[], year: number): Birthday[] {
  const byId = new Map(persons.map((p) => [p.id, p]));
  return birthdayRoster(persons, { from: `${year}-01-01`, to: `${year}-12-31` }).map((e) => {
    const p = byId.get(e.personId) as Person;
    return {
      personId: e.personId,
      date: e.date,
      facts: { retirementKind: p.retirementKind, rank: p.rank, age: e.age },
    };
  });
}

/**
 * Who gains and who loses a birthday celebration in the reform year when the county's 2027
 * version replaces the 2009 one, over the seeded synthetic district (3,310 cadres).
 */
export async function countyImpact(seed = 1): Promise<CountyImpact> {
  const year = Number(REFORM_FROM.slice(0, 4));
  const district = generateDistrict({ seed, year: year - 1 });
  const birthdays = birthdaysOf(district.persons, year);
  const ids = birthdays.map((b) => `${b.personId}@${b.date}`);
  const byId = new Map(birthdays.map((b, i) => [ids[i] as string, b]));
  const policy = countyBirthdayPolicy();
  const report = await analyseImpact(
    birthdays.map((b) => b.facts),
    {
      on: REFORM_FROM,
      before: { policy, version: "2009" },
      after: { policy, version: REFORM_VERSION },
      // Ids only: impact reports are shared, names never leave the record.
      idOf: (_facts, i) => ids[i] as string,
      entitlement: "birthday_visit",
    },
  );
  const groups = new Map<string, { retirementKind: string; age: number; count: number }>();
  const gainedByMonth: Record<string, number> = {};
  for (const g of report.gains) {
    const b = byId.get(g.id) as Birthday;
    const key = `${b.facts.retirementKind}:${b.facts.age}`;
    const group = groups.get(key) ?? { retirementKind: b.facts.retirementKind, age: b.facts.age, count: 0 };
    group.count++;
    groups.set(key, group);
    const month = b.date.slice(0, 7);
    gainedByMonth[month] = (gainedByMonth[month] ?? 0) + 1;
  }
  return {
    year,
    cadres: district.persons.filter((p) => p.status === "active").length,
    report,
    gainedBy: [...groups.values()].sort((a, b) => a.retirementKind.localeCompare(b.retirementKind) || a.age - b.age),
    gainedByMonth,
  };
}
