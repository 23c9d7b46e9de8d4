import { describe, expect, it } from "vitest";
import { Actor, actorReaches, actsAs, movementConflict } from "./authority";

const actor = (over: Partial<Actor> = {}): Actor =>
  Actor.parse({ id: "s1", roles: ["community_staff"], communities: ["c1"], ...over });

describe("the actor", () => {
  it("reaches its own communities only, unless it holds a district role", () => {
    expect(actorReaches(actor(), "c1")).toBe(true);
    expect(actorReaches(actor(), "c2")).toBe(false);
    expect(actorReaches(actor({ roles: ["bureau"], communities: [] }), "c2")).toBe(true);
  });

  it("acts as itself, a delegating person or (as system) anyone, never as someone else", () => {
    expect(actsAs(actor(), "s1")).toBe(true);
    expect(actsAs(actor(), "v9")).toBe(false);
    expect(actsAs(actor({ onBehalfOf: ["v9"] }), "v9")).toBe(true);
    expect(actsAs(actor({ roles: ["system"] }), "v9")).toBe(true);
  });

  it("is refused with a typed error when malformed", () => {
    expect(Actor.safeParse({ id: "13800138000", roles: ["cadre"] }).success).toBe(false);
    expect(Actor.safeParse({ id: "a", roles: ["root"] }).success).toBe(false);
  });
});

describe("movementConflict (the one rule on who may act)", () => {
  const parties = { volunteer: "v1", volunteerHousehold: ["f1"], counterpart: "p1", counterpartHousehold: ["q1"] };

  it("never lets the volunteer or their household verify, reject, reverse, fulfil or cancel", () => {
    for (const act of ["verify", "reject", "reverse", "fulfil", "cancel"] as const) {
      expect(movementConflict(act, "v1", parties)).toBe("SELF_VERIFICATION");
      expect(movementConflict(act, "f1", parties)).toBe("SELF_VERIFICATION");
      expect(movementConflict(act, "p1", parties)).toBe("SELF_VERIFICATION");
      expect(movementConflict(act, "staff", parties)).toBeNull();
    }
  });

  it("lets only the recipient's side sign, never the volunteer's", () => {
    expect(movementConflict("sign", "p1", parties)).toBeNull();
    expect(movementConflict("sign", "q1", parties)).toBeNull();
    expect(movementConflict("sign", "f1", parties)).toBe("NOT_AUTHORIZED");
    expect(movementConflict("sign", "stranger", parties)).toBe("NOT_AUTHORIZED");
  });

  it("refuses a record whose recipient is the volunteer's own household, and a party registering", () => {
    expect(movementConflict("record", "f1", parties)).toBe("SELF_REGISTRATION");
    expect(movementConflict("register", "q1", parties)).toBe("SELF_REGISTRATION");
    expect(movementConflict("register", "leader", parties)).toBeNull();
  });
});
