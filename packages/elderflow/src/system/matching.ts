/**
 * Needs and matching in the wired system: the needs register (需求登记) on the system's store, and
 * the ranking of the directory's volunteers for one need under the matching policy, with each
 * volunteer's current load (active or paused pairings, and needs matched to them) counted in.
 */
import { type ActorInput, ElderflowError, type IsoDate, IsoDateSchema, type Volunteer } from "@elderflow/core";
import {
  type MatchCandidate,
  type MatchingFacts,
  type MatchResult,
  type Policy,
  rankVolunteers,
} from "@elderflow/policy";
import type { NeedsRegister } from "@elderflow/register";
import type { WorkflowActor, WorkflowEngine } from "@elderflow/workflow";

/** A volunteer as the directory may hold them: id and certificates, and whatever else is known. */
export type DirectoryVolunteer = Pick<Volunteer, "id" | "certifications"> &
  Partial<Omit<Volunteer, "id" | "certifications">>;

/** What {@link rankForNeed} reads. */
export interface NeedMatchingDeps {
  /** The needs register. */
  readonly needs: NeedsRegister;
  /** The workflow engine (pairings carry load). */
  readonly workflows: WorkflowEngine;
  /** The directory's volunteers (a volunteer without a community or skills ranks low or not at all). */
  readonly volunteers: readonly DirectoryVolunteer[];
  /** The host's actor id (reads loads across communities). */
  readonly hostId: string;
  /** The matching policy (default: the preset). */
  readonly policy?: Policy<MatchingFacts>;
}

/**
 * Each volunteer's current load: active and paused pairings, and needs matched to them.
 *
 * @example
 * ```ts
 * const loads = await volunteerLoads(deps);
 * loads.get("v1"); // 2
 * ```
 */
export async function volunteerLoads(
  deps: Pick<NeedMatchingDeps, "needs" | "workflows" | "hostId">,
): Promise<Map<string, number>> {
  const reader: WorkflowActor = { id: deps.hostId, role: "system" };
  const loads = new Map<string, number>();
  const add = (v: unknown) => {
    if (typeof v === "string") loads.set(v, (loads.get(v) ?? 0) + 1);
  };
  for (const state of ["active", "paused"])
    for (const i of await deps.workflows.list({ machine: "pairing", state, limit: Number.MAX_SAFE_INTEGER }, reader))
      add(i.context.volunteerId);
  for (const n of await deps.needs.list({ id: deps.hostId, roles: ["system"] }, { status: "matched" }))
    add(n.volunteerId);
  return loads;
}

/**
 * Ranks the directory's volunteers for one need on a day (default: the need's recording day is
 * not used; pass the day to match on), explained per volunteer. The actor must reach the need
 * (`UNKNOWN_NEED` otherwise).
 *
 * @example
 * ```ts
 * const result = await rankForNeed(deps, "n1", officer, "2027-03-16");
 * result.ranked[0]?.volunteerId;
 * ```
 */
export async function rankForNeed(
  deps: NeedMatchingDeps,
  needId: string,
  actor: ActorInput,
  on: IsoDate,
): Promise<MatchResult> {
  if (!IsoDateSchema.safeParse(on).success) throw new ElderflowError("INVALID_DATE", { path: ["on"] });
  const need = await deps.needs.get(needId, actor);
  if (need === undefined) throw new ElderflowError("UNKNOWN_NEED", { path: ["needId"] });
  const loads = await volunteerLoads(deps);
  const candidates: MatchCandidate[] = deps.volunteers.map((v) => ({
    id: v.id,
    communityId: v.communityId ?? "",
    skills: v.skills ?? [],
    certifications: v.certifications,
    ...(v.availability === undefined ? {} : { availability: v.availability }),
    ...(v.maxLoad === undefined ? {} : { maxLoad: v.maxLoad }),
    load: loads.get(v.id) ?? 0,
  }));
  return rankVolunteers(
    {
      serviceKind: need.serviceKind,
      skills: need.skills,
      communityId: need.communityId,
      ...(need.level === undefined ? {} : { level: need.level }),
      ...(need.slots === undefined ? {} : { slots: need.slots }),
    },
    candidates,
    on,
    deps.policy === undefined ? {} : { policy: deps.policy },
  );
}
