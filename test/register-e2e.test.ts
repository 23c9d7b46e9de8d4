/**
 * Issue #12, done when: an XLSX register of the reports' district (3,310 cadres) with 20 planted
 * bad rows is imported — the 20 reported by row and column, the rest imported — then a death is
 * recorded, and every open item for that person (visit tasks, the pairing and its weekly timer, an
 * open service request, a care pathway, a reserved time-bank withdrawal) ends up cancelled with
 * its reason, on the embedded default (PGlite) through the CLI and the library alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ActorInput, defaultRankScale, generateDistrict, manualClock, type Person } from "@elderflow/core";
import { type Register, readPersons } from "@elderflow/register";
import type { WorkflowActor } from "@elderflow/workflow";
import { createElderflow, type Elderflow } from "elderflow";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../packages/elderflow/src/cli/program";
import { xlsx, ZH_HEADER } from "../packages/register/src/import/fixtures.testkit";
import { memoryIO } from "./support/cli";

const dir = mkdtempSync(join(tmpdir(), "elderflow-register-e2e-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const district = generateDistrict({ seed: 1, year: 2026 });
const zhRank = new Map(defaultRankScale.levels.map((r) => [r.id, r.zh]));

/** A sheet row as a bureau keeps it: Chinese values under the Chinese headers. */
function rowOf(p: Person): string[] {
  return [
    p.id,
    p.name,
    p.gender === "male" ? "男" : "女",
    p.idNumber ?? "",
    p.birthDate,
    p.retirementKind === "lixiu" ? "离休" : "退休",
    zhRank.get(p.rank) ?? p.rank,
    p.communityId,
    p.birthdayCalendar === "lunar" ? "农历" : "公历",
    p.status === "active" ? "在册" : p.status === "deceased" ? "去世" : "迁出",
    // A departed cadre's row names the day, as the register needs it.
    p.statusSince ?? "",
  ];
}

const HEADER = [...ZH_HEADER, "状态日期"];
const COLUMN = Object.fromEntries(HEADER.map((h, i) => [h, i])) as Record<string, number>;

/** Twenty ways a hand-kept sheet goes wrong, each in one column (sheet row = index + 2). */
const PLANTS: readonly { readonly column: string; readonly spoil: (r: string[]) => void }[] = [
  { column: "性别", spoil: (r) => (r[COLUMN.性别 as number] = "未知") },
  { column: "出生日期", spoil: (r) => (r[COLUMN.出生日期 as number] = "1950-02-30") },
  { column: "职级", spoil: (r) => (r[COLUMN.职级 as number] = "大队长") },
  { column: "离休/退休", spoil: (r) => (r[COLUMN["离休/退休"] as number] = "在职") },
  {
    column: "身份证号",
    spoil: (r) => (r[COLUMN.身份证号 as number] = `${r[COLUMN.身份证号 as number]?.slice(0, 17)}Y`),
  },
];

function plantedSheet(): { rows: string[][]; bad: Map<number, string> } {
  const rows = [HEADER.slice(), ...district.persons.map(rowOf)];
  const bad = new Map<number, string>();
  // Every 160th person from the 50th: 20 rows spread over the sheet, four of each kind.
  for (let k = 0; k < 20; k++) {
    const sheetRow = 50 + 160 * k;
    const plant = PLANTS[k % PLANTS.length];
    const row = rows[sheetRow - 1];
    if (plant === undefined || row === undefined) throw new Error("bad plant");
    plant.spoil(row);
    bad.set(sheetRow, plant.column);
  }
  return { rows, bad };
}

const bureau: ActorInput = { id: "bureau-1", roles: ["bureau"] };
const registrar = (communityId: string): ActorInput => ({
  id: "reg-1",
  roles: ["registrar"],
  communities: [communityId],
});
const EFFECTIVE = "2027-03-05";

describe("a bureau's register of 3,310 cadres, imported from XLSX, and a death that follows into the plans", () => {
  it("imports the good rows, reports the 20 bad ones, and cancels every open item of the deceased with its reason", async () => {
    const { rows, bad } = plantedSheet();
    const bytes = await xlsx(rows.map((r) => r.map((value) => ({ value, type: String }))));
    const file = join(dir, "离休干部信息库.xlsx");
    writeFileSync(file, bytes);

    // The library reads the sheet: every bad row reported by the row number the sheet shows.
    const read = await readPersons(bytes, { today: "2027-03-01", fileName: file });
    expect(read.format).toBe("xlsx");
    expect(read.persons).toHaveLength(3_310 - 20);
    expect(new Map(read.rejected.map((r) => [r.row, r.column]))).toEqual(bad);
    for (const r of read.rejected) {
      expect(r.message["zh-CN"]).toMatch(/[\u4e00-\u9fff]/);
      expect(r.message.en).toMatch(/[a-z]/);
    }

    // The CLI imports it into the embedded default, and the contract holds.
    const dataDir = join(dir, "pglite");
    const io = memoryIO({ cwd: dir });
    const code = await runCli(
      ["import", "persons", file, "--store", `pglite:${dataDir}`, "--format", "json", "--as-of", "2027-03-01"],
      io,
    );
    expect(code).toBe(1);
    const out = JSON.parse(io.out) as { imported: number; rejected: { row: number; column: string; code: string }[] };
    expect(out.imported).toBe(3_290);
    expect(new Map(out.rejected.map((r) => [r.row, r.column]))).toEqual(bad);
    expect(out.rejected.every((r) => /^[A-Z][A-Z0-9_]+$/.test(r.code))).toBe(true);

    // The wired system opens the same store and finds the register there.
    const clock = manualClock("2027-03-01T09:00:00+08:00");
    const helper = {
      id: "v-e2e",
      certifications: [{ skill: "medical_care", level: 2, validFrom: "2020-01-01", issuer: "district" }],
    };
    const flow = await createElderflow({
      store: { kind: "pglite", dataDir },
      clock,
      directory: { servicePoints: district.servicePoints, volunteers: [...district.volunteers, helper] },
    });
    try {
      await exercise(flow, flow.register, clock);
    } finally {
      await flow.close();
    }
  }, 600_000);
});

async function exercise(flow: Elderflow, register: Register, clock: ReturnType<typeof manualClock>) {
  const persons = await register.persons(bureau);
  expect(persons).toHaveLength(3_290);

  // Plan a year of birthday visits from the register, and pick a lixiu cadre with a visit after the death.
  const roster = await flow.planBirthdayVisits(persons, { from: "2027-03-06", to: "2028-03-05" }, bureau);
  const entry = roster.find((e) => persons.find((p) => p.id === e.personId)?.retirementKind === "lixiu");
  expect(entry).toBeDefined();
  const person = persons.find((p) => p.id === entry?.personId) as Person;
  const c = person.communityId;
  const staff: WorkflowActor = { id: "cs-1", role: "community_staff", communityId: c };
  const doctor: WorkflowActor = { id: "dr-1", role: "doctor", communityId: c };
  const hotline: WorkflowActor = { id: "hl-1", role: "hotline_staff", communityId: c };

  // A pairing with its weekly check, an open hotline request, a hospital admission.
  await flow.workflows.start("pairing", {
    id: "pair-e2e",
    actor: staff,
    input: { communityId: c, volunteerId: "v-e2e", personId: person.id, skill: "medical_care", level: 2 },
  });
  await flow.workflows.send("pair-e2e", { id: "pair-e2e-a", type: "ACTIVATE", actor: staff });
  await flow.workflows.start("serviceRequest", {
    id: "sr-e2e",
    actor: hotline,
    input: { communityId: c, personId: person.id },
  });
  await flow.workflows.start("carePathway", {
    id: "cp-e2e",
    actor: doctor,
    input: { communityId: c, personId: person.id, rank: person.rank },
  });
  await flow.workflows.send("cp-e2e", { id: "cp-e2e-r", type: "REFER", actor: doctor, payload: { hospitalId: "h-1" } });
  await flow.workflows.send("cp-e2e", { id: "cp-e2e-a", type: "ADMIT", actor: doctor, payload: { hospitalId: "h-1" } });
  await flow.pump();

  // Minutes reserved for the person by a volunteer who registered them as family.
  const admin: ActorInput = { id: "adm-1", roles: ["admin"], communities: [c] };
  const setUp = await flow.timebank.as(admin).submitMany([
    { op: "grant", key: "g-reg", person: "reg-1", role: "registrar", community: c },
    { op: "grant", key: "g-ver", person: "ver-1", role: "verifier", community: c },
    { op: "enroll", key: "en-e2e", volunteer: "v-e2e", community: c, family: [person.id] },
  ]);
  const moves = await flow.timebank.as(flow.host).submitMany([
    {
      op: "record",
      key: "r-e2e",
      volunteer: "v-e2e",
      recipient: "p-x",
      minutes: 120,
      on: "2027-02-20",
      signedBy: "p-x",
      registeredBy: "reg-1",
    },
    { op: "verify", key: "vf-e2e", entry: "r-e2e", by: "ver-1", on: "2027-02-21" },
    { op: "withdraw", key: "w-e2e", volunteer: "v-e2e", beneficiary: person.id, minutes: 60, on: "2027-03-02" },
  ]);
  expect([...setUp, ...moves].filter((r) => !r.ok)).toEqual([]);

  const openTasks = async () =>
    (await flow.tasks.list(bureau, { status: ["open", "assigned", "accepted"] })).filter(
      (t) => t.personId === person.id,
    );
  const before = await openTasks();
  expect(before.map((t) => t.kind).sort()).toEqual(["birthday_visit", "hospital_visit"]);

  // The death notice.
  clock.set("2027-03-05T10:00:00+08:00");
  const { outcomes, follow } = await flow.recordChanges(
    [
      {
        kind: "status",
        personId: person.id,
        effective: EFFECTIVE,
        status: "deceased",
        source: { kind: "notice", ref: "讣告-2027-013" },
        reason: "家属来电告知",
      },
    ],
    registrar(c),
  );
  expect(outcomes.map((o) => o.ok)).toEqual([true]);
  expect(follow).toHaveLength(1);
  const report = follow[0];
  expect(report?.failed).toEqual([]);
  expect(report?.tasks.map((t) => [t.id, t.action, t.reason]).sort()).toEqual(
    before.map((t) => [t.id, "cancelled", "deceased"]).sort(),
  );
  expect(report?.pairings).toEqual([{ instanceId: "pair-e2e", action: "ended", timersCancelled: 1 }]);
  expect(report?.serviceRequests.map((s) => s.instanceId)).toEqual(["sr-e2e"]);
  expect(report?.hospitalAdmissions?.map((h) => h.instanceId)).toEqual(["cp-e2e"]);
  expect(report?.withdrawals.map((w) => [w.key, w.action])).toEqual([["w-e2e", "voided"]]);

  // Nothing for the person stays open, in any engine, and each carries its reason.
  expect(await openTasks()).toEqual([]);
  for (const t of before)
    expect(await flow.tasks.get(t.id, bureau)).toMatchObject({ status: "cancelled", cancelReason: "deceased" });
  const instances = await flow.workflows.list({ personId: person.id, activeOnly: true }, staff);
  expect(instances).toEqual([]);
  expect(await flow.workflows.timers("pair-e2e", staff)).toEqual([]);
  expect((await flow.workflows.query("sr-e2e", staff)).context.cancelReason).toBe("person_left");
  expect(
    flow.timebank
      .as(flow.host)
      .entries()
      .find((e) => e.key === "w-e2e")?.status,
  ).toBe("voided");

  // The register keeps the history: active the day before, deceased from the notice's date.
  expect((await register.get(person.id, bureau, { asOf: "2027-03-04" }))?.status).toBe("active");
  expect(await register.get(person.id, bureau, { asOf: EFFECTIVE })).toMatchObject({
    status: "deceased",
    statusSince: EFFECTIVE,
  });
  const history = await register.history(person.id, bureau);
  expect(history.map((h) => h.kind)).toEqual(["enrol", "status"]);

  // A roster planned afterwards has no visit for the person, and a month of ticks raises no alert.
  const later = await flow.planBirthdayVisits(
    await register.persons(bureau),
    { from: "2027-03-06", to: "2028-03-05" },
    bureau,
  );
  expect(later.some((e) => e.personId === person.id)).toBe(false);
  for (let day = 6; day <= 31; day++) {
    clock.set(`2027-03-${String(day).padStart(2, "0")}T12:00:00+08:00`);
    await flow.tick();
  }
  expect(await openTasks()).toEqual([]);
}
