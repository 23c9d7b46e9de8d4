import { manualClock } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { replayLog } from "../audit";
import { createWorkflowEngine } from "../engine";
import { memoryStore } from "../stores/memory";
import type { WorkflowActor } from "../types";
import { medicalGroupWorkflow } from "./medicalGroup";

const CERTIFIED = new Set(["v1", "v2", "v3"]); // v4 never is
const IN_SCOPE = new Set(["p1", "p2", "p3"]); // t1 is not
const staff: WorkflowActor = { id: "s1", role: "community_staff", communityId: "c01" };
const def = medicalGroupWorkflow({
  certification: ({ volunteerId }) => CERTIFIED.has(volunteerId),
  scope: ({ personId }) => IN_SCOPE.has(personId),
});

type Op =
  | { t: "JOIN" | "LEAVE" | "REINSTATE" | "LAPSE"; v: string }
  | { t: "ADD" | "REMOVE"; p: string }
  | { t: "CONTACT"; v: string; p: string; kind: "call" | "visit"; measured: boolean }
  | { t: "WAIT"; days: number };

const v = fc.constantFrom("v1", "v2", "v3", "v4");
const p = fc.constantFrom("p1", "p2", "p3", "t1");
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constantFrom("JOIN", "LEAVE", "REINSTATE", "LAPSE" as const), v }) as fc.Arbitrary<Op>,
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom("ADD", "REMOVE" as const), p }) as fc.Arbitrary<Op> },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("CONTACT" as const),
      v,
      p,
      kind: fc.constantFrom("call", "visit") as fc.Arbitrary<"call" | "visit">,
      measured: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("WAIT" as const), days: fc.integer({ min: 1, max: 9 }) }) },
);

/** The reference model: members and cadres as plain maps, the group's state, credited contacts. */
interface Model {
  state: "active" | "suspended";
  members: Map<string, "active" | "suspended" | "left">;
  cadres: Map<string, "active" | "removed">;
  credited: number;
}
const activeCount = (m: Model) => [...m.members.values()].filter((s) => s === "active").length;

/** Whether the model says the event is applied, and what it changes. */
function expectApplied(m: Model, o: Op): boolean {
  switch (o.t) {
    case "CONTACT": {
      const ok =
        m.state === "active" &&
        m.members.get(o.v) === "active" &&
        m.cadres.get(o.p) === "active" &&
        (o.kind === "visit" || !o.measured);
      if (ok) m.credited++;
      return ok;
    }
    case "JOIN": {
      const s = m.members.get(o.v);
      const ok = CERTIFIED.has(o.v) && s !== "active" && s !== "suspended";
      if (ok) {
        m.members.set(o.v, "active");
        m.state = "active";
      }
      return ok;
    }
    case "LEAVE": {
      const s = m.members.get(o.v);
      if (s === undefined || s === "left") return false;
      const last = s === "active" && activeCount(m) === 1;
      m.members.set(o.v, "left");
      if (last && m.state === "active") m.state = "suspended";
      return true;
    }
    case "REINSTATE": {
      const ok = CERTIFIED.has(o.v) && m.members.get(o.v) === "suspended";
      if (ok) {
        m.members.set(o.v, "active");
        m.state = "active";
      }
      return ok;
    }
    case "LAPSE": {
      if (m.state !== "active" || m.members.get(o.v) !== "active") return false;
      const last = activeCount(m) === 1;
      m.members.set(o.v, "suspended");
      if (last) m.state = "suspended";
      return true;
    }
    case "ADD": {
      const ok = IN_SCOPE.has(o.p) && m.cadres.get(o.p) !== "active";
      if (ok) m.cadres.set(o.p, "active");
      return ok;
    }
    case "REMOVE": {
      const ok = m.cadres.get(o.p) === "active";
      if (ok) m.cadres.set(o.p, "removed");
      return ok;
    }
    default:
      return true;
  }
}

describe("medical volunteer group (property)", () => {
  it("credits exactly the contacts of active members for served cadres, and its log replays to its state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const clock = manualClock("2027-03-01T09:00:00+08:00");
        const engine = createWorkflowEngine({ store: memoryStore(), clock, machines: [def] });
        await engine.start("medicalGroup", {
          id: "g",
          input: { communityId: "c01", members: ["v1", "v2"], cadres: ["p1", "p2"], level: 2 },
          actor: staff,
        });
        await engine.send("g", { id: "act", type: "ACTIVATE", actor: staff });
        const model: Model = {
          state: "active",
          members: new Map([
            ["v1", "active"],
            ["v2", "active"],
          ]),
          cadres: new Map([
            ["p1", "active"],
            ["p2", "active"],
          ]),
          credited: 0,
        };
        let n = 0;
        for (const o of ops) {
          if (o.t === "WAIT") {
            clock.advance(o.days * 86_400_000);
            await engine.runDueTimers();
            continue;
          }
          const id = `e${++n}`;
          const memberEvent = (
            m: Extract<Op, { v: string; t: "JOIN" | "LEAVE" | "REINSTATE" | "LAPSE" }>,
            eventId: string,
          ) =>
            engine.send("g", {
              id: eventId,
              type: m.t === "LAPSE" ? "CERTIFICATE_LAPSED" : m.t,
              actor: staff,
              payload:
                m.t === "LAPSE"
                  ? { volunteerId: m.v, skill: "medical_care", expiredOn: "2027-03-16" }
                  : m.t === "LEAVE"
                    ? { volunteerId: m.v, reason: "other" }
                    : { volunteerId: m.v },
            });
          const send =
            o.t === "CONTACT"
              ? engine.send("g", {
                  id,
                  type: "CONTACT",
                  actor: { id: o.v, role: "volunteer", communityId: "c01" },
                  payload: { personId: o.p, kind: o.kind, checks: o.measured ? ["pulse"] : ["health_advice"] },
                })
              : o.t === "ADD" || o.t === "REMOVE"
                ? engine.send("g", {
                    id,
                    type: o.t === "ADD" ? "ADD_CADRE" : "REMOVE_CADRE",
                    actor: staff,
                    payload: o.t === "ADD" ? { personId: o.p } : { personId: o.p, reason: "other" },
                  })
                : memberEvent(o as Extract<Op, { v: string; t: "JOIN" | "LEAVE" | "REINSTATE" | "LAPSE" }>, id);
          const applied = await send.then(
            () => true,
            (e: { code?: string }) => {
              expect(e.code, JSON.stringify(o)).toMatch(/^[A-Z_]+$/);
              return false;
            },
          );
          expect(applied, JSON.stringify(o)).toBe(expectApplied(model, o));
        }
        const q = await engine.query("g", staff);
        expect(q.state).toBe(model.state);
        expect((q.context.contacts as unknown[]).length).toBe(model.credited);
        const r = replayLog([def], await engine.history("g", staff));
        expect(r.mismatches).toEqual([]);
        expect(r.snapshot.context).toEqual(q.context);
      }),
      { numRuns: 40 },
    );
  });
});
