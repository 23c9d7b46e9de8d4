/**
 * `elderflow timebank checkpoint` and `elderflow timebank verify --anchor --key`: a checkpoint
 * signed with an Ed25519 or HMAC key verifies while the journal only grows, and a forged or
 * foreign anchor, or a key that did not sign it, fails with a typed error.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock } from "@elderflow/core";
import { type CliIO, runCli } from "elderflow";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlDatabase, dropMysqlDatabase, privateMysqlDatabase } from "./support/mysql";
import { cmd, dropSchema, PG_URL, SETUP, schemaName } from "./timebank-support";

const dir = mkdtempSync(join(tmpdir(), "timebank-anchor-cli-"));
const schemas = [schemaName("anchor_cli"), schemaName("anchor_cli_other")];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(s);
});

function io(): CliIO & { out: string; err: string } {
  const x = {
    out: "",
    err: "",
    stdout: (t: string) => {
      x.out += t;
    },
    stderr: (t: string) => {
      x.err += t;
    },
    env: {},
    clock: fixedClock("2027-04-02T10:00:00+08:00"),
    cwd: dir,
  };
  return x;
}

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const store = (schema: string) => ["--store", `postgres:${PG_URL}`, "--schema", schema];
const keys = generateKeyPairSync("ed25519");
const privatePem = write("ed25519.pem", keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
const publicPem = write("ed25519.pub", keys.publicKey.export({ type: "spki", format: "pem" }).toString());
const hostKey = write("host.key", "a host key of at least sixteen bytes\n");
const first = write(
  "first.jsonl",
  `${[...SETUP, cmd.record("r1", "v1", 60)].map((c) => JSON.stringify(c)).join("\n")}\n`,
);
const more = write("more.jsonl", `${JSON.stringify(cmd.verify("vf1", "r1"))}\n`);

async function run(args: string[]) {
  const x = io();
  const code = await runCli([...args, "--format", "json"], x);
  return { code, out: x.out, err: x.err };
}

/** A failing verify prints its report as the only JSON on stdout (the code goes to stderr). */
const reportOf = (out: string) => JSON.parse(out);

describe("elderflow timebank checkpoint / verify --anchor", () => {
  it("verifies a journal against its signed checkpoint after it grew, with Ed25519 and with HMAC", async () => {
    const [schema] = schemas as [string];
    expect((await run(["timebank", "replay", "--commands", first, ...store(schema)])).code).toBe(0);
    const signed = await run(["timebank", "checkpoint", "--key", privatePem, ...store(schema)]);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ length: SETUP.length + 1, suite: "sha256", algorithm: "ed25519" });
    const anchor = write("anchor.json", signed.out);
    const hmac = await run(["timebank", "checkpoint", "--key", hostKey, ...store(schema)]);
    expect(JSON.parse(hmac.out)).toMatchObject({ algorithm: "hmac-sha256" });
    const hmacAnchor = write("hmac-anchor.json", hmac.out);
    expect((await run(["timebank", "replay", "--commands", more, ...store(schema)])).code).toBe(0);

    const ok = await run(["timebank", "verify", "--anchor", anchor, "--key", publicPem, ...store(schema)]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, length: SETUP.length + 2 });
    expect((await run(["timebank", "verify", "--anchor", hmacAnchor, "--key", hostKey, ...store(schema)])).code).toBe(
      0,
    );
  }, 60_000);

  it("fails on a forged anchor, a foreign journal's anchor, or a key that did not sign it", async () => {
    const [schema, other] = schemas as [string, string];
    expect((await run(["timebank", "replay", "--commands", first, ...store(schema)])).code).toBe(0);
    const anchor = JSON.parse((await run(["timebank", "checkpoint", "--key", privatePem, ...store(schema)])).out);
    const forged = write("forged.json", JSON.stringify({ ...anchor, length: anchor.length - 1 }));
    const bad = await run(["timebank", "verify", "--anchor", forged, "--key", publicPem, ...store(schema)]);
    expect(bad.code).toBe(1);
    expect(reportOf(bad.out)).toMatchObject({ ok: false, problem: "bad-anchor" });
    expect(bad.err).toContain("JOURNAL_TAMPERED");
    expect(bad.out).not.toContain("JOURNAL_TAMPERED");

    const wrongKey = write(
      "other.pub",
      generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    const genuine = write("genuine.json", JSON.stringify(anchor));
    expect((await run(["timebank", "verify", "--anchor", genuine, "--key", wrongKey, ...store(schema)])).code).toBe(1);

    // Another journal, cut shorter, is not the anchored one.
    expect((await run(["timebank", "replay", "--commands", first, ...store(other)])).code).toBe(0);
    const foreign = await run(["timebank", "verify", "--anchor", genuine, "--key", publicPem, ...store(other)]);
    expect(foreign.code).toBe(1);
    expect(reportOf(foreign.out)).toMatchObject({ ok: false, problem: "truncated" });

    expect((await run(["timebank", "verify", "--anchor", genuine, ...store(schema)])).code).toBe(2);
  }, 60_000);
});

describe("elderflow timebank on MariaDB (--store mysql:<url>)", () => {
  const db = privateMysqlDatabase("anchor_cli");
  afterAll(() => dropMysqlDatabase(db));

  it("replays, signs a checkpoint and verifies it on a MySQL-family server; --schema is refused there", async () => {
    const url = await createMysqlDatabase(db);
    const on = ["--store", `mysql:${url}`];
    expect((await run(["timebank", "replay", "--commands", first, ...on])).code).toBe(0);
    const signed = await run(["timebank", "checkpoint", "--key", privatePem, ...on]);
    expect(signed.code).toBe(0);
    expect(JSON.parse(signed.out)).toMatchObject({ length: SETUP.length + 1, algorithm: "ed25519" });
    const anchor = write("mysql-anchor.json", signed.out);
    expect((await run(["timebank", "replay", "--commands", more, ...on])).code).toBe(0);
    const ok = await run(["timebank", "verify", "--anchor", anchor, "--key", publicPem, ...on]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, length: SETUP.length + 2 });
    // The same commands on PostgreSQL give the same chain: the hashes do not depend on the server.
    const pgSchema = schemaName("anchor_cli_mysql");
    schemas.push(pgSchema);
    expect((await run(["timebank", "replay", "--commands", first, ...store(pgSchema)])).code).toBe(0);
    expect((await run(["timebank", "replay", "--commands", more, ...store(pgSchema)])).code).toBe(0);
    const pg = await run(["timebank", "verify", ...store(pgSchema)]);
    expect(pg.code).toBe(0);
    expect(JSON.parse(ok.out).headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(pg.out).headHash).toBe(JSON.parse(ok.out).headHash);
    const bare = await run(["timebank", "verify", "--store", url]);
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.out).length).toBe(SETUP.length + 2);
    expect((await run(["timebank", "verify", ...on, "--schema", "x"])).code).toBe(2);
  }, 60_000);
});
