/**
 * Local PostgreSQL clusters of a test's own: a primary (`initdb`) and hot standbys of it
 * (`pg_basebackup -R`, streaming replication), each in a temporary directory on a free port, so a
 * test can kill the primary and promote a standby without touching the machine's server. Needs the
 * server binaries (`initdb`, `pg_ctl`, `pg_basebackup`): `ELDERFLOW_PG_BINDIR`, else
 * `pg_config --bindir`, else the newest `/usr/lib/postgresql/<n>/bin`. Missing binaries fail the
 * test (never a skip). Run as root, the clusters run as the `postgres` user (PostgreSQL refuses root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The directory holding `initdb`, `pg_ctl` and `pg_basebackup`. */
export function pgBinDir(): string {
  const given = process.env.ELDERFLOW_PG_BINDIR;
  const candidates: string[] = given === undefined ? [] : [given];
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
  } catch {
    // no pg_config: look in the Debian layout below
  }
  if (existsSync("/usr/lib/postgresql"))
    for (const v of readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)))
      candidates.push(join("/usr/lib/postgresql", v, "bin"));
  const found = candidates.find((dir) => ["initdb", "pg_ctl", "pg_basebackup"].every((b) => existsSync(join(dir, b))));
  if (found === undefined)
    throw new Error("PostgreSQL server binaries not found (initdb, pg_ctl, pg_basebackup): set ELDERFLOW_PG_BINDIR");
  return found;
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** The uid and gid of the `postgres` user, when the tests run as root. */
function postgresUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** Runs a server binary (as `postgres` when root); throws with its output when it fails. */
function run(bin: string, args: readonly string[], timeoutMs = 120_000): string {
  const path = join(pgBinDir(), bin);
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, [...args]];
  const r = spawnSync(cmd, argv, { encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0)
    throw new Error(`${bin} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout || r.error}`);
  return r.stdout;
}

/** A TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A directory the cluster's user owns. */
function ownedTempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `elderflow-${tag}-`));
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** One running local cluster. */
export interface PgCluster {
  /** Its data directory. */
  readonly dir: string;
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** A URL for database `postgres` as user `postgres`. */
  readonly url: string;
  /** Runs one statement and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** SIGKILL to the postmaster (a crash: no shutdown checkpoint), then waits until it has gone. */
  kill(): Promise<void>;
  /** Promotes a standby to a primary and waits until it accepts writes. */
  promote(): Promise<void>;
  /** Stops the cluster if it runs and removes its directory. */
  destroy(): Promise<void>;
}

const CONF = (port: number, dir: string) => `
port = ${port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir}'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
shared_buffers = 32MB
max_connections = 40
fsync = on
synchronous_commit = on
`;

function clusterOf(dir: string, port: number): PgCluster {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const postmasterPid = (): number | undefined => {
    const file = join(dir, "postmaster.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    dir,
    port,
    url,
    async query<R>(sql: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as R[];
      } finally {
        await client.end();
      }
    },
    async kill() {
      const pid = postmasterPid();
      if (pid === undefined) throw new Error(`no postmaster in ${dir}`);
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
      // Its backends notice the postmaster's death and exit; the port is free once the postmaster is gone.
    },
    async promote() {
      run("pg_ctl", ["promote", "-D", dir, "-w", "-t", "60"]);
      for (let i = 0; i < 400; i++) {
        const [row] = await this.query<{ r: boolean }>("select pg_is_in_recovery() as r");
        if (row?.r === false) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error("the standby did not leave recovery");
    },
    async destroy() {
      const pid = postmasterPid();
      if (pid !== undefined && alive(pid)) {
        try {
          run("pg_ctl", ["stop", "-D", dir, "-m", "immediate", "-w", "-t", "30"]);
        } catch {
          process.kill(pid, "SIGKILL");
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates and starts a primary cluster (trust authentication on 127.0.0.1, replication allowed). */
export async function startPrimary(): Promise<PgCluster> {
  const dir = ownedTempDir("pg-primary");
  const port = await freePort();
  run("initdb", ["-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-instructions"]);
  appendFileSync(join(dir, "postgresql.conf"), CONF(port, dir));
  run("pg_ctl", ["start", "-D", dir, "-l", join(dir, "server.log"), "-w", "-t", "60"]);
  return clusterOf(dir, port);
}

/**
 * Creates a hot standby of `primary` with `pg_basebackup -R` (streaming, WAL included) under the
 * replication name `name`, starts it, and waits until the primary sees it streaming.
 */
export async function startStandby(primary: PgCluster, name: string): Promise<PgCluster> {
  const dir = ownedTempDir(`pg-${name}`);
  const port = await freePort();
  run("pg_basebackup", [
    "-h",
    "127.0.0.1",
    "-p",
    String(primary.port),
    "-U",
    "postgres",
    "-D",
    dir,
    "-R",
    "-X",
    "stream",
    "-c",
    "fast",
  ]);
  appendFileSync(join(dir, "postgresql.conf"), CONF(port, dir));
  // Later lines win: the replication connection names itself, so the primary can wait for it.
  appendFileSync(
    join(dir, "postgresql.auto.conf"),
    `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}'\n`,
  );
  run("pg_ctl", ["start", "-D", dir, "-l", join(dir, "server.log"), "-w", "-t", "60"]);
  const standby = clusterOf(dir, port);
  for (let i = 0; i < 400; i++) {
    const rows = await primary.query<{ state: string }>(
      "select state from pg_stat_replication where application_name = $1",
      [name],
    );
    if (rows[0]?.state === "streaming") return standby;
    await new Promise((r) => setTimeout(r, 25));
  }
  await standby.destroy();
  throw new Error(`standby ${name} did not start streaming`);
}

/** Makes every commit on `primary` wait until `name` has flushed it (synchronous replication). */
export async function requireSynchronous(primary: PgCluster, name: string): Promise<void> {
  await primary.query(`alter system set synchronous_standby_names = '"${name}"'`);
  await primary.query("select pg_reload_conf()");
  for (let i = 0; i < 400; i++) {
    const rows = await primary.query<{ s: string }>(
      "select sync_state as s from pg_stat_replication where application_name = $1",
      [name],
    );
    if (rows[0]?.s === "sync") return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`standby ${name} did not become synchronous`);
}

/** Waits until `standby` has replayed everything `primary` has written so far. */
export async function caughtUp(primary: PgCluster, standby: PgCluster): Promise<void> {
  const [at] = await primary.query<{ lsn: string }>("select pg_current_wal_lsn()::text as lsn");
  for (let i = 0; i < 800; i++) {
    const [row] = await standby.query<{ done: boolean }>(
      "select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done",
      [at?.lsn],
    );
    if (row?.done === true) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the standby did not catch up");
}
