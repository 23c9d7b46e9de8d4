/**
 * The bureau's CLI for 通存通兑 and the year-end rating (issue #15 item 6): `timebank statement`
 * signs a quarter's settlement statement from a commands file and a clearing-book file,
 * `timebank verify-statement` checks the other bank's against its own records (exit 1 with every
 * problem on a mismatch), and `timebank rating` prints the year-end stars with the served persons'
 * feedback, names masked. JSON output contracts, hostile inputs, Ed25519 and HMAC keys.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedClock } from "@elderflow/core";
import { type CliIO, runCli } from "elderflow";
import { afterAll, describe, expect, it } from "vitest";
import { cmd } from "./timebank-support";

const dir = mkdtempSync(join(tmpdir(), "timebank-clearing-cli-"));
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

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO();
  const code = await runCli(argv, io);
  return { code, out: io.out, err: io.err };
}

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const jsonl = (name: string, commands: readonly unknown[]) =>
  write(name, `${commands.map((c) => JSON.stringify(c)).join("\n")}\n`);

const pem = (k: { export(o: { type: "spki" | "pkcs8"; format: "pem" }): string | Buffer }, type: "spki" | "pkcs8") =>
  k.export({ type, format: "pem" }).toString();
const keysA = generateKeyPairSync("ed25519");
const keysB = generateKeyPairSync("ed25519");
const aPrivate = write("a.key", pem(keysA.privateKey, "pkcs8"));
const aPublic = write("a.pub", pem(keysA.publicKey, "spki"));
const bPrivate = write("b.key", pem(keysB.privateKey, "pkcs8"));
const bPublic = write("b.pub", pem(keysB.publicKey, "spki"));
const shared = write("shared.key", "a shared secret of the two bureaus\n");

/** A district's own bank: staff, one volunteer per letter with 100 verified hours. */
const homeSetup = (p: string) => [
  cmd.grant(`${p}-g1`, `${p}-leader`, "registrar", `${p}-c1`),
  cmd.grant(`${p}-g2`, `${p}-checker`, "verifier", `${p}-c1`),
  cmd.enroll(`${p}-e1`, `${p}-v1`, `${p}-c1`),
  cmd.enroll(`${p}-e2`, `${p}-v2`, `${p}-c1`),
  cmd.record(`${p}-r1`, `${p}-v1`, 6000, "2027-01-10", `${p}-cadre`, `${p}-leader`),
  cmd.verify(`${p}-r1:v`, `${p}-r1`, `${p}-checker`, "2027-01-11"),
  cmd.record(`${p}-r2`, `${p}-v2`, 600, "2027-01-10", `${p}-cadre`, `${p}-leader`),
  cmd.verify(`${p}-r2:v`, `${p}-r2`, `${p}-checker`, "2027-01-11"),
];
/** A redemption of the home bank's volunteer served at another bank: reserve, then fulfil. */
const redeemAt = (serving: string, key: string, volunteer: string, minutes: number, on: string) => [
  { ...cmd.withdraw(key, volunteer, minutes, volunteer, on), community: `bank:${serving}` },
  cmd.fulfil(`${key}:f`, key, on),
];
/** The serving bank's side of it, in its clearing book. */
const serve = (home: string, ref: string, volunteer: string, minutes: number, on: string, community: string) => ({
  op: "serve",
  key: `${home}/${ref}`,
  from: home,
  ref,
  volunteer,
  beneficiary: volunteer,
  minutes,
  on,
  community,
  by: `staff-${community}`,
});

// A's volunteer a-v1 is served 90 minutes at B; B's b-v1 is served 150 minutes at A.
const aCommands = jsonl("a.jsonl", [...homeSetup("a"), ...redeemAt("district-b", "a-w1", "a-v1", 90, "2027-02-03")]);
const bCommands = jsonl("b.jsonl", [...homeSetup("b"), ...redeemAt("district-a", "b-w1", "b-v1", 150, "2027-03-05")]);
const aClearing = jsonl("a-clearing.jsonl", [serve("district-b", "b-w1", "b-v1", 150, "2027-03-05", "a-c1")]);
const bClearing = jsonl("b-clearing.jsonl", [serve("district-a", "a-w1", "a-v1", 90, "2027-02-03", "b-c1")]);

const statementArgs = (self: "a" | "b", key: string) => {
  const other = self === "a" ? "b" : "a";
  return [
    "timebank",
    "statement",
    "--bank",
    `district-${self}`,
    "--counterpart",
    `district-${other}`,
    "--period",
    "2027-Q1",
    "--key",
    key,
    "--commands",
    self === "a" ? aCommands : bCommands,
    "--clearing",
    self === "a" ? aClearing : bClearing,
    "--format",
    "json",
  ];
};
const verifyArgs = (file: string, self: "a" | "b", key: string, clearing = self === "a" ? aClearing : bClearing) => [
  "timebank",
  "verify-statement",
  file,
  "--bank",
  `district-${self}`,
  "--key",
  key,
  "--commands",
  self === "a" ? aCommands : bCommands,
  "--clearing",
  clearing,
  "--format",
  "json",
];

describe("elderflow timebank statement and verify-statement", () => {
  it("signs each side's quarter and each side verifies the other's against its own records", async () => {
    const a = await run(statementArgs("a", aPrivate));
    expect(a.code, a.err).toBe(0);
    const fromA = JSON.parse(a.out);
    expect(fromA).toMatchObject({
      format: "elderflow-clearing-statement-v1",
      period: "2027-Q1",
      from: "2027-01-01",
      to: "2027-03-31",
      bank: "district-a",
      counterpart: "district-b",
      lines: [
        {
          home: "district-a",
          ref: "a-w1",
          direction: "out",
          kind: "redemption",
          volunteer: "a-v1",
          minutes: 90,
          on: "2027-02-03",
        },
        {
          home: "district-b",
          ref: "b-w1",
          direction: "in",
          kind: "redemption",
          volunteer: "b-v1",
          minutes: 150,
          on: "2027-03-05",
        },
      ],
      totals: { outMinutes: 90, inMinutes: 150, netMinutes: 60 },
      covers: { suite: "sha256", book: { length: 1 } },
      algorithm: "ed25519",
    });
    expect(Object.keys(fromA).sort()).toEqual([
      "algorithm",
      "bank",
      "counterpart",
      "covers",
      "format",
      "from",
      "lines",
      "period",
      "signature",
      "signedAt",
      "to",
      "totals",
      "volunteers",
    ]);
    const b = await run(statementArgs("b", bPrivate));
    expect(b.code, b.err).toBe(0);
    const fromB = JSON.parse(b.out);
    expect(fromB.totals).toEqual({ outMinutes: 150, inMinutes: 90, netMinutes: -60 });

    const aFile = write("from-a.json", a.out);
    const bFile = write("from-b.json", b.out);
    const atB = await run([...verifyArgs(aFile, "b", aPublic), "--issuer", "district-a"]);
    expect(atB.code, atB.err).toBe(0);
    expect(JSON.parse(atB.out)).toEqual({
      ok: true,
      problems: [],
      own: { outMinutes: 150, inMinutes: 90, netMinutes: -60 },
      netDifference: 0,
    });
    const atA = await run(verifyArgs(bFile, "a", bPublic));
    expect(atA.code, atA.err).toBe(0);
    expect(JSON.parse(atA.out)).toMatchObject({ ok: true, netDifference: 0 });
  });

  it("exits 1 with a signature problem for an altered statement, or one checked with the wrong key", async () => {
    const a = await run(statementArgs("a", aPrivate));
    const altered = JSON.parse(a.out);
    altered.lines[0].minutes = 60;
    const file = write("altered.json", JSON.stringify(altered));
    const r = await run(verifyArgs(file, "b", aPublic));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      ok: false,
      code: "CLEARING_SIGNATURE",
      problems: [{ code: "CLEARING_SIGNATURE" }],
    });
    expect(r.err).toContain("CLEARING_SIGNATURE");
    const wrongKey = await run(verifyArgs(write("from-a-2.json", a.out), "b", bPublic));
    expect(wrongKey.code).toBe(1);
    expect(JSON.parse(wrongKey.out).code).toBe("CLEARING_SIGNATURE");
    // An Ed25519 statement checked with an HMAC secret: the key is at fault, not the statement.
    const hmacKey = await run(verifyArgs(write("from-a-4.json", a.out), "b", shared));
    expect(hmacKey.code).toBe(1);
    expect(hmacKey.err).toMatch(/^INVALID_INPUT \(key\)/);
    const noKey = await run(verifyArgs(write("from-a-5.json", a.out), "b", join(dir, "missing.key")));
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain("FILE_NOT_FOUND");
  });

  it("lists every movement that disagrees with the local records, per item, with an HMAC key", async () => {
    const a = await run(statementArgs("a", shared));
    expect(a.code, a.err).toBe(0);
    expect(JSON.parse(a.out).algorithm).toBe("hmac-sha256");
    const file = write("from-a-hmac.json", a.out);
    // B booked 60 minutes where A fulfilled 90, and booked a service A never recorded.
    const otherBook = jsonl("b-clearing-2.jsonl", [
      serve("district-a", "a-w1", "a-v1", 60, "2027-02-03", "b-c1"),
      serve("district-a", "a-w9", "a-v2", 45, "2027-03-01", "b-c1"),
    ]);
    const r = await run(verifyArgs(file, "b", shared, otherBook));
    expect(r.code).toBe(1);
    const check = JSON.parse(r.out);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual(
      expect.arrayContaining([
        { code: "CLEARING_MISMATCH", home: "district-a", ref: "a-w1", kind: "redemption", fields: ["minutes"] },
        { code: "CLEARING_MISSING", home: "district-a", ref: "a-w9", kind: "redemption" },
        { code: "CLEARING_NOT_NETTING", fields: ["totals", "netMinutes"] },
      ]),
    );
    // B's own side: 150 out, 60 + 45 in; with A's +60 the two sides are 15 minutes apart.
    expect(check.own).toEqual({ outMinutes: 150, inMinutes: 105, netMinutes: -45 });
    expect(check.netDifference).toBe(15);
    // The table names the same problems for people.
    const table = await run([
      ...verifyArgs(file, "b", shared, otherBook).slice(0, -2),
      "--format",
      "table",
      "--lang",
      "en",
    ]);
    expect(table.code).toBe(1);
    expect(table.out).toContain("Statement DISAGREES");
    expect(table.out).toContain("CLEARING_MISMATCH");
  });

  it("refuses a statement from another bank than --issuer, and one addressed to someone else", async () => {
    const a = await run(statementArgs("a", aPrivate));
    const file = write("from-a-3.json", a.out);
    const r = await run([...verifyArgs(file, "b", aPublic), "--issuer", "district-c"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).problems).toEqual([{ code: "CLEARING_PARTY", fields: ["bank"] }]);
    const misaddressed = await run(verifyArgs(file, "a", aPublic));
    expect(misaddressed.code).toBe(1);
    expect(JSON.parse(misaddressed.out).code).toBe("CLEARING_PARTY");
  });

  it("reports a statement file that is not JSON, or not a statement, as INVALID_INPUT and exits 1", async () => {
    for (const [name, text] of [
      ["garbage.json", "{ not json 13812345678"],
      ["empty.json", "{}"],
      ["array.json", "[1,2]"],
    ] as const) {
      const r = await run(verifyArgs(write(name, text), "b", aPublic));
      expect(r.code, name).toBe(1);
      const check = JSON.parse(r.out);
      expect(check.ok).toBe(false);
      expect(check.code).toBe("INVALID_INPUT");
      expect(r.out + r.err).not.toContain("13812345678");
    }
  });

  it("stops before opening anything on a bad bank id, period or counterpart (exit 2)", async () => {
    const args = statementArgs("a", aPrivate);
    const at = (flag: string, value: string) => {
      const copy = [...args];
      copy[copy.indexOf(flag) + 1] = value;
      return copy;
    };
    for (const argv of [
      at("--bank", "district a\u0000"),
      at("--counterpart", "district-a"),
      at("--period", "2027-Q5"),
      at("--counterpart", "13812345678"),
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(Object.keys(JSON.parse(r.out))).toEqual(["error"]);
      expect(r.err).not.toContain("13812345678");
    }
  });

  it("fails the statement with the line number when a clearing-book line is refused, never a partial statement", async () => {
    const bad = jsonl("bad-clearing.jsonl", [
      serve("district-b", "b-w1", "b-v1", 150, "2027-03-05", "a-c1"),
      serve("district-b", "b-w1", "b-v1", 150, "2027-03-06", "a-c1"),
    ]);
    const args = statementArgs("a", aPrivate);
    args[args.indexOf("--clearing") + 1] = bad;
    const r = await run(args);
    expect(r.code).toBe(1);
    expect(Object.keys(JSON.parse(r.out))).toEqual(["error"]);
    expect(r.err).toContain("IDEMPOTENCY_CONFLICT");
    const notJson = write("not-json.jsonl", "{ nope\n");
    args[args.indexOf("--clearing") + 1] = notJson;
    const r2 = await run(args);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain("INVALID_INPUT");
  });

  it("only lets a district body draw up or check a statement", async () => {
    const staff = JSON.stringify({ id: "staff-a1", roles: ["community_staff"], communities: ["a-c1"] });
    const r = await run([
      ...statementArgs("a", aPrivate).filter((a) => a !== aClearing && a !== "--clearing"),
      "--actor",
      staff,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("NOT_AUTHORIZED");
    expect(Object.keys(JSON.parse(r.out))).toEqual(["error"]);
  });

  it("keeps the statement it wrote byte for byte verifiable after a round trip through a file", async () => {
    const a = await run(statementArgs("a", aPrivate));
    const file = write("round.json", `${JSON.stringify(JSON.parse(a.out), null, 2)}\n`);
    expect(readFileSync(file, "utf8")).toContain('"signature"');
    const r = await run(verifyArgs(file, "b", aPublic));
    expect(r.code, r.err).toBe(0);
  });
});

describe("elderflow timebank rating", () => {
  const names = write("names.json", JSON.stringify({ "a-v1": "张小三", "a-v2": "李四" }));
  const feedback = (value: unknown) =>
    write(`feedback-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(value));

  it("rates every volunteer's year with the live stars when feedback is good, names masked", async () => {
    const r = await run([
      "timebank",
      "rating",
      "--commands",
      aCommands,
      "--year",
      "2027",
      "--names",
      names,
      "--format",
      "json",
    ]);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.year).toBe(2027);
    expect(out.ratings.map((x: { volunteer: string }) => x.volunteer)).toEqual(["a-v1", "a-v2"]);
    expect(out.ratings[0]).toMatchObject({
      ok: true,
      volunteer: "a-v1",
      community: "a-c1",
      name: "张*三",
      yearMinutes: 6000,
      services: 1,
      feedbackCount: 0,
      level: 1,
      title: { "zh-CN": "一星志愿者" },
    });
    expect(out.ratings[1]).toMatchObject({ ok: true, volunteer: "a-v2", level: 0 });
    expect(r.out).not.toContain("张小三");
    expect(r.out).not.toContain("李四");
  });

  it("lowers a level on poor feedback and reports malformed feedback for that volunteer alone", async () => {
    const file = feedback({ "a-v1": { satisfied: 1, dissatisfied: 9 }, "a-v2": { satisfied: -1, dissatisfied: 2 } });
    const r = await run([
      "timebank",
      "rating",
      "--commands",
      aCommands,
      "--year",
      "2027",
      "--feedback",
      file,
      "--format",
      "json",
    ]);
    expect(r.code, r.err).toBe(0);
    const [v1, v2] = JSON.parse(r.out).ratings;
    expect(v1).toMatchObject({ ok: true, feedbackCount: 10, satisfiedPercent: 10, level: 0 });
    expect(v2).toEqual({ ok: false, volunteer: "a-v2", community: "a-c1", code: "INVALID_INPUT" });
  });

  it("prints a table with the titles in the chosen language", async () => {
    const r = await run([
      "timebank",
      "rating",
      "--commands",
      aCommands,
      "--year",
      "2027",
      "--format",
      "table",
      "--lang",
      "en",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("one-star volunteer");
    const zh = await run([
      "timebank",
      "rating",
      "--commands",
      aCommands,
      "--year",
      "2027",
      "--format",
      "table",
      "--lang",
      "zh-CN",
    ]);
    expect(zh.out).toContain("一星志愿者");
  });

  it("counts only the given year: nothing served in 2026", async () => {
    const r = await run(["timebank", "rating", "--commands", aCommands, "--year", "2026", "--format", "json"]);
    expect(r.code, r.err).toBe(0);
    for (const x of JSON.parse(r.out).ratings) expect(x).toMatchObject({ ok: true, yearMinutes: 0, level: 0 });
  });

  it("refuses a bad year (exit 2) and feedback that is not an object of objects (exit 1)", async () => {
    for (const year of ["27", "2027-01", "abcd", "0999"]) {
      const r = await run(["timebank", "rating", "--commands", aCommands, "--year", year, "--format", "json"]);
      expect(r.code, year).toBe(2);
    }
    for (const value of [[1, 2], "x", { "a-v1": 5 }, { "a-v1": null }]) {
      const r = await run([
        "timebank",
        "rating",
        "--commands",
        aCommands,
        "--year",
        "2027",
        "--feedback",
        feedback(value),
        "--format",
        "json",
      ]);
      expect(r.code, JSON.stringify(value)).toBe(1);
      expect(r.err).toContain("INVALID_TYPE");
      expect(Object.keys(JSON.parse(r.out))).toEqual(["error"]);
    }
  });

  it("keeps to the actor's reach: another community's staff is refused the community", async () => {
    const staff = JSON.stringify({ id: "staff-b1", roles: ["community_staff"], communities: ["b-c1"] });
    const r = await run([
      "timebank",
      "rating",
      "--commands",
      aCommands,
      "--year",
      "2027",
      "--community",
      "a-c1",
      "--actor",
      staff,
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("WRONG_COMMUNITY");
    expect(Object.keys(JSON.parse(r.out))).toEqual(["error"]);
  });
});

describe("Chinese help of the time bank's rule, clearing and rating options", () => {
  it("describes every new option and command in zh-CN, and keeps the English under --lang en", async () => {
    const replay = await run(["--lang", "zh-CN", "timebank", "replay", "--help"]);
    expect(replay.code).toBe(0);
    for (const text of [
      "存储上限",
      "超出上限时",
      "公益池",
      "兑换年龄",
      "困难情形",
      "失效",
      "规则版本",
      "生效日期",
      "困难标志",
    ])
      expect(replay.out).toContain(text);
    const balance = await run(["--lang", "zh-CN", "timebank", "balance", "--help"]);
    expect(balance.out).toContain("按服务和入账日期");
    const rating = await run(["--lang", "zh-CN", "timebank", "rating", "--help"]);
    expect(rating.out).toContain("年终星级评定");
    expect(rating.out).toContain("服务对象评价");
    const verify = await run(["--lang", "zh-CN", "timebank", "verify-statement", "--help"]);
    for (const text of ["核对对方结算单", "本方时间银行编号", "城市清算所", "清算簿"])
      expect(verify.out).toContain(text);
    const statement = await run(["--lang", "zh-CN", "timebank", "statement", "--help"]);
    expect(statement.out).toContain("结算对方");
    const en = await run(["--lang", "en", "timebank", "replay", "--help"]);
    expect(en.out).toContain("storage cap in hours");
    expect(en.out).not.toContain("存储上限");
  });
});

describe("formats of the clearing and rating commands", () => {
  it("refuses a format a command does not print (exit 2, nothing on stdout)", async () => {
    for (const argv of [
      ["timebank", "rating", "--commands", aCommands, "--year", "2027", "--format", "csv"],
      [...statementArgs("a", aPrivate).slice(0, -2), "--format", "table"],
      [...verifyArgs(write("any.json", "{}"), "b", aPublic).slice(0, -2), "--format", "html"],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toMatch(/^USAGE \(--format\): /);
      expect(r.out).toBe("");
    }
  });
});

describe("from a store instead of a commands file", () => {
  it("rates and signs from a PGlite bank that an earlier replay filled", async () => {
    const store = `pglite:${join(dir, "bank-a")}`;
    const replay = await run(["timebank", "replay", "--store", store, "--commands", aCommands, "--format", "json"]);
    expect(replay.code, replay.err).toBe(0);
    const rating = await run(["timebank", "rating", "--store", store, "--year", "2027", "--format", "json"]);
    expect(rating.code, rating.err).toBe(0);
    expect(JSON.parse(rating.out).ratings[0]).toMatchObject({ volunteer: "a-v1", level: 1 });
    const args = statementArgs("a", aPrivate);
    args.splice(args.indexOf("--commands"), 2, "--store", store);
    const statement = await run(args);
    expect(statement.code, statement.err).toBe(0);
    const fromA = JSON.parse(statement.out);
    expect(fromA.totals).toEqual({ outMinutes: 90, inMinutes: 150, netMinutes: 60 });
    const check = await run(verifyArgs(write("from-a-store.json", statement.out), "b", aPublic));
    expect(check.code, check.err).toBe(0);
  }, 60_000);
});
