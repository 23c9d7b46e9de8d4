import { describe, expect, it } from "vitest";
import { exportAudit, replayLog } from "./audit";
import { anActor, anEngine, codeOf, MIN, testWorkflows } from "./fixtures.testkit";
import { serviceRequestMachine } from "./machines/serviceRequest";
import { toMermaid } from "./mermaid";
import { formatInstant, fromOpen311, toOpen311 } from "./open311";
import type { LogEntry } from "./types";

const staff = anActor("hotline_staff", "s1");
const sp1 = anActor("service_point", "w1", { orgId: "sp1" });

describe("Open311 GeoReport v2", () => {
  it("maps an incoming request to a start input without personal data, and back", async () => {
    const input = fromOpen311(
      {
        service_code: "plumbing",
        account_id: "p-0001",
        lat: "31.2",
        long: "121.4",
        first_name: "小三",
        last_name: "张",
        phone: "13800138000",
        description: "厨房漏水",
      },
      "c01",
      "ext-77",
    );
    expect(input).toEqual({
      communityId: "c01",
      personId: "p-0001",
      channel: "open311",
      serviceKind: "plumbing",
      externalId: "ext-77",
      lat: 31.2,
      lng: 121.4,
    });
    expect(JSON.stringify(input)).not.toMatch(/张|13800138000|漏水/);
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: { ...input }, actor: staff });
    await engine.send("r1", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    clock.advance(5 * MIN);
    await engine.send("r1", { id: "a", type: "ACCEPT", actor: sp1 });
    const open = toOpen311(await engine.query("r1", staff));
    expect(open).toEqual({
      service_request_id: "ext-77",
      status: "open",
      status_notes: "accepted",
      service_code: "plumbing",
      description: null,
      agency_responsible: "sp1",
      requested_datetime: "2027-03-01T09:00:00+08:00",
      updated_datetime: "2027-03-01T09:05:00+08:00",
      expected_datetime: "2027-03-01T14:15:00+08:00",
      lat: 31.2,
      long: 121.4,
    });
    for (const e of ["ARRIVE", "FINISH"]) await engine.send("r1", { id: e, type: e, actor: sp1 });
    const closed = toOpen311(await engine.query("r1", staff));
    expect(closed.status).toBe("closed");
    expect(closed.expected_datetime).toBeNull();
  });

  it("rejects requests without a person id or with a bad code", async () => {
    expect(await codeOf(Promise.resolve().then(() => fromOpen311({ service_code: "plumbing" }, "c01")))).toBe(
      "REQUIRED",
    );
    expect(
      await codeOf(Promise.resolve().then(() => fromOpen311({ service_code: "Bad Code", account_id: "p1" }, "c01"))),
    ).toBe("INVALID_FORMAT");
    expect(
      await codeOf(
        Promise.resolve().then(() =>
          fromOpen311({ service_code: "x", account_id: "p1", lat: "north", long: 1 }, "c01"),
        ),
      ),
    ).toBe("INVALID_TYPE");
  });

  it("formats instants with the zone's offset", () => {
    expect(formatInstant(Date.UTC(2027, 0, 1, 0, 0, 0), "Asia/Shanghai")).toBe("2027-01-01T08:00:00+08:00");
    expect(formatInstant(Date.UTC(2027, 0, 1, 0, 0, 0), "UTC")).toBe("2027-01-01T00:00:00+00:00");
  });
});

describe("audit", () => {
  it("records every transition with who, role, when, event, from and to, and masks personal fields", async () => {
    const { engine } = anEngine();
    await engine.start("serviceRequest", { id: "r1", input: { communityId: "c01", personId: "p1" }, actor: staff });
    await engine.send("r1", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    await engine.send("r1", { id: "a", type: "ACCEPT", actor: sp1 });
    const records = exportAudit(await engine.history("r1", staff));
    expect(records.map((r) => [r.seq, r.actorId, r.role, r.event, r.from, r.to])).toEqual([
      [1, "s1", "hotline_staff", "xstate.init", null, "received"],
      [2, "s1", "hotline_staff", "TRIAGE", "received", "dispatched"],
      [3, "w1", "service_point", "ACCEPT", "dispatched", "accepted"],
    ]);
    expect(records[2]?.orgId).toBe("sp1");
    expect(records[0]?.time).toBe("2027-03-01T01:00:00.000Z");
    const entry: LogEntry = {
      instanceId: "x",
      seq: 1,
      eventId: "e",
      type: "NOTE",
      actorId: "s1",
      role: "hotline_staff",
      orgId: null,
      at: 0,
      payload: {
        name: "张小三",
        phone: "13800138000",
        idNumber: "11010519491231002X",
        note: "心脏病",
        nested: { address: "某路1号" },
        kind: "plumbing",
      },
      from: "a",
      to: "a",
      machineVersion: 1,
    };
    const [masked] = exportAudit([entry], { maskFields: ["kind"] });
    const text = JSON.stringify(masked);
    for (const secret of ["小三", "13800138000", "11010519491231002X", "心脏病", "某路1号", "plumbing"])
      expect(text).not.toContain(secret);
  });

  it("replays a log to the stored snapshot and pending timers", async () => {
    const { engine, clock } = anEngine();
    await engine.start("serviceRequest", {
      id: "r1",
      input: { communityId: "c01", personId: "p1", priority: true },
      actor: staff,
    });
    await engine.send("r1", { id: "t", type: "TRIAGE", actor: staff, payload: { serviceKind: "plumbing" } });
    clock.advance(10 * MIN);
    await engine.runDueTimers();
    await engine.send("r1", { id: "a", type: "ACCEPT", actor: anActor("service_point", "w2", { orgId: "sp2" }) });
    const stored = await engine.query("r1", staff);
    const replay = replayLog(
      testWorkflows().filter((d) => d.name === "serviceRequest"),
      await engine.history("r1", staff),
    );
    expect(replay.mismatches).toEqual([]);
    expect(replay.state).toBe(stored.state);
    expect(replay.snapshot.context).toEqual(stored.context);
    expect([...replay.timers.values()].map((t) => [t.timerId, t.fireAt])).toEqual(
      (await engine.timers("r1", staff)).map((t) => [t.timerId, t.fireAt]),
    );
  });
});

describe("Mermaid export", () => {
  it("draws states, guarded events, named delays, eventless transitions and finals", () => {
    const text = toMermaid(serviceRequestMachine);
    expect(text.startsWith("stateDiagram-v2\n  [*] --> received\n")).toBe(true);
    for (const line of [
      "dispatched --> accepted : ACCEPT [isAssignee]",
      "dispatched --> triaged : after acceptBy",
      "triaged --> dispatched : always [hasCandidate]",
      "triaged --> escalated : always",
      "archived --> [*]",
    ])
      expect(text).toContain(`  ${line}\n`);
    expect(text).not.toContain("xstate.after");
  });
});
