import { FreeTextSchema, isElderflowError } from "@elderflow/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AnyStateMachine } from "xstate";
import { z } from "zod";
import { replayLog } from "../audit";
import { anEngine, MIN, testWorkflows } from "../fixtures.testkit";
import { ROLES, type Role, type WorkflowActor } from "../types";

const INPUTS: Record<string, Record<string, unknown>> = {
  serviceRequest: { communityId: "c01", personId: "p1", lat: 31.2, lng: 121.4 },
  escalation: { communityId: "c01", personId: "p1", category: "housing" },
  carePathway: { communityId: "c01", personId: "p1", rank: "county" },
  pairing: { communityId: "c01", volunteerId: "v-cert", personId: "p1", skill: "medical_care", level: 2 },
  verification: {
    communityId: "c01",
    entryId: "se1",
    volunteerId: "v1",
    recipientId: "p1",
    serviceKind: "housekeeping",
    minutes: 60,
    servedOn: "2027-03-01",
  },
  case: { communityId: "c01", kind: "mediation", category: "support", parties: ["p1", "p2"], summary: "赡养纠纷" },
  medicalGroup: { communityId: "c01", members: ["v-cert", "v1"], cadres: ["p1", "p2"], level: 2 },
};

/** Every state a machine can be in, flattened as the engine flattens it. */
function statesOf(machine: AnyStateMachine): Set<string> {
  const out = new Set<string>();
  const walk = (node: { states: Record<string, unknown> }, prefix: string) => {
    for (const [key, child] of Object.entries(node.states)) {
      const c = child as { states: Record<string, unknown> };
      const path = prefix === "" ? key : `${prefix}.${key}`;
      if (Object.keys(c.states).length === 0) out.add(path);
      else walk(c, path);
    }
  };
  walk(machine.root as never, "");
  return out;
}

const ids = ["p1", "p2", "v1", "v-cert", "sp1", "sp2", "sp9", "dept-housing", "a1", "h1"];
const KINDS = ["plumbing", "emergency_help", "nothing"];
/** Values for one field of a payload schema: read from the schema itself. */
const fieldValue = (key: string, schema: z.ZodType): fc.Arbitrary<unknown> => {
  if (schema === FreeTextSchema) return fc.constantFrom("上门服务，老人满意", "note");
  if (schema instanceof z.ZodEnum) return fc.constantFrom(...(schema.options as string[]));
  if (schema instanceof z.ZodBoolean) return fc.boolean();
  if (schema instanceof z.ZodNumber)
    return fc.integer({ min: Math.max(schema.minValue ?? 0, -1000), max: Math.min(schema.maxValue ?? 100, 1000) });
  if (schema instanceof z.ZodString) return fc.constantFrom(...(key === "serviceKind" ? KINDS : ids));
  return fc.constant(1);
};
const fieldsOf = (schema: z.ZodObject | undefined) =>
  Object.entries((schema?.shape ?? {}) as Record<string, z.ZodType>).map(([key, field]) => {
    const optional = field instanceof z.ZodOptional;
    return { key, optional, value: fieldValue(key, optional ? (field.unwrap() as z.ZodType) : field) };
  });

// Mostly actors the event allows (so that the machine moves), sometimes anyone (so that refusals are exercised).
const actorArb = (allowed: readonly Role[]): fc.Arbitrary<WorkflowActor> =>
  fc.record({
    // The cadre of every input (p1) is drawn often: only the recipient may sign a service entry.
    id: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...ids, "s1", "t1") },
      { weight: 1, arbitrary: fc.constant("p1") },
    ),
    role: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...(allowed.length > 0 ? allowed : ROLES)) },
      { weight: 1, arbitrary: fc.constantFrom(...ROLES.filter((r) => r !== "system")) },
    ),
    communityId: fc.constantFrom("c01", "c01", "c01", "c01", "c02"),
    orgId: fc.constantFrom("sp1", "sp2", "sp9", "dept-housing", "none"),
  });

type Cmd =
  | {
      kind: "send";
      type: string;
      actor: WorkflowActor;
      payload: Record<string, unknown> | undefined;
      malformed: boolean;
    }
  | { kind: "advance"; minutes: number };

describe.each(testWorkflows().map((d) => [d.name, d] as const))("property: %s", (name, def) => {
  const eventTypes = Object.keys(def.events);
  const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(...eventTypes, "BOGUS")
        .chain((type) =>
          fc.record({
            type: fc.constant(type),
            actor: actorArb(def.events[type]?.roles ?? []),
            malformed: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
          }),
        )
        .chain(({ type, actor, malformed }) => {
          const spec = fieldsOf(def.events[type]?.payload);
          const fields = Object.fromEntries(
            spec.map((f) => [f.key, f.optional ? fc.option(f.value, { nil: undefined }) : f.value]),
          );
          const payload = malformed
            ? fc.constantFrom<Record<string, unknown> | undefined>(
                { junk: 1 },
                { ...Object.fromEntries(spec.map((f) => [f.key, 42])) },
              )
            : fc.record(fields).map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
          return payload.map((p) => ({
            kind: "send" as const,
            type,
            actor,
            payload: Object.keys(p ?? {}).length === 0 ? undefined : p,
            malformed,
          }));
        }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 30 * 24 * 60 }).map((minutes) => ({ kind: "advance" as const, minutes })),
    },
  );
  const valid = statesOf(def.machine);

  it("never leaves the machine's states, rejects with typed errors that change nothing, and replays its log", async () => {
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), async (cmds) => {
        const { engine, clock } = anEngine();
        const cs = { id: "cs1", role: "community_staff" as const, communityId: "c01" };
        const starter = def.startRoles.includes("community_staff")
          ? cs
          : { ...cs, role: def.startRoles[0] ?? "community_staff" };
        await engine.start(name, { id: "i", input: INPUTS[name] ?? {}, actor: starter });
        let n = 0;
        for (const cmd of cmds) {
          const before = await engine.query("i", cs);
          if (cmd.kind === "advance") {
            clock.advance(cmd.minutes * MIN);
            const run = await engine.runDueTimers();
            expect(run.failed).toEqual([]);
          } else {
            try {
              const r = await engine.send("i", {
                id: `e${n++}`,
                type: cmd.type,
                actor: cmd.actor,
                ...(cmd.payload === undefined ? {} : { payload: cmd.payload }),
              });
              expect(r.instance.version).toBe(before.version + 1);
            } catch (e) {
              expect(isElderflowError(e)).toBe(true);
              const after = await engine.query("i", cs);
              expect(after.version).toBe(before.version);
              expect(after.context).toEqual(before.context);
            }
          }
          const now = await engine.query("i", cs);
          expect(valid.has(now.state)).toBe(true);
          reached.add(now.state);
          expect((await engine.history("i", cs)).length).toBe(now.version);
        }
        const stored = await engine.query("i", cs);
        const replay = replayLog([def], await engine.history("i", cs));
        expect(replay.mismatches).toEqual([]);
        expect(replay.state).toBe(stored.state);
        expect(replay.snapshot.context).toEqual(stored.context);
        const timers = (await engine.timers("i", cs)).map((t) => `${t.timerId}@${t.fireAt}`).sort();
        expect([...replay.timers.values()].map((t) => `${t.timerId}@${t.fireAt}`).sort()).toEqual(timers);
      }),
      { numRuns: 60 },
    );
    // The generator must actually drive the machine through its states, not bounce off guards.
    expect(reached.size).toBeGreaterThanOrEqual(Math.min(3, valid.size - 1));
  });
});
