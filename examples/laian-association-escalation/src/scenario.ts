import { buildOrgTree, isElderflowError, manualClock, type OrgTree, type OrgUnit } from "@elderflow/core";
import { createElderflow, type workflow } from "elderflow";

type Actor = workflow.WorkflowActor;

/** Laian community (来安社区), 众兴镇: the pilot of seed 000. */
export const LAIAN = "laian";

/**
 * Laian's two-level network: 22 residents' committees, and under the association one 片(组) per
 * committee (seed 000: "在老干部协会(支部)下面设立以居委会为单位的片(组)，每片(组)1-2个村，形成两级网络").
 */
export function laianNetwork(): OrgTree {
  const units: OrgUnit[] = [
    { id: "zhongxing", kind: "street_office", name: "众兴镇" },
    { id: LAIAN, kind: "community", name: "来安社区", parentId: "zhongxing" },
  ];
  for (let i = 1; i <= 22; i++) {
    const committee = `laian-r${String(i).padStart(2, "0")}`;
    units.push({ id: committee, kind: "residents_committee", name: `居委会${i}`, parentId: LAIAN });
    units.push({ id: `${committee}-b1`, kind: "block", name: `第${i}片`, parentId: committee });
  }
  return buildOrgTree(units);
}

/** The three bodies of rule 8, acting by id and role only. */
export const ASSOCIATION: Actor = { id: "laian-association", role: "association", communityId: LAIAN };
export const COMMUNITY: Actor = { id: "laian-community-office", role: "community_staff", communityId: LAIAN };
const department = (id: string): Actor => ({ id, role: "department", orgId: id });

/** Which department answers for a category of problem (looked up when a case starts). */
export const DEPARTMENTS: Readonly<Record<string, string>> = {
  medical_reimbursement: "county-medical-insurance-bureau",
  pension: "county-human-resources-bureau",
};

/** How one problem travelled and ended. */
export interface CaseOutcome {
  readonly id: string;
  readonly category: string;
  /** Final state of the escalation workflow. */
  readonly state: string;
  /** The levels it passed through, in order (association first). */
  readonly levels: readonly string[];
  /** Why it went up at each step. */
  readonly reasons: readonly string[];
  /** Who resolved it, at which level, with which outcome. */
  readonly resolvedBy: { readonly level: string; readonly by: string; readonly outcome: string } | null;
}

/** What the scenario did. */
export interface ScenarioResult {
  readonly cases: readonly CaseOutcome[];
  /** Error codes of the attempts the workflow refused (a body acting out of turn). */
  readonly refused: readonly string[];
  /** Timers fired by the clock (the association's 72-hour limit). */
  readonly timersFired: number;
  /** Residents' committees and blocks of the network. */
  readonly network: { readonly committees: number; readonly blocks: number };
}

/**
 * Four problems of Laian's retired cadres, each through rule 8 (seed 000: "对政策不理解的先找协会反映，
 * 协会能解决的自己解决，不能解决的，再根据所反映的情况集中向社区和有关部门反映"):
 * a policy question the association answers itself; a repair that needs money, solved by the
 * community; a medical reimbursement that only the department can settle; and a problem left
 * with the association past its time limit, which the workflow hands up by itself.
 */
export async function runScenario(): Promise<ScenarioResult> {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  const flow = await createElderflow({
    clock,
    store: { kind: "memory" },
    directory: { servicePoints: [], volunteers: [] },
    escalation: { departmentFor: (category) => DEPARTMENTS[category] ?? null },
  });
  const refused: string[] = [];
  const attempt = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      if (!isElderflowError(e)) throw e;
      refused.push(e.code);
    }
  };
  // Each cadre reports through the block (片) they live in; the tree finds the block's community.
  const network = laianNetwork();
  const blockOf: Readonly<Record<string, string>> = {
    "cadre-01": "laian-r03-b1",
    "cadre-02": "laian-r07-b1",
    "cadre-03": "laian-r12-b1",
    "cadre-04": "laian-r22-b1",
  };
  let n = 0;
  const send = (id: string, type: string, actor: Actor, payload?: Record<string, unknown>) =>
    flow.workflows.send(id, { id: `e${++n}`, type, actor, ...(payload === undefined ? {} : { payload }) });
  const start = (id: string, personId: string, category: string) => {
    const communityId = network.communityOf(blockOf[personId] as string)?.id as string;
    return flow.workflows.start("escalation", {
      id,
      actor: { id: personId, role: "cadre", communityId },
      input: { communityId, personId, category },
    });
  };

  // 1. A question about a policy: the association explains it (协会能解决的自己解决).
  await start("case-1", "cadre-01", "policy_question");
  await send("case-1", "RESOLVE", ASSOCIATION, { outcome: "explained" });

  // 2. A leaking roof the association cannot pay for: up to the community, which solves it.
  await start("case-2", "cadre-02", "housing_repair");
  await send("case-2", "HAND_UP", ASSOCIATION, { reason: "needs_funding" });
  // The association no longer holds the case: it may not close it.
  await attempt(() => send("case-2", "RESOLVE", ASSOCIATION, { outcome: "solved" }));
  await send("case-2", "RESOLVE", COMMUNITY, { outcome: "solved" });

  // 3. A medical reimbursement: association → community → the responsible department.
  await start("case-3", "cadre-03", "medical_reimbursement");
  await send("case-3", "HAND_UP", ASSOCIATION, { reason: "beyond_competence" });
  await send("case-3", "HAND_UP", COMMUNITY, { reason: "needs_department" });
  // Only the department named for the category may settle it.
  await attempt(() => send("case-3", "RESOLVE", department("county-human-resources-bureau"), { outcome: "solved" }));
  await send("case-3", "RESOLVE", department(DEPARTMENTS.medical_reimbursement as string), { outcome: "solved" });

  // 4. Nobody at the association acts: after 72 hours the case goes up on its own.
  await start("case-4", "cadre-04", "pension");
  clock.advance(73 * 3_600_000);
  const tick = await flow.tick();

  const cases: CaseOutcome[] = [];
  for (const id of ["case-1", "case-2", "case-3", "case-4"]) {
    const i = await flow.workflows.query(id, COMMUNITY);
    const c = i.context as unknown as workflow.EscalationContext;
    cases.push({
      id,
      category: c.category,
      state: i.state,
      levels: ["association", ...c.handUps.map((h) => h.to)],
      reasons: c.handUps.map((h) => h.reason),
      resolvedBy: c.resolution && { level: c.resolution.level, by: c.resolution.by, outcome: c.resolution.outcome },
    });
  }
  await flow.close();
  return {
    cases,
    refused,
    timersFired: tick.fired,
    network: { committees: network.ofKind("residents_committee").length, blocks: network.ofKind("block").length },
  };
}
