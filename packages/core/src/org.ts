import { ElderflowError } from "./errors";
import type { OrgUnit, OrgUnitKind } from "./schemas";

const PARENT_KIND: Record<OrgUnitKind, readonly OrgUnitKind[]> = {
  district: [],
  street_office: ["district"],
  community: ["street_office", "district"],
  residents_committee: ["community"],
  block: ["residents_committee", "community"],
};

/** A checked organisation tree with fast look-ups. */
export interface OrgTree {
  /** Every unit by id. */
  readonly units: ReadonlyMap<string, OrgUnit>;
  /** A unit by id; throws `NOT_FOUND` when there is none. */
  get(id: string): OrgUnit;
  /** The units directly below a unit. */
  children(id: string): readonly OrgUnit[];
  /** The chain from a unit up to the root, the unit first. */
  ancestors(id: string): readonly OrgUnit[];
  /** The community a unit belongs to (itself if it is one); undefined above community level. */
  communityOf(id: string): OrgUnit | undefined;
  /** Every unit of a kind. */
  ofKind(kind: OrgUnitKind): readonly OrgUnit[];
}

/**
 * Checks and indexes an organisation tree: ids unique, parents exist, each kind under the kind
 * above it (a community under a street office, a residents' committee under a community, a block
 * under a committee), no cycles. Errors carry the index of the bad unit.
 *
 * @example
 * ```ts
 * const tree = buildOrgTree([
 *   { id: "s1", kind: "street_office", name: "新华街道" },
 *   { id: "c1", kind: "community", name: "丰华社区", parentId: "s1" },
 * ]);
 * tree.communityOf("c1")?.id; // "c1"
 * ```
 */
export function buildOrgTree(units: readonly OrgUnit[]): OrgTree {
  const byId = new Map<string, OrgUnit>();
  const kids = new Map<string, OrgUnit[]>();
  units.forEach((u, i) => {
    if (byId.has(u.id)) throw new ElderflowError("DUPLICATE_ID", { path: [i, "id"], params: { id: u.id } });
    byId.set(u.id, u);
  });
  units.forEach((u, i) => {
    if (u.parentId === undefined) {
      if (PARENT_KIND[u.kind].length > 0 && u.kind !== "street_office")
        throw new ElderflowError("REQUIRED", { path: [i, "parentId"] });
      return;
    }
    const parent = byId.get(u.parentId);
    if (!parent) throw new ElderflowError("NOT_FOUND", { path: [i, "parentId"], params: { what: u.parentId } });
    if (!PARENT_KIND[u.kind].includes(parent.kind))
      throw new ElderflowError("INVALID_INPUT", {
        path: [i, "parentId"],
        params: { detail: `${u.kind} may not be under ${parent.kind}` },
      });
    const list = kids.get(parent.id) ?? [];
    list.push(u);
    kids.set(parent.id, list);
  });
  const get = (id: string): OrgUnit => {
    const u = byId.get(id);
    if (!u) throw new ElderflowError("NOT_FOUND", { params: { what: id } });
    return u;
  };
  const ancestors = (id: string): OrgUnit[] => {
    const out: OrgUnit[] = [];
    let cur: OrgUnit | undefined = get(id);
    while (cur) {
      out.push(cur);
      if (out.length > units.length) throw new ElderflowError("INVALID_INPUT", { params: { detail: "cycle" } });
      cur = cur.parentId === undefined ? undefined : byId.get(cur.parentId);
    }
    return out;
  };
  return {
    units: byId,
    get,
    children: (id) => kids.get(id) ?? [],
    ancestors,
    communityOf: (id) => ancestors(id).find((u) => u.kind === "community"),
    ofKind: (kind) => units.filter((u) => u.kind === kind),
  };
}
