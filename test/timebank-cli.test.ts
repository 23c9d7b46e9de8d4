/**
 * The `elderflow timebank` CLI contract: exact result and account shapes, a bad line is a failed
 * result and never the end of the run, stars from the policy star preset, notice and certificate.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock } from "@elderflow/core";
import { type CliIO, runCli } from "elderflow";
import { afterAll, describe, expect, it } from "vitest";
import { cmd, SETUP } from "./timebank-support";

const dir = mkdtempSync(join(tmpdir(), "timebank-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function memoryIO(): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    env: {},
    clock: fixedClock("2027-04-02T10:00:00+08:00"),
    cwd: dir,
  };
  return io;
}

const lines = [
  ...SETUP.map((c) => JSON.stringify(c)),
  JSON.stringify(cmd.record("r1", "v1", 6000)),
  JSON.stringify(cmd.verify("vf1", "r1")),
  "{ this is not json",
  JSON.stringify(cmd.withdraw("w1", "v1", 90, "f1")),
  JSON.stringify(cmd.fulfil("fu1", "w1")),
  JSON.stringify(cmd.record("r2", "v2", 30, "2027-01-06", "r1", "v2")),
  JSON.stringify(cmd.record("r1", "v1", 6000)),
  JSON.stringify(cmd.record("r1", "v1", 6001)),
  "",
  JSON.stringify(cmd.withdraw("w2", "v2", 1)),
  JSON.stringify(cmd.close("cl1", "2027-Q1")),
  JSON.stringify(cmd.record("r3", "v1", 10, "2027-03-31")),
];
const file = join(dir, "commands.jsonl");
writeFileSync(file, `${lines.join("\n")}\n`);

describe("elderflow timebank replay", () => {
  it("prints one result per command line, in order, and the accounts sorted by volunteer", async () => {
    const io = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--format", "json"], io)).toBe(0);
    const out = JSON.parse(io.out) as { results: unknown[]; accounts: unknown[] };
    expect(out.results).toEqual([
      ...SETUP.map((c) => ({ key: c.key, ok: true, status: c.op === "grant" ? "granted" : "open" })),
      { key: "r1", ok: true, status: "pending" },
      { key: "vf1", ok: true, status: "posted" },
      { key: null, ok: false, code: "INVALID_INPUT" },
      { key: "w1", ok: true, status: "reserved" },
      { key: "fu1", ok: true, status: "posted" },
      { key: "r2", ok: false, code: "SELF_REGISTRATION" },
      { key: "r1", ok: true, status: "pending", replayed: true },
      { key: "r1", ok: false, code: "IDEMPOTENCY_CONFLICT" },
      { key: "w2", ok: false, code: "INSUFFICIENT_BALANCE" },
      { key: "cl1", ok: true, status: "closed" },
      { key: "r3", ok: false, code: "PERIOD_CLOSED" },
    ]);
    expect(out.accounts).toEqual([
      {
        volunteer: "v1",
        earnedMinutes: 6000,
        balanceMinutes: 5910,
        pendingInMinutes: 0,
        reservedMinutes: 0,
        availableMinutes: 5910,
        stars: 1,
      },
      {
        volunteer: "v2",
        earnedMinutes: 0,
        balanceMinutes: 0,
        pendingInMinutes: 0,
        reservedMinutes: 0,
        availableMinutes: 0,
        stars: 0,
      },
      {
        volunteer: "w1",
        earnedMinutes: 0,
        balanceMinutes: 0,
        pendingInMinutes: 0,
        reservedMinutes: 0,
        availableMinutes: 0,
        stars: 0,
      },
    ]);
  });

  it("keeps state in a PGlite directory: a second replay only replays", async () => {
    const store = `pglite:${join(dir, "db")}`;
    const first = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--store", store, "--format", "json"], first)).toBe(
      0,
    );
    const second = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--store", store, "--format", "json"], second)).toBe(
      0,
    );
    const a = JSON.parse(first.out) as { results: { replayed?: boolean; key: string | null }[]; accounts: unknown[] };
    const b = JSON.parse(second.out) as typeof a;
    expect(b.accounts).toEqual(a.accounts);
    expect(b.results.filter((r) => r.key !== null && !r.replayed).map((r) => r.key)).toEqual(["r1"]);
    const verify = memoryIO();
    expect(await runCli(["timebank", "verify", "--store", store, "--format", "json"], verify)).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true, length: SETUP.length + 8 });
  }, 60_000);

  it("stops with a usage error for an unknown store", async () => {
    const io = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--store", "mongo:x"], io)).toBe(2);
  });
});

describe("elderflow timebank notice and certificate", () => {
  const names = join(dir, "names.json");
  writeFileSync(names, JSON.stringify({ v1: "张小三", v2: "李四" }));

  it("prints the quarterly notice with masked names as CSV and HTML", async () => {
    const csv = memoryIO();
    const args = [
      "timebank",
      "notice",
      "--commands",
      file,
      "--community",
      "c1",
      "--period",
      "2027-Q1",
      "--names",
      names,
    ];
    expect(await runCli([...args, "--format", "csv"], csv)).toBe(0);
    expect(csv.out).toContain("1,v1,张*三,1,6000,6000,1");
    expect(csv.out).not.toContain("张小三");
    const html = memoryIO();
    expect(await runCli([...args, "--format", "html"], html)).toBe(0);
    expect(html.out).toContain("<table>");
    expect(html.out).toContain("李*");
    expect(html.out).not.toContain("李四");
    const json = memoryIO();
    expect(await runCli([...args, "--format", "json"], json)).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      community: "c1",
      period: "2027-Q1",
      closed: true,
      totalMinutes: 6000,
    });
  });

  it("prints a certificate with a running balance", async () => {
    const io = memoryIO();
    expect(
      await runCli(["timebank", "certificate", "--commands", file, "--volunteer", "v1", "--format", "json"], io),
    ).toBe(0);
    const cert = JSON.parse(io.out) as { lines: { kind: string; minutes: number; balance: number }[] };
    expect(cert.lines.map((l) => [l.kind, l.minutes, l.balance])).toEqual([
      ["earned", 6000, 6000],
      ["spent", -90, 5910],
    ]);
  });

  it("fails for a volunteer who is not enrolled", async () => {
    const io = memoryIO();
    expect(await runCli(["timebank", "certificate", "--commands", file, "--volunteer", "nobody"], io)).toBe(1);
    expect(io.err).toContain("UNKNOWN_ACCOUNT");
  });
});

describe("elderflow timebank --actor", () => {
  const staffOfC2 = JSON.stringify({ id: "reg2", roles: ["registrar"], communities: ["c2"] });

  it("replays as the host by default and as the given actor otherwise, refusing what it may not do", async () => {
    const own = join(dir, "actor-own.jsonl");
    writeFileSync(
      own,
      [
        JSON.stringify(cmd.record("a1", "w1", 30, "2027-01-05", "r1", "reg2")),
        JSON.stringify(cmd.record("a2", "v1", 30, "2027-01-05", "r1", "reg1")),
        JSON.stringify(cmd.grant("a3", "reg2", "verifier", "c2")),
      ].join("\n"),
    );
    const store = `pglite:${join(dir, "actor-db")}`;
    const setup = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--store", store, "--format", "json"], setup)).toBe(
      0,
    );
    const io = memoryIO();
    expect(
      await runCli(
        ["timebank", "replay", "--commands", own, "--store", store, "--actor", staffOfC2, "--format", "json"],
        io,
      ),
    ).toBe(0);
    const out = JSON.parse(io.out) as { results: unknown[]; accounts: { volunteer: string }[] };
    expect(out.results).toEqual([
      { key: "a1", ok: true, status: "pending" },
      { key: "a2", ok: false, code: "WRONG_COMMUNITY" },
      { key: "a3", ok: false, code: "NOT_AUTHORIZED" },
    ]);
    // It reads only its own community's accounts.
    expect(out.accounts.map((a) => a.volunteer)).toEqual(["w1"]);
  }, 60_000);

  it("refuses another community's notice with WRONG_COMMUNITY", async () => {
    const io = memoryIO();
    const args = ["timebank", "notice", "--commands", file, "--community", "c1", "--period", "2027-Q1"];
    expect(await runCli([...args, "--actor", staffOfC2], io)).toBe(1);
    expect(io.err).toContain("WRONG_COMMUNITY");
  });

  it("refuses an actor that does not parse, with a typed error and none of its text", async () => {
    const io = memoryIO();
    const bad = JSON.stringify({ id: "13800138000", roles: ["registrar"] });
    expect(await runCli(["timebank", "replay", "--commands", file, "--actor", bad], io)).toBe(2);
    expect(io.err).toContain("PERSONAL_DATA_IN_ID");
    expect(io.err).not.toContain("13800138000");
    const broken = memoryIO();
    expect(await runCli(["timebank", "replay", "--commands", file, "--actor", '{"id": 林芳丽'], broken)).toBe(2);
    expect(broken.err).toContain("INVALID_JSON");
    expect(broken.err).not.toContain("林芳丽");
  });

  it("never prints the id it could not find, nor the text of a line that is not JSON", async () => {
    const io = memoryIO();
    const lines = join(dir, "personal.jsonl");
    writeFileSync(lines, '{"op": "enroll", "name": "林芳丽 13800138000"\n');
    expect(await runCli(["timebank", "replay", "--commands", lines, "--format", "json"], io)).toBe(0);
    expect(io.out + io.err).not.toContain("林芳丽");
    expect(io.out + io.err).not.toContain("13800138000");
    const cert = memoryIO();
    expect(await runCli(["timebank", "certificate", "--commands", file, "--volunteer", "ghost-0042"], cert)).toBe(1);
    expect(cert.err).toContain("UNKNOWN_ACCOUNT");
    expect(cert.err).not.toContain("ghost-0042");
  });

  it("writes a new journal with --hash sm3, keeps it on later runs, and refuses another suite by code", async () => {
    const store = `pglite:${join(dir, "sm3-bank")}`;
    const first = memoryIO();
    expect(
      await runCli(
        ["timebank", "replay", "--commands", file, "--store", store, "--hash", "sm3", "--format", "json"],
        first,
      ),
    ).toBe(0);
    const verify = memoryIO();
    expect(await runCli(["timebank", "verify", "--store", store, "--format", "json"], verify)).toBe(0);
    expect(JSON.parse(verify.out)).toMatchObject({ ok: true });
    const again = memoryIO();
    const more = join(dir, "more.jsonl");
    writeFileSync(more, `${JSON.stringify(cmd.record("r9", "v2", 30, "2027-04-01"))}\n`);
    expect(await runCli(["timebank", "replay", "--commands", more, "--store", store, "--format", "json"], again)).toBe(
      0,
    );
    expect(JSON.parse(again.out).results).toEqual([{ key: "r9", ok: true, status: "pending" }]);
    const other = memoryIO();
    expect(
      await runCli(["timebank", "replay", "--commands", more, "--store", store, "--hash", "sha256"], other),
    ).not.toBe(0);
    expect(other.err).toContain("HASH_SUITE_MISMATCH");
  }, 120_000);
});
