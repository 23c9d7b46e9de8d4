import { type MysqlClientOptions, openMysqlClient } from "@elderflow/core";
import { migrateWorkflowSchema, type SqlStoreOptions, sqlStore } from "./sql";
import type { WorkflowStore } from "./store";

/** Options of {@link mysqlWorkflowStore}: a URL, a mysql2 pool, or a ready client (core's {@link MysqlClientOptions}; own pool default 4). */
export interface MysqlWorkflowStoreOptions extends MysqlClientOptions, Pick<SqlStoreOptions, "maxBatch" | "inFlight"> {
  /**
   * Where the tables live (default `"public"`: the connection's own database); any other name is
   * a database of that name, created if missing (which needs the CREATE privilege).
   */
  readonly schema?: string;
}

/**
 * A store on MySQL 8 or MariaDB 10.6+ through mysql2 (an optional peer dependency: install
 * `mysql2` to use it; it is loaded only when the store opens its own pool), with the workflow
 * tables created on first use. Several engines (processes) may share one database: each commit
 * round locks its instance rows, so exactly one writer wins per version. MySQL has no
 * LISTEN/NOTIFY, so the store has no `subscribe`: a timer runner finds timers and emitted events
 * by polling, every `intervalMs`.
 *
 * @example
 * ```ts
 * const store = await mysqlWorkflowStore({ uri: "mysql://root@127.0.0.1:3306/test" });
 * ```
 */
export async function mysqlWorkflowStore(options: MysqlWorkflowStoreOptions): Promise<WorkflowStore> {
  const client = await openMysqlClient({ ...options, connectionLimit: options.connectionLimit ?? 4 });
  const schema = options.schema ?? "public";
  try {
    await migrateWorkflowSchema(client, schema);
  } catch (e) {
    await client.close();
    throw e;
  }
  return sqlStore(client, {
    schema,
    ownsClient: true,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.inFlight === undefined ? {} : { inFlight: options.inFlight }),
  });
}
