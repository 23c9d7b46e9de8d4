import type { ListFilter } from "../types";

/**
 * The statement of a store's `list`: the instances a filter matches, by priority (highest first),
 * then creation and id, at most `limit` (default 100). `columns` is what it selects; `prefix` is
 * MySQL's test for a state prefix (PostgreSQL's is `starts_with`).
 */
export function listQuery(
  table: string,
  f: ListFilter,
  columns: string,
  prefix?: (param: number) => string,
): { text: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (f.machine !== undefined) add("machine = ?", f.machine);
  if (f.communityId !== undefined) add("community_id = ?", f.communityId);
  // The generated column of the wf_instances_person_id index (migration 3).
  if (f.personId !== undefined) add("person_id = ?", f.personId);
  if (f.activeOnly === true) where.push("status = 'active'");
  if (f.state !== undefined) {
    if (f.state.endsWith(".")) {
      if (prefix === undefined) add("starts_with(state, ?)", f.state);
      else {
        params.push(f.state);
        where.push(prefix(params.length));
      }
    } else add("state = ?", f.state);
  }
  params.push(f.limit ?? 100);
  return {
    text: `select ${columns} from ${table} ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
         order by priority desc, created_at, id limit $${params.length}`,
    params,
  };
}
