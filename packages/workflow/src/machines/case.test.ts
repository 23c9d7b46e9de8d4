import { manualClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../engine";
import { anActor, anEngine, codeOf } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import type { WorkflowActor } from "../types";
import { CASE_KINDS, CASE_OUTCOMES, caseCounts, caseWorkflow, weekdayReceptions } from "./case";

const cs = anActor("community_staff", "cs1");
const mediator = anActor("association", "med1");
const bureau: WorkflowActor = { id: "b1", role: "bureau" };
let seq = 0;
const ev = (type: string, actor = cs, payload?: Record<string, unknown>) => ({
  id: `e${++seq}`,
  type,
  actor,
  ...(payload === undefined ? {} : { payload }),
});
const intake = (over: Record<string, unknown> = {}) => ({
  communityId: "c01",
  kind: "mediation",
  category: "support",
  parties: ["p1", "p2"],
  summary: "子女赡养纠纷",
  ...over,
});

describe("case (mediation and legal consultation, seeds 000 and 004)", () => {
  it("takes a mediation at intake, holds sessions on reception days and closes with an agreement", async () => {
    const { engine, clock } = anEngine();
    await engine.start("case", { id: "k1", input: intake(), actor: mediator });
    clock.set(Date.parse("2027-03-18T10:00:00+08:00"));
    expect((await engine.send("k1", ev("SESSION", mediator, { on: "2027-03-02", reception: "legal_aid" }))).to).toBe(
      "open",
    );
    await engine.send("k1", ev("SESSION", mediator, { on: "2027-03-18", reception: "law_day" }));
    await engine.send("k1", ev("SESSION", mediator, { on: "2027-03-05", reception: "other" }));
    expect((await engine.send("k1", ev("CLOSE", mediator, { outcome: "agreement" }))).to).toBe("closed");
    const { context } = await engine.query("k1", bureau);
    expect(context).toMatchObject({
      kind: "mediation",
      personId: "p1",
      parties: ["p1", "p2"],
      openedOn: "2027-03-01",
      outcome: "agreement",
      closedOn: "2027-03-18",
      sessions: [
        { on: "2027-03-02", reception: "legal_aid" },
        { on: "2027-03-18", reception: "law_day" },
        { on: "2027-03-05", reception: "other" },
      ],
    });
  });

  it("refuses a reception session on a day that is not of the reception, in the future, or before intake", async () => {
    const { engine, clock } = anEngine();
    await engine.start("case", { id: "k2", input: intake(), actor: cs });
    clock.set(Date.parse("2027-03-10T10:00:00+08:00"));
    const session = (on: string, reception: string) => engine.send("k2", ev("SESSION", cs, { on, reception }));
    expect(await codeOf(session("2027-03-03", "legal_aid"))).toBe("NOT_RECEPTION_DAY"); // a Wednesday
    expect(await codeOf(session("2027-03-09", "law_day"))).toBe("NOT_RECEPTION_DAY");
    expect(await codeOf(session("2027-03-16", "legal_aid"))).toBe("SESSION_IN_FUTURE");
    expect(await codeOf(session("2027-02-23", "legal_aid"))).toBe("BEFORE_INTAKE");
    expect(await codeOf(session("2027-03-09", "evening"))).toBe("INVALID_ENUM");
    expect((await engine.query("k2", bureau)).context.sessions).toEqual([]);
  });

  it("asks the injected reception check, so a holiday Tuesday of the schedule is refused", async () => {
    const asked: string[] = [];
    const engine = createWorkflowEngine({
      store: memoryStore(),
      clock: manualClock("2027-10-08T09:00:00+08:00"),
      machines: [
        caseWorkflow({
          receptions: (on, r) => {
            asked.push(`${r}:${on}`);
            return on !== "2027-10-05" && weekdayReceptions(on, r);
          },
        }),
      ],
    });
    await engine.start("case", { id: "k3", input: intake({ kind: "legal_consultation", parties: ["p9"] }), actor: cs });
    expect(await codeOf(engine.send("k3", ev("SESSION", cs, { on: "2027-10-05", reception: "legal_aid" })))).toBe(
      "NOT_RECEPTION_DAY",
    );
    expect(new Set(asked)).toEqual(new Set(["legal_aid:2027-10-05"]));
  });

  it("refers to a department only with the department named, and to a court without one", async () => {
    const { engine } = anEngine();
    await engine.start("case", { id: "k4", input: intake(), actor: cs });
    expect(await codeOf(engine.send("k4", ev("REFER", cs, { to: "department" })))).toBe("REFERRAL_DEPARTMENT");
    expect(await codeOf(engine.send("k4", ev("REFER", cs, { to: "court", departmentId: "d1" })))).toBe(
      "REFERRAL_DEPARTMENT",
    );
    expect((await engine.send("k4", ev("REFER", cs, { to: "department", departmentId: "dept-housing" }))).to).toBe(
      "referred",
    );
    expect((await engine.query("k4", bureau)).context).toMatchObject({
      outcome: "referred",
      referral: { to: "department", departmentId: "dept-housing" },
    });
    expect(await codeOf(engine.send("k4", ev("CLOSE", cs, { outcome: "resolved" })))).not.toBe("none");
  });

  it("lets the applicant withdraw, and nobody but the case roles work a case", async () => {
    const { engine } = anEngine();
    await engine.start("case", { id: "k5", input: intake(), actor: cs });
    expect(await codeOf(engine.send("k5", ev("CLOSE", anActor("cadre", "p1"), { outcome: "resolved" })))).toBe(
      "WRONG_ROLE",
    );
    expect(await codeOf(engine.start("case", { id: "k6", input: intake(), actor: anActor("cadre", "p1") }))).toBe(
      "WRONG_ROLE",
    );
    expect((await engine.send("k5", ev("WITHDRAW", anActor("cadre", "p1")))).to).toBe("withdrawn");
  });

  it("refuses hostile intakes: repeated parties, no party, an ID number as a party, control characters, an unknown kind", async () => {
    const { engine } = anEngine();
    const start = (input: Record<string, unknown>) => engine.start("case", { id: `h${++seq}`, input, actor: cs });
    const codes = [];
    for (const bad of [
      intake({ parties: ["p1", "p1"] }),
      intake({ parties: [] }),
      intake({ parties: ["110101194901011234"] }),
      intake({ summary: "a\u0000b" }),
      intake({ summary: "x".repeat(2001) }),
      intake({ kind: "arbitration" }),
      { ...intake(), extra: 1 },
    ])
      codes.push(await codeOf(start(bad)));
    expect(codes).toEqual([
      "DUPLICATE_PARTY",
      "TOO_SMALL",
      "PERSONAL_DATA_IN_ID",
      "CONTROL_CHARACTER",
      "TOO_BIG",
      "INVALID_ENUM",
      "UNKNOWN_FIELD",
    ]);
    expect((await engine.list({ machine: "case", limit: 100 }, bureau)).length).toBe(0);
  });

  it("erases the summary and the session notes with the applicant", async () => {
    const { engine } = anEngine();
    await engine.start("case", { id: "k7", input: intake({ summary: "张三与其子赡养纠纷" }), actor: cs });
    await engine.send("k7", ev("SESSION", cs, { on: "2027-03-01", reception: "other", note: "张三到场" }));
    const erased = await engine.erasePerson("p1", bureau);
    expect(erased.instances).toContain("k7");
    const { context } = await engine.query("k7", bureau);
    expect(JSON.stringify(context)).not.toContain("张三");
  });

  it("counts a year's cases by kind and outcome, by intake day", () => {
    const ctx = (kind: string, openedOn: string, outcome: string | null, referral: unknown = null) => ({
      kind,
      openedOn,
      outcome,
      referral,
      sessions: [{ on: openedOn, reception: "legal_aid" }],
    });
    const counts = caseCounts(
      [
        ctx("mediation", "2027-02-02", "agreement"),
        ctx("mediation", "2027-05-18", "agreement"),
        ctx("mediation", "2027-06-01", null),
        ctx("mediation", "2026-12-29", "agreement"),
        ctx("legal_consultation", "2027-03-02", "referred", { to: "legal_aid_centre", departmentId: null }),
        { kind: "escalation", openedOn: "2027-01-01" },
      ],
      2027,
    );
    expect(counts.byKind.mediation).toMatchObject({ opened: 3, open: 1, outcomes: { agreement: 2 } });
    expect(counts.byKind.mediation.sessions.legal_aid).toBe(3);
    expect(counts.byKind.legal_consultation.outcomes.referred).toBe(1);
    expect(counts.referrals).toEqual({ legal_aid_centre: 1, court: 0, department: 0 });
  });

  it("property: every case taken in the year is counted once, ended or open", () => {
    const aCase = fc.record({
      kind: fc.constantFrom(...CASE_KINDS),
      month: fc.integer({ min: 1, max: 12 }),
      year: fc.constantFrom(2026, 2027, 2028),
      outcome: fc.option(fc.constantFrom(...CASE_OUTCOMES)),
    });
    fc.assert(
      fc.property(fc.array(aCase, { maxLength: 60 }), (cases) => {
        const contexts = cases.map((c) => ({
          kind: c.kind,
          openedOn: `${c.year}-${String(c.month).padStart(2, "0")}-10`,
          outcome: c.outcome,
          referral: null,
          sessions: [],
        }));
        const counts = caseCounts(contexts, 2027);
        for (const kind of CASE_KINDS) {
          const k = counts.byKind[kind];
          const ended = Object.values(k.outcomes).reduce((a, b) => a + b, 0);
          expect(ended + k.open).toBe(k.opened);
          expect(k.opened).toBe(cases.filter((c) => c.kind === kind && c.year === 2027).length);
        }
      }),
    );
  });
});
