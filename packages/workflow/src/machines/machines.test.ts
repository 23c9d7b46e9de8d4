import { manualClock } from "@elderflow/core";
import { describe, expect, it } from "vitest";
import { createWorkflowEngine } from "../engine";
import { anActor, anEngine, codeOf, MIN } from "../fixtures.testkit";
import { memoryStore } from "../stores/memory";
import { builtInWorkflows } from "./index";
import { servicePointDirectory } from "./servicePoints";
import { DEFAULT_SLA, resolveSla } from "./serviceRequest";

const staff = anActor("hotline_staff", "s1");
const cs = anActor("community_staff", "cs1");
const sp = (n: number) => anActor("service_point", `w${n}`, { orgId: `sp${n}` });
const cadre = anActor("cadre", "p1");
let seq = 0;
const ev = (type: string, actor = staff, payload?: Record<string, unknown>) => ({
  id: `e${++seq}`,
  type,
  actor,
  ...(payload === undefined ? {} : { payload }),
});

describe("service request (rule 7)", () => {
  it("goes from call to closed, confirmed by the cadre", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    const steps = [
      ev("TRIAGE", staff, { serviceKind: "plumbing" }),
      ev("ACCEPT", sp(1)),
      ev("ARRIVE", sp(1)),
      ev("FINISH", sp(1)),
      ev("CONFIRM", cadre),
      ev("CLOSE", staff),
    ];
    const states: string[] = [];
    for (const s of steps) states.push((await engine.send("r", s)).to);
    expect(states).toEqual(["dispatched", "accepted", "onSite", "done", "confirmed", "closed"]);
    expect((await engine.store.outbox(10)).map((o) => o.type)).toEqual(["serviceRequest.closed"]);
  });

  it("lets only the dispatched service point accept, and only the requester confirm", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    expect(await codeOf(engine.send("r", ev("ACCEPT", sp(2))))).toBe("NOT_AUTHORIZED");
    for (const s of ["ACCEPT", "ARRIVE", "FINISH"]) await engine.send("r", ev(s, sp(1)));
    expect(await codeOf(engine.send("r", ev("CONFIRM", anActor("cadre", "p-other"))))).toBe("EVENT_NOT_ALLOWED");
    expect((await engine.send("r", ev("CONFIRM", cadre))).to).toBe("confirmed");
  });

  it("re-dispatches on a missed accept or arrive limit, then escalates when no candidate is left", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    clock.advance(15 * MIN);
    await engine.runDueTimers();
    expect((await engine.query("r", staff)).context.assigneeId).toBe("sp2");
    await engine.send("r", ev("ACCEPT", sp(2)));
    clock.advance(60 * MIN);
    await engine.runDueTimers();
    const q = await engine.query("r", staff);
    expect(q.context.assigneeId).toBe("sp3");
    await engine.send("r", ev("DECLINE", sp(3)));
    const esc = await engine.query("r", staff);
    expect(esc.state).toBe("escalated");
    expect((esc.context.breaches as { stage: string }[]).map((b) => b.stage)).toEqual(["accept", "arrive"]);
    expect((await engine.store.outbox(10)).map((o) => o.type)).toEqual([
      "serviceRequest.sla_breached",
      "serviceRequest.sla_breached",
      "serviceRequest.escalated",
    ]);
    expect((await engine.send("r", ev("ASSIGN", staff, { servicePointId: "sp9" }))).to).toBe("dispatched");
    expect((await engine.send("r", ev("ACCEPT", sp(9)))).to).toBe("accepted");
  });

  it("escalates at once when no service point offers the kind, and on a missed finish limit", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    expect((await engine.send("r", ev("TRIAGE", staff, { serviceKind: "nothing" }))).to).toBe("escalated");
    await engine.start("serviceRequest", { id: "r2", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r2", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    await engine.send("r2", ev("ACCEPT", sp(1)));
    await engine.send("r2", ev("ARRIVE", sp(1)));
    clock.advance(240 * MIN);
    await engine.runDueTimers();
    expect((await engine.query("r2", staff)).state).toBe("escalated");
  });

  it("gives priority targets shorter limits and lists them first (rule 10)", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "a", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.start("serviceRequest", {
      id: "b",
      input: { communityId: "c01", personId: "p2", priority: true },
      actor: staff,
    });
    expect((await engine.list({ machine: "serviceRequest" }, staff)).map((i) => i.id)).toEqual(["b", "a"]);
    const t = await engine.send("b", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    expect(t.instance.context.sla).toEqual(resolveSla(DEFAULT_SLA, "plumbing", true));
    expect(resolveSla(DEFAULT_SLA, "plumbing", true).acceptMs).toBe(7.5 * MIN);
    expect(resolveSla(DEFAULT_SLA, "emergency_help", false).acceptMs).toBe(5 * MIN);
  });

  it("reopens within the window only, and archives after it", async () => {
    const { engine, clock } = anEngine();
    const close = async (id: string) => {
      await engine.start("serviceRequest", { id, input: { communityId: "c01", personId: "p1" }, actor: staff });
      await engine.send(id, ev("TRIAGE", staff, { serviceKind: "plumbing" }));
      for (const s of ["ACCEPT", "ARRIVE", "FINISH"]) await engine.send(id, ev(s, sp(1)));
      await engine.send(id, ev("CONFIRM", cadre));
      await engine.send(id, ev("CLOSE", staff));
    };
    await close("r");
    clock.advance(24 * 60 * MIN);
    const re = await engine.send("r", ev("REOPEN", cadre));
    expect(re.to).toBe("dispatched");
    expect(re.instance.context.reopened).toBe(1);
    await close("r2");
    clock.advance(8 * 24 * 60 * MIN);
    await engine.runDueTimers();
    expect((await engine.query("r2", staff)).state).toBe("archived");
    expect(await codeOf(engine.send("r2", ev("REOPEN", cadre)))).toBe("EVENT_NOT_ALLOWED");
  });

  it("cancels with a reason code", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    const r = await engine.send("r", ev("CANCEL", cadre, { reason: "caller_withdrew" }));
    expect(r.instance).toMatchObject({
      state: "cancelled",
      status: "done",
      context: { cancelReason: "caller_withdrew" },
    });
  });

  it("cancels a dispatched request because the cadre left (person_left), dropping its SLA timer", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    expect(await engine.timers("r", cs)).toHaveLength(1);
    const r = await engine.send("r", ev("CANCEL", cs, { reason: "person_left" }));
    expect(r.instance).toMatchObject({ state: "cancelled", status: "done", context: { cancelReason: "person_left" } });
    expect(await engine.timers("r", cs)).toEqual([]);
    expect(await codeOf(engine.send("r", ev("CANCEL", cs, { reason: "moved_out" })))).toBe("INVALID_ENUM");
  });
});

describe("care pathway: the cadre left", () => {
  it("closes from any stage when the cadre died, moved or was transferred, only by community staff", async () => {
    const { engine } = anEngine();
    const doctor = anActor("doctor", "dr1");
    const open = async (id: string, steps: string[]) => {
      await engine.start("carePathway", {
        id,
        actor: doctor,
        input: { communityId: "c01", personId: "p1", rank: "section" },
      });
      for (const type of steps)
        await engine.send(
          id,
          ev(type, doctor, type === "REFER" || type === "ADMIT" ? { hospitalId: "h1" } : undefined),
        );
    };
    await open("cp-h", ["REFER", "ADMIT"]);
    await open("cp-d", ["REFER", "ADMIT", "DISCHARGE"]);
    await open("cp-c", []);
    expect(await codeOf(engine.send("cp-h", ev("PERSON_LEFT", doctor, { reason: "deceased" })))).toBe("WRONG_ROLE");
    for (const [id, reason] of [
      ["cp-h", "deceased"],
      ["cp-d", "moved"],
      ["cp-c", "transferred"],
    ] as const) {
      const r = await engine.send(id, ev("PERSON_LEFT", cs, { reason }));
      expect([r.to, r.instance.status]).toEqual(["closed", "done"]);
    }
    expect(await codeOf(engine.send("cp-c", ev("PERSON_LEFT", cs, { reason: "deceased" })))).toBe("EVENT_NOT_ALLOWED");
  });
});

describe("service point directory", () => {
  const point = (id: string, lat: number, kinds: string[], communityId = "c01") => ({
    id,
    name: id,
    communityId,
    location: { lat, lng: 121.4 },
    serviceKinds: kinds,
    open24h: true,
  });
  it("picks suitable points nearest first", () => {
    const dir = servicePointDirectory([
      point("far", 31.5, ["plumbing"]),
      point("near", 31.21, ["plumbing"]),
      point("wrong", 31.2, ["daily_goods"]),
      point("mid", 31.3, ["plumbing", "daily_goods"], "c02"),
    ]);
    const q = { serviceKind: "plumbing", communityId: "c01", limit: 5 };
    expect(dir.nearest({ ...q, location: { lat: 31.2, lng: 121.4 } })).toEqual(["near", "mid", "far"]);
    expect(dir.nearest({ ...q, location: null })).toEqual(["far", "near", "mid"]);
    expect(dir.nearest({ ...q, location: { lat: 31.2, lng: 121.4 }, limit: 1 })).toEqual(["near"]);
  });

  const at = (local: string) => Date.parse(`2026-10-01T${local}:00+08:00`);
  const dayPoint = { ...point("day", 31.21, ["plumbing"]), open24h: false, hours: { from: "08:00", to: "20:00" } };
  const nightShift = { ...point("night", 31.22, ["plumbing"]), open24h: false, hours: { from: "20:00", to: "08:00" } };
  const allHours = point("all", 31.4, ["plumbing"]);

  it("skips points closed at the request's hour in Asia/Shanghai", () => {
    const dir = servicePointDirectory([dayPoint, nightShift, allHours]);
    const q = { serviceKind: "plumbing", communityId: "c01", limit: 5, location: { lat: 31.2, lng: 121.4 } };
    expect(dir.nearest({ ...q, at: at("03:00") })).toEqual(["night", "all"]);
    expect(dir.nearest({ ...q, at: at("10:00") })).toEqual(["day", "all"]);
    expect(dir.nearest({ ...q, at: at("20:00") })).toEqual(["night", "all"]);
    expect(dir.nearest({ ...q, at: at("07:59") })).toEqual(["night", "all"]);
    // A point that is not open around the clock and states no hours keeps day hours.
    const { hours: _h, ...noHours } = dayPoint;
    expect(servicePointDirectory([noHours]).nearest({ ...q, at: at("03:00") })).toEqual([]);
    expect(servicePointDirectory([noHours]).nearest({ ...q, at: at("08:00") })).toEqual(["day"]);
  });

  it("never dispatches a 03:00 call to a point with day hours, while a 10:00 call goes there", async () => {
    const machines = builtInWorkflows({
      serviceRequest: { servicePoints: servicePointDirectory([dayPoint, allHours]) },
      pairing: { certification: () => true },
    });
    const clock = manualClock("2026-10-01T03:00:00+08:00");
    const engine = createWorkflowEngine({ machines, store: memoryStore(), clock });
    const input = { communityId: "c01", personId: "p1", lat: 31.2, lng: 121.4 };
    await engine.start("serviceRequest", { id: "night", input, actor: staff });
    const night = await engine.send("night", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    expect(night.instance.context.assigneeId).toBe("all");
    expect(night.instance.context.candidates).toEqual(["all"]);
    clock.set("2026-10-01T10:00:00+08:00");
    await engine.start("serviceRequest", { id: "day", input, actor: staff });
    const day = await engine.send("day", ev("TRIAGE", staff, { serviceKind: "plumbing" }));
    expect(day.instance.context.assigneeId).toBe("day");
  });
});

describe("escalation (rule 8)", () => {
  const assoc = anActor("association", "a1");
  const dept = anActor("department", "d1", { orgId: "dept-housing", communityId: undefined as never });
  it("goes up association → community → department with recorded hand-ups", async () => {
    const { engine } = anEngine();
    await engine.start("escalation", {
      id: "x",
      input: { communityId: "c01", personId: "p1", category: "housing" },
      actor: cadre,
    });
    await engine.send("x", ev("HAND_UP", assoc, { reason: "beyond_competence" }));
    const r = await engine.send("x", ev("HAND_UP", cs, { reason: "needs_department" }));
    expect(r.to).toBe("department.working");
    expect(r.instance.context.handUps).toEqual([
      {
        from: "association",
        to: "community",
        reason: "beyond_competence",
        by: "a1",
        role: "association",
        at: r.instance.updatedAt,
      },
      {
        from: "community",
        to: "department",
        reason: "needs_department",
        by: "cs1",
        role: "community_staff",
        at: r.instance.updatedAt,
      },
    ]);
    expect(
      await codeOf(
        engine.send("x", ev("RESOLVE", anActor("department", "d2", { orgId: "dept-other" }), { outcome: "solved" })),
      ),
    ).toBe("NOT_AUTHORIZED");
    const done = await engine.send("x", ev("RESOLVE", dept, { outcome: "solved" }));
    expect(done.instance.context.resolution).toMatchObject({ level: "department", by: "d1", outcome: "solved" });
  });

  it("lets only the responsible body of the current level resolve", async () => {
    const { engine } = anEngine();
    await engine.start("escalation", {
      id: "x",
      input: { communityId: "c01", personId: "p1", category: "pension" },
      actor: cadre,
    });
    expect(await codeOf(engine.send("x", ev("RESOLVE", cs, { outcome: "solved" })))).toBe("NOT_AUTHORIZED");
    expect(await codeOf(engine.send("x", ev("RESOLVE", cadre, { outcome: "solved" })))).toBe("WRONG_ROLE");
    expect((await engine.send("x", ev("RESOLVE", assoc, { outcome: "explained" }))).to).toBe("resolved");
  });

  it("hands up on a missed limit, and flags overdue where no department is known", async () => {
    const { engine, clock } = anEngine();
    await engine.start("escalation", {
      id: "h",
      input: { communityId: "c01", personId: "p1", category: "housing" },
      actor: cadre,
    });
    await engine.start("escalation", {
      id: "p",
      input: { communityId: "c01", personId: "p2", category: "pension" },
      actor: cadre,
    });
    clock.advance(72 * 60 * MIN);
    await engine.runDueTimers();
    expect((await engine.query("h", cs)).state).toBe("community.working");
    clock.advance(7 * 24 * 60 * MIN);
    await engine.runDueTimers();
    const h = await engine.query("h", cs);
    expect(h.state).toBe("department.working");
    expect((h.context.handUps as { reason: string; by: string }[]).map((x) => `${x.reason}/${x.by}`)).toEqual([
      "time_limit/system",
      "time_limit/system",
    ]);
    expect((await engine.query("p", cs)).state).toBe("community.overdue");
    clock.advance(21 * 24 * 60 * MIN);
    await engine.runDueTimers();
    expect((await engine.query("h", cs)).state).toBe("department.overdue");
    const types = (await engine.store.outbox(20)).map((o) => o.type);
    expect(types.filter((t) => t === "escalation.overdue").length).toBe(2);
  });
});

describe("care pathway (rule 9)", () => {
  const doc = anActor("doctor", "doc1");
  it("emits hospital visit due with the rank on every admission, and tracks the five services", async () => {
    const { engine } = anEngine();
    await engine.start("carePathway", {
      id: "c",
      input: { communityId: "c01", personId: "p1", rank: "deputy_county" },
      actor: doc,
    });
    await engine.send("c", ev("TASK_OPEN", cs, { service: "housekeeping" }));
    await engine.send("c", ev("REFER", doc, { hospitalId: "h1" }));
    await engine.send("c", ev("ADMIT", doc, { hospitalId: "h1" }));
    await engine.send("c", ev("DISCHARGE", doc));
    await engine.send("c", ev("READMIT", doc, { hospitalId: "h2" }));
    await engine.send("c", ev("DISCHARGE", doc));
    const r = await engine.send("c", ev("START_REHAB", cs));
    expect(r.to).toBe("rehabilitation");
    const visits = (await engine.store.outbox(20)).filter((o) => o.type === "carePathway.hospital_visit_due");
    expect(visits.map((v) => v.payload)).toEqual([
      { personId: "p1", rank: "deputy_county", communityId: "c01", hospitalId: "h1", admission: 1 },
      { personId: "p1", rank: "deputy_county", communityId: "c01", hospitalId: "h2", admission: 2 },
    ]);
    expect(await codeOf(engine.send("c", ev("CLOSE", cs)))).toBe("EVENT_NOT_ALLOWED");
    await engine.send("c", ev("TASK_DONE", anActor("volunteer", "v1"), { service: "housekeeping" }));
    expect(await codeOf(engine.send("c", ev("TASK_DONE", cs, { service: "housekeeping" })))).toBe("EVENT_NOT_ALLOWED");
    expect(await codeOf(engine.send("c", ev("TASK_OPEN", cs, { service: "karaoke" })))).toBe("INVALID_ENUM");
    const closed = await engine.send("c", ev("CLOSE", cs));
    expect(closed.instance.context.tasks).toMatchObject({ housekeeping: "done", medical_care: "none" });
    expect(closed.to).toBe("closed");
  });
});

describe("pairing (rules 5, 11, 12)", () => {
  const input = (volunteerId: string) => ({
    communityId: "c01",
    volunteerId,
    personId: "p1",
    skill: "medical_care",
    level: 2,
  });
  it("activates only a volunteer certified for the level (injected check)", async () => {
    const { engine } = anEngine();
    await engine.start("pairing", { id: "low", input: input("v-low"), actor: cs });
    expect(await codeOf(engine.send("low", ev("ACTIVATE", cs)))).toBe("NOT_CERTIFIED");
    expect((await engine.query("low", cs)).state).toBe("proposed");
    await engine.start("pairing", { id: "ok", input: input("v-cert"), actor: cs });
    expect((await engine.send("ok", ev("ACTIVATE", cs))).to).toBe("active");
    const log = await engine.history("ok", cs);
    expect(log[1]?.payload).toEqual({ certified: true });
    expect(await codeOf(engine.send("ok", { ...ev("ACTIVATE", cs), payload: { certified: true } }))).toBe(
      "UNKNOWN_FIELD",
    );
  });

  it("raises a missed-contact alert for each week without contact", async () => {
    const { engine, clock } = anEngine();
    const vol = anActor("volunteer", "v-cert");
    await engine.start("pairing", { id: "p", input: input("v-cert"), actor: cs });
    await engine.send("p", ev("ACTIVATE", cs));
    clock.advance(2 * 24 * 60 * MIN);
    await engine.send("p", ev("CONTACT", vol, { kind: "visit" }));
    expect(await codeOf(engine.send("p", ev("CONTACT", anActor("volunteer", "v-other"), { kind: "call" })))).toBe(
      "NOT_AUTHORIZED",
    );
    clock.advance(5 * 24 * 60 * MIN);
    await engine.runDueTimers();
    clock.advance(7 * 24 * 60 * MIN);
    await engine.runDueTimers();
    const q = await engine.query("p", cs);
    expect(q.context).toMatchObject({ missedWeeks: 1, totalContacts: 1, contactsThisWeek: 0 });
    const alerts = (await engine.store.outbox(10)).filter((o) => o.type === "pairing.missed_contact");
    expect(alerts.map((a) => a.payload)).toEqual([{ volunteerId: "v-cert", personId: "p1", missedWeeks: 1 }]);
    expect((await engine.timers("p", cs)).length).toBe(1);
    await engine.send("p", ev("PAUSE", cs, { reason: "illness" }));
    expect(await engine.timers("p", cs)).toEqual([]);
  });
});

describe("service entry verification (rule 13)", () => {
  const input = {
    communityId: "c01",
    entryId: "se1",
    volunteerId: "v1",
    recipientId: "p1",
    serviceKind: "housekeeping",
    minutes: 90,
    servedOn: "2027-03-01",
  };
  it("never lets a volunteer register or verify their own entry", async () => {
    const { engine } = anEngine();
    await engine.start("verification", { id: "v", input, actor: anActor("volunteer", "v1") });
    expect(await codeOf(engine.send("v", ev("SIGN", anActor("cadre", "p9"))))).toBe("NOT_AUTHORIZED");
    await engine.send("v", ev("SIGN", cadre));
    expect(await codeOf(engine.send("v", ev("REGISTER", anActor("team_leader", "v1"))))).toBe("SELF_REGISTRATION");
    await engine.send("v", ev("REGISTER", anActor("team_leader", "t1")));
    expect(await codeOf(engine.send("v", ev("VERIFY", anActor("party_secretary", "v1"))))).toBe("SELF_VERIFICATION");
    expect(await codeOf(engine.send("v", ev("VERIFY", anActor("volunteer", "v2"))))).toBe("WRONG_ROLE");
    const r = await engine.send("v", ev("VERIFY", anActor("party_secretary", "ps1")));
    expect(r.to).toBe("verified");
    const out = await engine.store.outbox(10);
    expect(out.map((o) => [o.type, o.payload])).toEqual([
      [
        "verification.service_verified",
        {
          entryId: "se1",
          volunteerId: "v1",
          recipientId: "p1",
          serviceKind: "housekeeping",
          minutes: 90,
          servedOn: "2027-03-01",
          signedBy: "p1",
          registeredBy: "t1",
          verifiedBy: "ps1",
          communityId: "c01",
        },
      ],
    ]);
  });

  it("rejects malformed entries at the start", async () => {
    const { engine } = anEngine();
    expect(
      await codeOf(
        engine.start("verification", {
          id: "v",
          input: { ...input, servedOn: "2027-02-30" },
          actor: anActor("volunteer", "v1"),
        }),
      ),
    ).toBe("INVALID_DATE");
    expect(
      await codeOf(
        engine.start("verification", { id: "v", input: { ...input, minutes: 0 }, actor: anActor("volunteer", "v1") }),
      ),
    ).toBe("TOO_SMALL");
  });
});
