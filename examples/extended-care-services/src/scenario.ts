import {
  defaultRankScale,
  fixedClock,
  generateDistrict,
  isElderflowError,
  type Person,
  priorityFlags,
} from "@elderflow/core";
import { createElderflow, type workflow } from "elderflow";

/** The day of the scenario. */
export const ON = "2027-03-01";

type Flag = "advancedAge" | "emptyNest" | "multiIllness" | "mobilityLimited";
const FLAGS: readonly Flag[] = ["advancedAge", "emptyNest", "multiIllness", "mobilityLimited"];

/** One cadre's way through the care pathway. */
export interface PathwayOutcome {
  readonly personId: string;
  readonly rank: string;
  /** The states the pathway passed through, in order. */
  readonly states: readonly string[];
  /** The hospital-visit task the wiring made from the admission (rule 2). */
  readonly hospitalVisit: { readonly assignees: readonly string[]; readonly mode: unknown } | undefined;
  /** The five extended services as they ended. */
  readonly services: Readonly<Record<string, string>>;
  /** Error codes of refused events (closing with a service still open). */
  readonly refused: readonly string[];
}

/** What the scenario did. */
export interface ScenarioResult {
  readonly communityId: string;
  /** Active cadres of the community. */
  readonly cadres: number;
  /** Priority targets (重点服务对象) of the community, with how many carry each flag. */
  readonly targets: readonly string[];
  readonly byFlag: Readonly<Record<Flag, number>>;
  readonly pathways: readonly PathwayOutcome[];
}

/**
 * Seed 001 in one community of the synthetic district: find the priority targets (高龄、空巢、多病、
 * 生活不便), then take two of them — one of deputy-county rank and above, one ordinary cadre —
 * through "小病在社区，大病进医院，康复回社区" with the five extended services.
 */
export async function runScenario(): Promise<ScenarioResult> {
  const district = generateDistrict({ seed: 1, year: 2026 });
  const isSenior = (p: Person) => defaultRankScale.atLeast(p.rank, "deputy_county");
  const flagsOf = (p: Person) => priorityFlags(p, ON);
  const isTarget = (p: Person) => FLAGS.some((f) => flagsOf(p)[f]);

  // The first community with a priority target on each side of the deputy-county line.
  const active = district.persons.filter((p) => p.status === "active");
  const community = district.communities.find((c) => {
    const here = active.filter((p) => p.communityId === c.id && isTarget(p));
    return here.some(isSenior) && here.some((p) => !isSenior(p));
  });
  if (community === undefined) throw new Error("no community with both kinds of priority target");
  const cadres = active.filter((p) => p.communityId === community.id);
  const targets = cadres.filter(isTarget);
  const byFlag = Object.fromEntries(FLAGS.map((f) => [f, targets.filter((p) => flagsOf(p)[f]).length])) as Record<
    Flag,
    number
  >;

  const flow = await createElderflow({
    clock: fixedClock(`${ON}T09:00:00+08:00`),
    store: { kind: "pglite" }, // embedded PostgreSQL, in memory
    directory: { servicePoints: district.servicePoints, volunteers: district.volunteers },
  });
  const doctor: workflow.WorkflowActor = { id: "doc-01", role: "doctor", communityId: community.id };
  const staff: workflow.WorkflowActor = { id: "staff-01", role: "community_staff", communityId: community.id };
  const volunteer: workflow.WorkflowActor = { id: "v0001", role: "volunteer", communityId: community.id };

  const pathways: PathwayOutcome[] = [];
  for (const cadre of [targets.find(isSenior), targets.find((p) => !isSenior(p))] as Person[]) {
    const id = `care-${cadre.id}`;
    const refused: string[] = [];
    let n = 0;
    const send = async (type: string, actor: workflow.WorkflowActor, payload?: Record<string, unknown>) => {
      try {
        await flow.workflows.send(id, { id: `${id}-${++n}`, type, actor, ...(payload ? { payload } : {}) });
      } catch (e) {
        if (!isElderflowError(e)) throw e;
        refused.push(e.code);
      }
    };
    await flow.workflows.start("carePathway", {
      id,
      actor: doctor,
      input: { communityId: community.id, personId: cadre.id, rank: cadre.rank },
    });
    // 小病在社区: the community doctor treats a minor illness.
    await send("TASK_OPEN", doctor, { service: "medical_care" });
    await send("TASK_DONE", doctor, { service: "medical_care" });
    // 大病进医院: referral and admission; the wiring turns the admission into a hospital visit.
    await send("REFER", doctor, { hospitalId: "county-hospital" });
    await send("ADMIT", doctor, { hospitalId: "county-hospital" });
    await flow.pump();
    // 康复回社区: back home, the other four services are arranged.
    await send("DISCHARGE", doctor);
    await send("START_REHAB", doctor);
    for (const service of ["housekeeping", "study_activities", "emotional_comfort", "emergency_help"])
      await send("TASK_OPEN", volunteer, { service });
    await send("CLOSE", staff); // refused: services still open
    for (const service of ["housekeeping", "study_activities", "emotional_comfort", "emergency_help"])
      await send("TASK_DONE", volunteer, { service });
    await send("CLOSE", staff);

    const history = await flow.workflows.history(id, staff);
    const states = history.map((h) => h.to).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    const instance = await flow.workflows.query(id, staff);
    const visit = (await flow.tasks.list({ id: "bureau", roles: ["bureau"] }, "hospital_visit")).find(
      (t) => t.personId === cadre.id,
    );
    pathways.push({
      personId: cadre.id,
      rank: cadre.rank,
      states,
      hospitalVisit: visit && { assignees: visit.assignees, mode: visit.details.mode },
      services: (instance.context as unknown as workflow.CarePathwayContext).tasks,
      refused,
    });
  }
  await flow.close();
  return { communityId: community.id, cadres: cadres.length, targets: targets.map((p) => p.id), byFlag, pathways };
}
