import {
  Actor,
  type ActorInput,
  type ActorRole,
  actorReaches,
  DISTRICT_ROLES,
  ElderflowError,
  IdSchema,
  parseOrThrow,
} from "@elderflow/core";
import type { WorkflowActor } from "./types";

/**
 * Builds the {@link WorkflowActor} the engine takes from the authenticated core `Actor` the host
 * vouches for: the actor must hold the role (`WRONG_ROLE`) and reach the community
 * (`WRONG_COMMUNITY`). Without a community, an actor of exactly one community acts in it, and a
 * district role acts district-wide.
 *
 * @example
 * ```ts
 * const staff = workflowActor({ id: "s1", roles: ["hotline_staff"], communities: ["c01"] }, "hotline_staff");
 * await engine.query("req-1", staff);
 * ```
 */
export function workflowActor(
  actor: Actor | ActorInput,
  role: ActorRole,
  communityId?: string,
  orgId?: string,
): WorkflowActor {
  const a = parseOrThrow(Actor, actor, ["actor"]);
  if (!a.roles.includes(role))
    throw new ElderflowError("WRONG_ROLE", { path: ["actor", "roles"], params: { role, event: "act" } });
  let community = communityId;
  if (community !== undefined) {
    if (!actorReaches(a, community)) throw new ElderflowError("WRONG_COMMUNITY", { path: ["communityId"] });
  } else if (!DISTRICT_ROLES.includes(role)) {
    if (a.communities.length !== 1) throw new ElderflowError("REQUIRED", { path: ["communityId"] });
    community = a.communities[0];
  }
  if (orgId !== undefined) parseOrThrow(IdSchema, orgId, ["orgId"]);
  return {
    id: a.id,
    role,
    ...(community === undefined ? {} : { communityId: community }),
    ...(orgId === undefined ? {} : { orgId }),
  };
}
