import {
  type ElderflowError,
  IdSchema,
  isElderflowError,
  type MovementAuthority,
  manualClock,
  movementConflict,
} from "@elderflow/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { setup } from "xstate";
import { z } from "zod";
import { workflowActor } from "./actor";
import { exportAudit, redactJson, replayLog } from "./audit";
import { defineWorkflow } from "./definition";
import { EmittedEvent, parseEmitted } from "./emitted";
import { createWorkflowEngine } from "./engine";
import { anActor, anEngine, CERTIFIED, codeOf, MIN, testWorkflows } from "./fixtures.testkit";
import { builtInWorkflows } from "./machines/index";
import { toOpen311 } from "./open311";
import { memoryStore } from "./stores/memory";
import { dropSchema, PG_URL, uniqueSchema } from "./stores/pg.testkit";
import { pgliteStore } from "./stores/pglite";
import { postgresStore } from "./stores/postgres";
import type { WorkflowStore } from "./stores/store";
import type { OutboxItem } from "./types";

const DAY = 24 * 60 * MIN;
const staff = anActor("hotline_staff", "s1");
const cs = anActor("community_staff", "cs1");
const PHONE = "13800138000";
const ID_NUMBER = "11010519491231002X";
/** Anything shaped like a mainland mobile or a resident ID number. */
const PERSONAL = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])|(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])/;

async function errorOf(p: Promise<unknown>): Promise<ElderflowError> {
  try {
    await p;
  } catch (e) {
    if (isElderflowError(e)) return e;
    throw e;
  }
  throw new Error("expected a typed error");
}

describe("reserved id namespaces", () => {
  it("refuses a caller's event id in the timer namespace, and the weekly missed-contact check still fires", async () => {
    const { engine, clock, store } = anEngine();
    const volunteer = anActor("volunteer", "v-cert");
    await engine.start("pairing", {
      id: "pair",
      input: { communityId: "c01", volunteerId: "v-cert", personId: "p1", skill: "medical_care", level: 2 },
      actor: cs,
    });
    await engine.send("pair", { id: "act", type: "ACTIVATE", actor: cs });
    const [timer] = await engine.timers("pair", cs);
    expect(timer?.timerId).toBe("xstate.after.weeklyCheck.pairing.active");
    const forged = `timer:${timer?.timerId}@${timer?.fireAt}`;
    const refused = await errorOf(
      engine.send("pair", { id: forged, type: "CONTACT", actor: volunteer, payload: { kind: "call" } }),
    );
    expect(refused.code).toBe("RESERVED_ID");
    expect(refused.path).toEqual(["id"]);
    expect((await engine.history("pair", cs)).map((e) => e.eventId)).not.toContain(forged);
    for (let week = 0; week < 4; week++) {
      clock.advance(7 * DAY);
      await engine.runDueTimers();
    }
    const alerts = (await store.outbox(100)).filter((o) => o.type === "pairing.missed_contact");
    expect(alerts.map((a) => a.payload.missedWeeks)).toEqual([1, 2, 3, 4]);
  });

  it("refuses every reserved prefix for event ids, start event ids and instance ids, before anything is stored", async () => {
    const { engine, store } = anEngine();
    const input = { communityId: "c01", personId: "p1" };
    for (const id of ["timer:x", "TIMER:x", "start:r9", "erasure:1:p1", "xstate.init"])
      expect(await codeOf(engine.start("serviceRequest", { id: "r1", input, actor: staff, eventId: id }))).toBe(
        "RESERVED_ID",
      );
    expect(await codeOf(engine.start("serviceRequest", { id: "timer:r1", input, actor: staff }))).toBe("RESERVED_ID");
    expect(await store.list({})).toEqual([]);
    // The engine's own default start id is not the caller's to reuse for another instance, but is its own.
    await engine.start("serviceRequest", { id: "r1", input, actor: staff, eventId: "start:r1" });
    for (const id of ["start:r1", "xstate.after.acceptBy.serviceRequest.dispatched", "erasure:2:p1"])
      expect(
        await codeOf(engine.send("r1", { id, type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } })),
      ).toBe("RESERVED_ID");
    expect((await engine.query("r1", staff)).version).toBe(1);
  });
});

describe("one rule for who may act on a service entry", () => {
  const input = {
    communityId: "c01",
    entryId: "se1",
    volunteerId: "v1",
    recipientId: "p1",
    serviceKind: "housekeeping",
    minutes: 90,
    servedOn: "2027-03-01",
  };
  // The host knows households: f1 is the recipient's family, vf1 the volunteer's.
  const households: MovementAuthority = (act, person, m) =>
    movementConflict(act, person, {
      volunteer: m.volunteer,
      volunteerHousehold: m.volunteer === "v1" ? ["vf1"] : [],
      ...(m.counterpart === undefined ? {} : { counterpart: m.counterpart }),
      counterpartHousehold: m.counterpart === "p1" ? ["f1"] : [],
    });
  const engineWith = (authority?: MovementAuthority) =>
    createWorkflowEngine({
      store: memoryStore(),
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      machines: builtInWorkflows({
        serviceRequest: { servicePoints: { nearest: () => ["sp1"] } },
        pairing: { certification: () => true },
        ...(authority === undefined ? {} : { verification: { authority } }),
      }),
    });
  const family = anActor("family", "f1");

  it("refuses a family member's signature unless the authority knows the household", async () => {
    const plain = engineWith();
    await plain.start("verification", { id: "v", input, actor: anActor("volunteer", "v1") });
    const refused = await errorOf(plain.send("v", { id: "s", type: "SIGN", actor: family }));
    expect(refused.code).toBe("NOT_AUTHORIZED");
    expect((await plain.query("v", cs)).state).toBe("recorded");

    const knowing = engineWith(households);
    await knowing.start("verification", { id: "v", input, actor: anActor("volunteer", "v1") });
    expect((await knowing.send("v", { id: "s", type: "SIGN", actor: family })).to).toBe("signed");
    expect((await knowing.query("v", cs)).context.signedBy).toBe("f1");
    // The authority's answer is recorded, so the log replays without asking it again.
    const log = await knowing.history("v", cs);
    expect(log[1]?.payload).toEqual({ refusal: null });
    expect(replayLog([knowing.definition("verification")], log).mismatches).toEqual([]);
  });

  it("never lets the volunteer's own household register or verify, whatever role it holds", async () => {
    const engine = engineWith(households);
    await engine.start("verification", { id: "v", input, actor: anActor("volunteer", "v1") });
    expect(await codeOf(engine.send("v", { id: "s0", type: "SIGN", actor: anActor("family", "vf1") }))).toBe(
      "NOT_AUTHORIZED",
    );
    await engine.send("v", { id: "s", type: "SIGN", actor: anActor("cadre", "p1") });
    expect(await codeOf(engine.send("v", { id: "r0", type: "REGISTER", actor: anActor("team_leader", "vf1") }))).toBe(
      "SELF_REGISTRATION",
    );
    expect(await codeOf(engine.send("v", { id: "r1", type: "REGISTER", actor: anActor("team_leader", "f1") }))).toBe(
      "SELF_REGISTRATION",
    );
    await engine.send("v", { id: "r", type: "REGISTER", actor: anActor("team_leader", "t1") });
    for (const [id, role] of [
      ["x1", "party_secretary"],
      ["x2", "verifier"],
      ["x3", "community_staff"],
    ] as const) {
      expect(await codeOf(engine.send("v", { id, type: "VERIFY", actor: anActor(role, "vf1") }))).toBe(
        "SELF_VERIFICATION",
      );
      expect(
        await codeOf(
          engine.send("v", { id: `${id}r`, type: "REJECT", actor: anActor(role, "vf1"), payload: { reason: "other" } }),
        ),
      ).toBe("SELF_VERIFICATION");
    }
    expect((await engine.query("v", cs)).state).toBe("registered");
    expect((await engine.send("v", { id: "ok", type: "VERIFY", actor: anActor("verifier", "ver1") })).to).toBe(
      "verified",
    );
  });
});

describe("the actor", () => {
  it("builds a workflow actor only for a role the authenticated actor holds, in a community it reaches", async () => {
    const core = { id: "s1", roles: ["hotline_staff" as const], communities: ["c01"] };
    expect(workflowActor(core, "hotline_staff")).toEqual({ id: "s1", role: "hotline_staff", communityId: "c01" });
    expect(() => workflowActor(core, "community_staff")).toThrowError(
      expect.objectContaining({ code: "WRONG_ROLE" }) as Error,
    );
    expect(() => workflowActor(core, "hotline_staff", "c02")).toThrowError(
      expect.objectContaining({ code: "WRONG_COMMUNITY" }) as Error,
    );
    expect(workflowActor({ id: "b1", roles: ["bureau"], communities: [] }, "bureau")).toEqual({
      id: "b1",
      role: "bureau",
    });
    const { engine } = anEngine();
    await engine.start("serviceRequest", {
      id: "r1",
      input: { communityId: "c01", personId: "p1" },
      actor: workflowActor(core, "hotline_staff"),
    });
    const other = workflowActor({ id: "s2", roles: ["hotline_staff"], communities: ["c02"] }, "hotline_staff");
    const bureau = workflowActor({ id: "b1", roles: ["bureau"], communities: [] }, "bureau");
    for (const read of [
      engine.query("r1", other),
      engine.history("r1", other),
      engine.timers("r1", other),
      engine.list({ communityId: "c01" }, other),
    ])
      expect(await codeOf(read)).toBe("WRONG_COMMUNITY");
    expect(await engine.list({}, other)).toEqual([]);
    expect((await engine.list({}, bureau)).map((i) => i.id)).toEqual(["r1"]);
    expect(await codeOf(engine.query("r1", undefined as never))).toBe("REQUIRED");
    expect(await codeOf(engine.list({}, undefined as never))).toBe("REQUIRED");
  });
});

describe("personal data never leaves in words", () => {
  it("masks a phone and an ID number typed into free text in history, audit export and Open311 output", async () => {
    const { engine } = anEngine();
    const typed = `老人电话${PHONE}，身份证${ID_NUMBER}`;
    await engine.start("serviceRequest", {
      id: "r1",
      input: { communityId: "c01", personId: "p1", description: typed },
      actor: staff,
    });
    await engine.send("r1", { id: "c", type: "CANCEL", actor: staff, payload: { reason: "other", note: typed } });
    const history = await engine.history("r1", staff);
    const geo = toOpen311(await engine.query("r1", staff));
    const audit = exportAudit(history);
    expect(geo.description).toBe("老人电话138****8000，身份证110105********002X");
    expect(history[1]?.payload.note).toBe("老人电话138****8000，身份证110105********002X");
    for (const out of [history, geo, audit]) expect(JSON.stringify(out)).not.toMatch(PERSONAL);
    // A field no name list knows is masked by the value's shape.
    const [record] = exportAudit([{ ...(history[1] as (typeof history)[number]), payload: { remark: typed } }]);
    expect(JSON.stringify(record)).not.toMatch(PERSONAL);
  });

  it("masks by shape at any depth without recursion, and nowhere else changes a value", () => {
    let deep: unknown = { note: `call ${PHONE}` };
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    expect(JSON.stringify(redactJson({ a: [1, "x"] }))).toBe('{"a":[1,"x"]}');
    expect(() => redactJson(deep)).not.toThrow();
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.constantFrom(PHONE, ID_NUMBER, "+86 138 0013 8000"),
        fc.string(),
        (value, secret, prefix) => {
          // Digits next to a number make it another number, so the secret is set apart by a space.
          const payload = { value, typed: `${prefix} ${secret}`, list: [{ inner: secret }] };
          const text = JSON.stringify(exportAudit([{ ...LOG, payload }])) + JSON.stringify(redactJson(payload));
          expect(text).not.toMatch(PERSONAL);
        },
      ),
    );
  });

  it("refuses unknown fields and wrong types with codes and paths, never echoing a value", async () => {
    const { engine } = anEngine();
    const cases: [Promise<unknown>, string, (string | number)[]][] = [
      [
        engine.start("serviceRequest", {
          id: "r1",
          input: { communityId: "c01", personId: "p1", phone: PHONE },
          actor: staff,
        }),
        "UNKNOWN_FIELD",
        ["input", "phone"],
      ],
      [
        engine.start("verification", {
          id: "v1",
          input: {
            communityId: "c01",
            entryId: "se1",
            volunteerId: "v1",
            recipientId: "p1",
            serviceKind: "housekeeping",
            minutes: "90",
            servedOn: "2027-03-01",
          },
          actor: anActor("volunteer", "v1"),
        }),
        "INVALID_TYPE",
        ["input", "minutes"],
      ],
      [
        engine.start("serviceRequest", { id: "r1", input: { communityId: "c01", personId: PHONE }, actor: staff }),
        "PERSONAL_DATA_IN_ID",
        ["input", "personId"],
      ],
      [
        engine.start("serviceRequest", { id: PHONE, input: { communityId: "c01", personId: "p1" }, actor: staff }),
        "PERSONAL_DATA_IN_ID",
        ["id"],
      ],
    ];
    for (const [p, code, path] of cases) {
      const e = await errorOf(p);
      expect([e.code, e.path]).toEqual([code, path]);
      expect(JSON.stringify({ m: e.message, p: e.params, i: e.issues })).not.toMatch(PERSONAL);
    }
    await engine.start("serviceRequest", { id: "r1", input: { communityId: "c01", personId: "p1" }, actor: staff });
    const send = (payload: Record<string, unknown>) =>
      errorOf(engine.send("r1", { id: "t", type: "TRIAGE", actor: staff, payload }));
    const unknown = await send({ serviceKind: "plumbing", [`phone ${PHONE}`]: "x" });
    expect(unknown.code).toBe("UNKNOWN_FIELD");
    expect(JSON.stringify({ m: unknown.message, p: unknown.params })).not.toMatch(PERSONAL);
    expect([(await send({ serviceKind: 7 })).code, (await send({ serviceKind: 7 })).path]).toEqual([
      "INVALID_TYPE",
      ["payload", "serviceKind"],
    ]);
    expect((await send({})).path).toEqual(["payload", "serviceKind"]);
    let deep: unknown = "x";
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect((await send({ serviceKind: "plumbing", extra: deep })).code).toBe("TOO_DEEP");
    expect((await engine.query("r1", staff)).version).toBe(1);
  });

  it("takes only strict zod objects as input and payload schemas", () => {
    const machine = setup({}).createMachine({ id: "m", initial: "a", states: { a: {} } });
    const base = { name: "m", version: 1, machine, startRoles: ["community_staff" as const], events: {} };
    expect(() => defineWorkflow({ ...base, input: z.object({ communityId: IdSchema }) })).toThrowError(
      expect.objectContaining({ code: "INVALID_INPUT", path: ["input"] }) as Error,
    );
    expect(() => defineWorkflow({ ...base, input: z.strictObject({ personId: IdSchema }) })).toThrowError(
      expect.objectContaining({ code: "REQUIRED", path: ["input", "communityId"] }) as Error,
    );
    expect(() =>
      defineWorkflow({
        ...base,
        input: z.strictObject({ communityId: IdSchema }),
        events: { GO: { roles: ["community_staff"], payload: z.looseObject({}) } },
      }),
    ).toThrowError(expect.objectContaining({ code: "INVALID_INPUT", path: ["events", "GO", "payload"] }) as Error);
  });
});

const LOG = {
  instanceId: "x",
  seq: 1,
  eventId: "e",
  type: "NOTE",
  actorId: "s1",
  role: "hotline_staff" as const,
  orgId: null,
  at: 0,
  payload: {},
  from: null,
  to: "a",
  machineVersion: 1,
};

describe("emitted events", () => {
  it("parse with EmittedEvent, from every machine that emits", async () => {
    const { engine, clock, store } = anEngine();
    const sp = anActor("service_point", "w1", { orgId: "sp1" });
    // serviceRequest: a breach, an escalation, a close
    await engine.start("serviceRequest", { id: "r", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    clock.advance(16 * MIN);
    await engine.runDueTimers();
    await engine.start("serviceRequest", { id: "r2", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r2", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "nothing" } });
    await engine.start("serviceRequest", { id: "r3", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r3", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    for (const e of ["ACCEPT", "ARRIVE", "FINISH"]) await engine.send("r3", { id: e, type: e, actor: sp });
    await engine.send("r3", { id: "c", type: "CONFIRM", actor: staff });
    await engine.send("r3", { id: "x", type: "CLOSE", actor: staff });
    // escalation: hand up, overdue, resolved
    await engine.start("escalation", {
      id: "esc",
      input: { communityId: "c01", personId: "p1", category: "pension" },
      actor: cs,
    });
    clock.advance(80 * 60 * MIN);
    await engine.runDueTimers();
    clock.advance(8 * DAY);
    await engine.runDueTimers();
    await engine.send("esc", { id: "res", type: "RESOLVE", actor: cs, payload: { outcome: "solved" } });
    // care pathway: admission and discharge
    await engine.start("carePathway", {
      id: "cp",
      input: { communityId: "c01", personId: "p1", rank: "county" },
      actor: cs,
    });
    await engine.send("cp", { id: "ref", type: "REFER", actor: cs });
    await engine.send("cp", { id: "adm", type: "ADMIT", actor: cs, payload: { hospitalId: "h1" } });
    await engine.send("cp", { id: "dis", type: "DISCHARGE", actor: cs });
    // pairing: a missed week
    expect(CERTIFIED.get("v-cert")).toBe(3);
    await engine.start("pairing", {
      id: "pr",
      input: { communityId: "c01", volunteerId: "v-cert", personId: "p1", skill: "medical_care", level: 2 },
      actor: cs,
    });
    await engine.send("pr", { id: "act", type: "ACTIVATE", actor: cs });
    clock.advance(7 * DAY);
    await engine.runDueTimers();
    // pairing: the certificate lapses
    const lapse = { volunteerId: "v-cert", skill: "medical_care", expiredOn: "2027-03-16" };
    await engine.send("pr", { id: "lapse", type: "CERTIFICATE_LAPSED", actor: cs, payload: lapse });
    // medical volunteer group: a missed week for a cadre, then a member's certificate lapses
    await engine.start("medicalGroup", {
      id: "mg",
      input: { communityId: "c01", members: ["v-cert"], cadres: ["p1"], level: 2 },
      actor: cs,
    });
    await engine.send("mg", { id: "act", type: "ACTIVATE", actor: cs });
    clock.advance(7 * DAY);
    await engine.runDueTimers();
    await engine.send("mg", { id: "lapse", type: "CERTIFICATE_LAPSED", actor: cs, payload: lapse });
    // verification: one verified, one rejected
    const entry = (id: string) => ({
      communityId: "c01",
      entryId: id,
      volunteerId: "v1",
      recipientId: "p1",
      serviceKind: "housekeeping",
      minutes: 60,
      servedOn: "2027-03-01",
    });
    for (const id of ["se1", "se2"]) {
      await engine.start("verification", { id, input: entry(id), actor: anActor("volunteer", "v1") });
      await engine.send(id, { id: "s", type: "SIGN", actor: anActor("cadre", "p1") });
      await engine.send(id, { id: "r", type: "REGISTER", actor: anActor("team_leader", "t1") });
    }
    await engine.send("se1", { id: "v", type: "VERIFY", actor: anActor("party_secretary", "ps1") });
    await engine.send("se2", { id: "v", type: "REJECT", actor: cs, payload: { reason: "duplicate", note: "重复" } });

    const items = await store.outbox(1000);
    const types = new Set<string>();
    for (const item of items) {
      const r = parseEmitted(item);
      expect(r.ok ? r.value.type : r.error.code).toBe(item.type);
      types.add(item.type);
    }
    expect(new Set(EmittedEvent.options.map((o) => o.shape.type.value))).toEqual(types);
  });

  it("refuses an unknown type or a payload that breaks its schema, with codes and paths", () => {
    const item: OutboxItem = {
      id: "i:2:0",
      instanceId: "i",
      machine: "verification",
      type: "verification.service_verified",
      payload: { entryId: "se1" },
      at: 0,
    };
    const bad = parseEmitted(item);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe("REQUIRED");
      expect(bad.error.path[0]).toBe("payload");
    }
    const unknown = parseEmitted({ ...item, type: "who.knows" });
    expect(unknown.ok ? "ok" : unknown.error.code).toBe("UNKNOWN_EVENT");
    const phone = parseEmitted({
      ...item,
      type: "pairing.missed_contact",
      payload: { volunteerId: PHONE, personId: "p1", missedWeeks: 1 },
    });
    expect(phone.ok ? "ok" : [phone.error.code, phone.error.path]).toEqual([
      "PERSONAL_DATA_IN_ID",
      ["payload", "volunteerId"],
    ]);
  });
});

const pgSchema = uniqueSchema("erase");
afterAll(async () => {
  await dropSchema(pgSchema);
});

describe.each([
  ["memory", async () => memoryStore()],
  ["pglite", () => pgliteStore()],
  ["postgres", () => postgresStore({ connectionString: PG_URL, schema: pgSchema })],
] as [string, () => Promise<WorkflowStore>][])("erasePerson on %s", (_name, make) => {
  it("replaces a person's free text in log payloads and snapshots, records the erasure with ids only, and keeps ids and states", async () => {
    const store = await make();
    try {
      const { engine } = anEngine({ store });
      const typed = `老人电话${PHONE}，住址某路1号`;
      await engine.start("serviceRequest", {
        id: "r1",
        input: { communityId: "c01", personId: "p1", description: typed },
        actor: staff,
      });
      await engine.send("r1", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
      await engine.send("r1", { id: "c", type: "CANCEL", actor: staff, payload: { reason: "other", note: typed } });
      await engine.start("serviceRequest", {
        id: "r2",
        input: { communityId: "c01", personId: "p2", description: "另一位老人" },
        actor: staff,
      });
      await engine.start("serviceRequest", {
        id: "r3",
        input: { communityId: "c02", personId: "p1", description: typed },
        actor: anActor("hotline_staff", "s9", { communityId: "c02" }),
      });
      const before = await engine.history("r1", staff);

      const result = await engine.erasePerson("p1", cs);
      expect(result).toEqual({ instances: ["r1"], entries: 2, outOfReach: 1 });

      // A fresh engine reads only the store.
      const fresh = createWorkflowEngine({
        store,
        clock: manualClock("2027-03-02T09:00:00+08:00"),
        machines: testWorkflows(),
      });
      const after = await fresh.history("r1", staff);
      expect(after.length).toBe(before.length + 1);
      expect(after[0]?.payload.description).toBe("[erased]");
      expect(after[2]?.payload).toEqual({ reason: "other", note: "[erased]" });
      expect(after.slice(0, -1).map((e) => [e.eventId, e.type, e.actorId, e.from, e.to])).toEqual(
        before.map((e) => [e.eventId, e.type, e.actorId, e.from, e.to]),
      );
      expect(after[1]?.payload).toEqual(before[1]?.payload);
      const erasure = after[after.length - 1];
      expect(erasure).toMatchObject({ type: "elderflow.erasure", actorId: "cs1", from: "cancelled", to: "cancelled" });
      expect(erasure?.payload).toEqual({ personId: "p1", entries: 2 });
      const now = await fresh.query("r1", staff);
      expect(now.state).toBe("cancelled");
      expect(now.context).toMatchObject({ personId: "p1", serviceKind: "plumbing", description: "[erased]" });
      expect(JSON.stringify([after, now])).not.toContain("某路1号");
      expect(replayLog([fresh.definition("serviceRequest")], after).mismatches).toEqual([]);
      // Others are untouched; a second erasure finds nothing left.
      expect((await fresh.query("r2", staff)).context.description).toBe("另一位老人");
      // Out of reach: kept (and shown with the phone masked by its shape).
      expect(
        (await fresh.query("r3", anActor("hotline_staff", "s9", { communityId: "c02" }))).context.description,
      ).toBe("老人电话138****8000，住址某路1号");
      expect(await fresh.erasePerson("p1", cs)).toEqual({ instances: [], entries: 0, outOfReach: 1 });
      expect(await codeOf(fresh.erasePerson("p1", anActor("volunteer", "v1")))).toBe("WRONG_ROLE");
    } finally {
      await store.close();
    }
  });

  it("leaves the instance working: later events apply after an erasure", async () => {
    const store = await make();
    try {
      const { engine } = anEngine({ store });
      await engine.start("escalation", {
        id: "e1",
        input: { communityId: "c01", personId: "p7", category: "housing" },
        actor: cs,
      });
      await engine.send("e1", {
        id: "h",
        type: "HAND_UP",
        actor: anActor("association", "a1"),
        payload: { reason: "needs_department", note: `联系${PHONE}` },
      });
      expect((await engine.erasePerson("p7", cs)).instances).toEqual(["e1"]);
      const r = await engine.send("e1", { id: "res", type: "RESOLVE", actor: cs, payload: { outcome: "solved" } });
      expect(r.to).toBe("resolved");
      expect(r.instance.version).toBe(4);
    } finally {
      await store.close();
    }
  });
});
