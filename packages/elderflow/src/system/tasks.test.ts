import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ActorInput,
  type ManualClock,
  manualClock,
  type SqlClient,
  sqlFromMysqlPool,
  sqlFromPglite,
} from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  createMysqlDatabase,
  dropMysqlDatabase,
  mysqlPool,
  mysqlUrlFor,
  privateMysqlDatabase,
} from "../../../../test/support/mysql";
import { dropPgDatabase, pgAdmin, privateDatabase } from "../../../../test/support/pg";
import { pgClient, twoMysqlClients, twoPgClients } from "../../../../test/support/two-clients";
import { createElderflow, HOSPITAL_ROTATION } from "./elderflow";
import {
  ERASED_ID,
  memoryTaskBoard,
  sqlTaskBoard,
  type Task,
  type TaskBoard,
  type TaskRotation,
  type TrackedTask,
} from "./tasks";

const C1 = "d01-c001";
const C2 = "d01-c002";
const bureau: ActorInput = { id: "b-1", roles: ["bureau"] };
const staff: ActorInput = { id: "cs-1", roles: ["community_staff"], communities: [C1] };
const otherStaff: ActorInput = { id: "cs-2", roles: ["community_staff"], communities: [C2] };
const volunteer: ActorInput = { id: "v-1", roles: ["volunteer"], communities: [C1] };
const otherVolunteer: ActorInput = { id: "v-2", roles: ["volunteer"], communities: [C1] };
const body = (id: string): ActorInput => ({ id, roles: ["department"] });
const START = Date.parse("2027-03-01T01:00:00Z");
const MINUTE = 60_000;

/** A task of community C1, due 2027-03-10, assigned to v-1 unless told otherwise. */
function aTask(over: Partial<Task> = {}): Task {
  return {
    id: "t1",
    kind: "birthday_visit",
    personId: "p1",
    communityId: C1,
    due: "2027-03-10",
    assignees: ["v-1"],
    details: {},
    ...over,
  };
}

const ROTATION: TaskRotation = { name: "hospital_visit", order: HOSPITAL_ROTATION };
const visit = (id: string): Omit<Task, "assignees"> => ({
  id,
  kind: "hospital_visit",
  personId: `p-${id}`,
  communityId: C1,
  due: "2027-03-01",
  details: {},
});

type MakeBoard = (clock: ManualClock) => Promise<{ board: TaskBoard; close: () => Promise<void> }>;

async function pglite(): Promise<SqlClient> {
  const { PGlite } = await import("@electric-sql/pglite");
  return sqlFromPglite(new PGlite());
}

/** One contract, written once, that every task board keeps. */
function describeTaskBoardContract(name: string, make: MakeBoard) {
  describe(`the task board on ${name}`, () => {
    async function withBoard(fn: (board: TaskBoard, clock: ManualClock) => Promise<void>) {
      const clock = manualClock(START);
      const { board, close } = await make(clock);
      try {
        await fn(board, clock);
      } finally {
        await close();
      }
    }

    it("takes a task from assigned through accepted to done, recording who, when and from which status", async () => {
      await withBoard(async (board, clock) => {
        expect(await board.add([aTask()], "planner-1")).toBe(1);
        clock.advance(MINUTE);
        await board.accept("t1", volunteer);
        clock.advance(MINUTE);
        const done = await board.complete("t1", { outcome: "visited", evidenceId: "photo-7" }, volunteer);
        expect(done).toMatchObject({ status: "done", outcome: "visited", evidenceId: "photo-7" });
        const read = await board.get("t1", staff);
        expect(read).toEqual(done);
        expect(read.history).toEqual([
          { from: null, to: "assigned", by: "planner-1", at: START, assignees: ["v-1"] },
          { from: "assigned", to: "accepted", by: "v-1", at: START + MINUTE },
          {
            from: "accepted",
            to: "done",
            by: "v-1",
            at: START + 2 * MINUTE,
            outcome: "visited",
            evidenceId: "photo-7",
          },
        ]);
      });
    });

    it("starts a task without assignees open, and assigning it makes it assigned", async () => {
      await withBoard(async (board) => {
        await board.add([aTask({ assignees: [] })]);
        expect((await board.get("t1", staff)).status).toBe("open");
        await expect(board.accept("t1", staff)).rejects.toMatchObject({ code: "TASK_NOT_ASSIGNED" });
        const t = await board.assign("t1", ["v-2"], staff);
        expect(t).toMatchObject({ status: "assigned", assignees: ["v-2"] });
        expect(t.history.at(-1)).toMatchObject({ from: "open", to: "assigned", by: "cs-1", assignees: ["v-2"] });
      });
    });

    it("refuses illegal transitions with a typed error and changes nothing", async () => {
      await withBoard(async (board) => {
        await board.add([aTask(), aTask({ id: "t2" })]);
        const before = await board.get("t1", bureau);
        await expect(board.complete("t1", { outcome: "visited" }, volunteer)).rejects.toMatchObject({
          code: "TASK_NOT_ACCEPTED",
        });
        await board.accept("t1", volunteer);
        await expect(board.accept("t1", volunteer)).rejects.toMatchObject({ code: "TASK_NOT_ASSIGNED" });
        await board.complete("t1", { outcome: "not_at_home" }, volunteer);
        const done = await board.get("t1", bureau);
        await expect(board.cancel("t1", "deceased", staff)).rejects.toMatchObject({ code: "TASK_NOT_OPEN" });
        await expect(board.assign("t1", ["v-2"], staff)).rejects.toMatchObject({ code: "TASK_NOT_OPEN" });
        expect(await board.get("t1", bureau)).toEqual(done);
        expect(done.history).toHaveLength(before.history.length + 2);
        // A cancelled task is closed too.
        await board.cancel("t2", "moved_away", staff);
        await expect(board.accept("t2", volunteer)).rejects.toMatchObject({ code: "TASK_NOT_OPEN" });
        expect(await board.get("t2", bureau)).toMatchObject({ status: "cancelled", cancelReason: "moved_away" });
        await expect(board.accept("nope", bureau)).rejects.toMatchObject({ code: "UNKNOWN_TASK" });
      });
    });

    it("lets a body act only on tasks assigned to it, and only staff or the bureau assign and cancel", async () => {
      await withBoard(async (board) => {
        await board.add([aTask(), aTask({ id: "t-none", communityId: undefined as unknown as string })]);
        await board.add([aTask({ id: "t-body", assignees: ["organisation_department"] })]);
        await expect(board.accept("t1", otherVolunteer)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
        await expect(board.cancel("t1", "duplicate", volunteer)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
        await expect(board.assign("t1", ["v-1", "v-2"], volunteer)).rejects.toMatchObject({
          code: "NOT_AUTHORIZED",
        });
        await expect(board.accept("t1", otherStaff)).rejects.toMatchObject({ code: "WRONG_COMMUNITY" });
        await expect(board.get("t1", otherStaff)).rejects.toMatchObject({ code: "WRONG_COMMUNITY" });
        await expect(board.cancel("t-body", "withdrawn", body("personnel_bureau"))).rejects.toMatchObject({
          code: "NOT_AUTHORIZED",
        });
        await expect(board.accept("t-body", body("personnel_bureau"))).rejects.toMatchObject({
          code: "NOT_AUTHORIZED",
        });
        expect((await board.accept("t-body", body("organisation_department"))).status).toBe("accepted");
        expect((await board.get("t1", bureau)).status).toBe("assigned");
        // The bureau may record for a body, and cancel anywhere.
        expect((await board.cancel("t1", "superseded", bureau)).status).toBe("cancelled");
      });
    });

    it("reassigns at any open stage, after which only the new assignee may accept", async () => {
      await withBoard(async (board) => {
        await board.add([aTask()]);
        await board.accept("t1", volunteer);
        const moved = await board.assign("t1", ["v-2"], staff);
        expect(moved).toMatchObject({ status: "assigned", assignees: ["v-2"] });
        expect(moved.history.at(-1)).toMatchObject({ from: "accepted", to: "assigned", assignees: ["v-2"] });
        await expect(board.accept("t1", volunteer)).rejects.toMatchObject({ code: "NOT_AUTHORIZED" });
        expect((await board.accept("t1", otherVolunteer)).status).toBe("accepted");
      });
    });

    it("rejects a bad outcome, reason or assignee without echoing the value", async () => {
      await withBoard(async (board) => {
        await board.add([aTask()]);
        await board.accept("t1", volunteer);
        const bad = board.complete("t1", { outcome: "13800138000" as never }, volunteer);
        await expect(bad).rejects.toMatchObject({ code: "INVALID_ENUM", path: ["completion", "outcome"] });
        await expect(bad).rejects.not.toHaveProperty("params.value");
        await expect(board.cancel("t1", "because" as never, staff)).rejects.toMatchObject({ code: "INVALID_ENUM" });
        await expect(board.assign("t1", [], staff)).rejects.toMatchObject({ path: ["assignees"] });
        expect((await board.get("t1", staff)).status).toBe("accepted");
      });
    });

    it("lists by status, overdue as of a date, and open work per assignee, within the actor's reach", async () => {
      await withBoard(async (board) => {
        await board.add([
          aTask({ id: "a", due: "2027-03-01" }),
          aTask({ id: "b", due: "2027-03-05", assignees: ["v-1", "v-2"] }),
          aTask({ id: "c", due: "2027-03-20" }),
          aTask({ id: "d", due: "2027-03-02", assignees: [] }),
          aTask({ id: "e", due: "2027-03-01", communityId: C2, assignees: ["v-9"] }),
          aTask({ id: "f", due: "2027-02-01" }),
        ]);
        await board.accept("a", volunteer);
        await board.cancel("f", "duplicate", staff);
        const ids = (ts: readonly TrackedTask[]) => ts.map((t) => t.id);
        expect(ids(await board.overdue(staff, "2027-03-06"))).toEqual(["a", "d", "b"]);
        expect(ids(await board.overdue(bureau, "2027-03-06"))).toEqual(["a", "e", "d", "b"]);
        expect(ids(await board.overdue(staff, "2027-03-01"))).toEqual([]);
        expect(ids(await board.list(staff, { status: "assigned" }))).toEqual(["b", "c"]);
        expect(ids(await board.list(staff, { status: ["open", "cancelled"] }))).toEqual(["f", "d"]);
        expect(ids(await board.list(staff, { kind: "hospital_visit" }))).toEqual([]);
        expect(await board.workload(staff)).toEqual({ "v-1": 3, "v-2": 1 });
        expect(await board.workload(bureau)).toEqual({ "v-1": 3, "v-2": 1, "v-9": 1 });
        expect((await board.counts(staff)).birthday_visit).toBe(5);
      });
    });

    it("rotates among the bodies in turn, one per new task, and a redelivered task takes no turn", async () => {
      await withBoard(async (board) => {
        for (const id of ["h1", "h2", "h2", "h3", "h1", "h4"]) await board.addInTurn(visit(id), ROTATION);
        const tasks = await board.list(bureau, "hospital_visit");
        expect(tasks.map((t) => [t.id, t.assignees, t.status])).toEqual([
          ["h1", ["organisation_department"], "assigned"],
          ["h2", ["veteran_cadres_bureau"], "assigned"],
          ["h3", ["personnel_bureau"], "assigned"],
          ["h4", ["organisation_department"], "assigned"],
        ]);
        // A rotation of its own name keeps its own turn.
        await board.addInTurn(visit("x1"), { name: "other", order: ["a", "b"] });
        expect((await board.get("x1", bureau)).assignees).toEqual(["a"]);
      });
    });

    it("forgets a person: drops their tasks and erases them from assignees and histories", async () => {
      await withBoard(async (board) => {
        await board.add([aTask(), aTask({ id: "mine", personId: "v-1", assignees: [] })]);
        await board.accept("t1", volunteer);
        expect(await board.forget("v-1")).toBe(2);
        const t = await board.get("t1", bureau);
        expect(t.assignees).toEqual([ERASED_ID]);
        expect(JSON.stringify(t.history)).not.toContain("v-1");
        await expect(board.get("mine", bureau)).rejects.toMatchObject({ code: "UNKNOWN_TASK" });
        expect(await board.forget("v-1")).toBe(0);
      });
    });
  });
}

describeTaskBoardContract("memory", async (clock) => ({ board: memoryTaskBoard({ clock }), close: async () => {} }));
/** Each contract test starts from empty tables in a database opened once per store (PGlite starts slowly). */
function sharedSql(open: () => Promise<SqlClient>): MakeBoard {
  let shared: Promise<SqlClient> | undefined;
  afterAll(async () => {
    if (shared !== undefined) await (await shared).close();
  });
  return async (clock) => {
    shared ??= open();
    const sql = await shared;
    await sql.exec("drop table if exists elderflow_tasks; drop table if exists elderflow_task_rotations");
    return { board: await sqlTaskBoard(sql, { clock }), close: async () => {} };
  };
}

describeTaskBoardContract("PGlite", sharedSql(pglite));

// A database of this file's own; an unreachable server fails these tests (never a skip).
const pgDb = privateDatabase("ef_tasks");
describe("on a database of its own", () => {
  afterAll(() => dropPgDatabase(pgDb));
  describeTaskBoardContract(
    "PostgreSQL",
    sharedSql(async () => {
      await pgAdmin(`create database ${pgDb}`);
      return pgClient(pgDb);
    }),
  );
});

// A MariaDB database of this file's own; an unreachable server fails these tests (never a skip).
const myDb = privateMysqlDatabase("ef_tasks");
async function mysqlClient(db: string): Promise<SqlClient> {
  return sqlFromMysqlPool(mysqlPool(await createMysqlDatabase(db), 2));
}
describe("on a MariaDB database of its own", () => {
  afterAll(() => dropMysqlDatabase(myDb));
  describeTaskBoardContract(
    "MariaDB",
    sharedSql(() => mysqlClient(myDb)),
  );
});

/** Two "processes" (pools of their own) on one fresh database, and how to drop it. */
type TwoProcesses = () => Promise<{ a: SqlClient; b: SqlClient; cleanup: () => Promise<void> }>;

/** What every shared database keeps when several processes write to it at once. */
function describeSharedBoard(name: string, open: TwoProcesses) {
  describe(`one task board shared by two processes on ${name}`, () => {
    async function withBoards(fn: (a: TaskBoard, b: TaskBoard) => Promise<void>) {
      const clock = manualClock(START);
      const { a, b, cleanup } = await open();
      try {
        const boardA = await sqlTaskBoard(a, { clock });
        const boardB = await sqlTaskBoard(b, { clock });
        await fn(boardA, boardB);
      } finally {
        await a.close();
        await b.close();
        await cleanup();
      }
    }

    it("gives each body of the rotation its turn exactly as often", async () => {
      await withBoards(async (boardA, boardB) => {
        // Two "processes" at once, and each also redelivers what the other added.
        const ids = Array.from({ length: 12 }, (_, i) => `h${String(i).padStart(2, "0")}`);
        await Promise.all([
          ...ids.map((id, i) => (i % 2 === 0 ? boardA : boardB).addInTurn(visit(id), ROTATION)),
          ...ids.map((id, i) => (i % 2 === 0 ? boardB : boardA).addInTurn(visit(id), ROTATION)),
        ]);
        expect(await boardA.workload(bureau)).toEqual({
          organisation_department: 4,
          veteran_cadres_bureau: 4,
          personnel_bureau: 4,
        });
      });
    }, 60_000);

    it("lets one of two processes racing for the same task win, and the other sees why it lost", async () => {
      await withBoards(async (boardA, boardB) => {
        const ids = Array.from({ length: 8 }, (_, i) => `r${i}`);
        await boardA.add(ids.map((id) => aTask({ id })));
        // Both accept every task at once: one acceptance per task.
        const accepts = await Promise.allSettled(
          ids.flatMap((id) => [boardA, boardB].map((b) => b.accept(id, volunteer))),
        );
        expect(accepts.filter((r) => r.status === "fulfilled")).toHaveLength(ids.length);
        for (const r of accepts)
          if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "TASK_NOT_ASSIGNED" });
        // One completes while the other cancels: whichever comes first, the other is refused.
        const ends = await Promise.allSettled(
          ids.flatMap((id) => [
            boardA.complete(id, { outcome: "visited" }, volunteer),
            boardB.cancel(id, "withdrawn", staff),
          ]),
        );
        expect(ends.filter((r) => r.status === "fulfilled")).toHaveLength(ids.length);
        for (const r of ends) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "TASK_NOT_OPEN" });
        for (const t of await boardB.list(bureau)) {
          expect(t.history.map((h) => h.to)).toEqual(["assigned", "accepted", t.status]);
          expect(["done", "cancelled"]).toContain(t.status);
        }
      });
    }, 60_000);

    it("adds a task delivered to both processes at once only once", async () => {
      await withBoards(async (boardA, boardB) => {
        const batch = Array.from({ length: 40 }, (_, i) => aTask({ id: `d${String(i).padStart(2, "0")}` }));
        const [x, y] = await Promise.all([boardA.add(batch), boardB.add([...batch].reverse())]);
        expect((x ?? 0) + (y ?? 0)).toBe(batch.length);
        expect(await boardB.list(bureau)).toHaveLength(batch.length);
      });
    }, 60_000);
  });
}

describeSharedBoard("PostgreSQL", () => twoPgClients(`${pgDb}_shared`));

describeSharedBoard("MariaDB", () => twoMysqlClients(`${myDb}_shared`));

describe("the task board on MariaDB", () => {
  async function withBoard(fn: (board: TaskBoard, sql: SqlClient) => Promise<void>) {
    const db = `${myDb}_own`;
    const sql = await mysqlClient(db);
    try {
      await fn(await sqlTaskBoard(sql, { clock: manualClock(START) }), sql);
    } finally {
      await sql.close();
      await dropMysqlDatabase(db);
    }
  }

  it("keeps ids and communities that differ only by trailing spaces, case or 4-byte characters apart", async () => {
    await withBoard(async (board) => {
      const ids = ["k1", "k1 ", "K1", "k𠀋", "k👵🏻"];
      expect(await board.add(ids.map((id, i) => aTask({ id, due: `2027-03-1${i}` })))).toBe(ids.length);
      expect(await board.add(ids.map((id) => aTask({ id })))).toBe(0);
      expect((await board.list(bureau)).map((t) => t.id)).toEqual(ids);
      for (const id of ids) expect((await board.get(id, bureau)).id).toBe(id);
      await board.add([aTask({ id: "sp", communityId: `${C1} ` })]);
      expect((await board.list(staff)).map((t) => t.id)).toEqual(ids);
      expect((await board.get("sp", bureau)).communityId).toBe(`${C1} `);
    });
  });

  it("refuses a batch holding a value the table cannot keep, instead of storing it cut short", async () => {
    await withBoard(async (board) => {
      await expect(board.add([aTask({ id: "ok" }), aTask({ id: "bad", due: "2027-02-30" })])).rejects.toMatchObject({
        code: "INVALID_INPUT",
        path: ["tasks"],
      });
      await expect(board.add([aTask({ id: "x".repeat(801) })])).rejects.toMatchObject({ code: "INVALID_INPUT" });
      expect(await board.list(bureau)).toEqual([]);
      expect(await board.add([aTask({ id: "ok" })])).toBe(1);
    });
  });

  it("keeps the hospital rotation's turn across reopening the database", async () => {
    const db = `${myDb}_reopen`;
    const clock = manualClock(START);
    try {
      const first = await mysqlClient(db);
      const before = await sqlTaskBoard(first, { clock });
      await before.addInTurn(visit("h1"), ROTATION);
      await before.addInTurn(visit("h2"), ROTATION);
      await first.close();
      const sql = sqlFromMysqlPool(mysqlPool(mysqlUrlFor(db), 2));
      try {
        const board = await sqlTaskBoard(sql, { clock });
        await board.addInTurn(visit("h3"), ROTATION);
        await board.addInTurn(visit("h4"), ROTATION);
        expect((await board.list(bureau)).map((t) => t.assignees[0])).toEqual([
          "organisation_department",
          "veteran_cadres_bureau",
          "personnel_bureau",
          "organisation_department",
        ]);
      } finally {
        await sql.close();
      }
    } finally {
      await dropMysqlDatabase(db);
    }
  });
});

describe("the hospital rotation's turn", () => {
  it("survives reopening a PGlite store", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const dir = mkdtempSync(join(tmpdir(), "ef-rotation-"));
    const clock = manualClock(START);
    try {
      const first = sqlFromPglite(new PGlite(dir));
      const before = await sqlTaskBoard(first, { clock });
      await before.addInTurn(visit("h1"), ROTATION);
      await before.addInTurn(visit("h2"), ROTATION);
      await first.close();
      const sql = sqlFromPglite(new PGlite(dir));
      try {
        const board = await sqlTaskBoard(sql, { clock });
        await board.addInTurn(visit("h3"), ROTATION);
        await board.addInTurn(visit("h4"), ROTATION);
        expect((await board.list(bureau)).map((t) => t.assignees[0])).toEqual([
          "organisation_department",
          "veteran_cadres_bureau",
          "personnel_bureau",
          "organisation_department",
        ]);
      } finally {
        await sql.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("a task's life as a property", () => {
  const ACTORS: readonly ActorInput[] = [bureau, staff, otherStaff, volunteer, otherVolunteer];
  const op = fc.oneof(
    fc.record({ op: fc.constant("accept" as const), who: fc.nat(ACTORS.length - 1) }),
    fc.record({ op: fc.constant("complete" as const), who: fc.nat(ACTORS.length - 1) }),
    fc.record({ op: fc.constant("cancel" as const), who: fc.nat(ACTORS.length - 1) }),
    fc.record({
      op: fc.constant("assign" as const),
      who: fc.nat(ACTORS.length - 1),
      to: fc.constantFrom("v-1", "v-2"),
    }),
  );

  it("keeps the status equal to the last transition's, chains from/to, and changes nothing on a refusal", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), fc.boolean(), async (ops, assigned) => {
        const clock = manualClock(START);
        const board = memoryTaskBoard({ clock });
        await board.add([aTask({ assignees: assigned ? ["v-1"] : [] })]);
        for (const o of ops) {
          clock.advance(MINUTE);
          const who = ACTORS[o.who] as ActorInput;
          const before = await board.get("t1", bureau);
          const run =
            o.op === "accept"
              ? board.accept("t1", who)
              : o.op === "complete"
                ? board.complete("t1", { outcome: "visited" }, who)
                : o.op === "cancel"
                  ? board.cancel("t1", "withdrawn", who)
                  : board.assign("t1", [o.to], who);
          const ok = await run.then(
            () => true,
            (e: { code?: string }) => {
              expect(e.code).toMatch(/^(TASK_NOT_|NOT_AUTHORIZED|WRONG_COMMUNITY)/);
              return false;
            },
          );
          const after = await board.get("t1", bureau);
          if (!ok) expect(after).toEqual(before);
          else {
            expect(after.history).toHaveLength(before.history.length + 1);
            expect(["done", "cancelled"]).not.toContain(before.status);
          }
          expect(after.status).toBe(after.history.at(-1)?.to);
          for (const [i, h] of after.history.entries()) expect(h.from).toBe(i === 0 ? null : after.history[i - 1]?.to);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("hospital visits through the wiring", () => {
  const doctor: WorkflowActor = { id: "dr-1", role: "doctor", communityId: C1 };

  async function admit(flow: Awaited<ReturnType<typeof createElderflow>>, id: string, rank: string) {
    await flow.workflows.start("carePathway", {
      id,
      actor: doctor,
      input: { communityId: C1, personId: `${id}-p`, rank },
    });
    await flow.workflows.send(id, { id: `${id}-1`, type: "REFER", actor: doctor, payload: { hospitalId: "h1" } });
    await flow.workflows.send(id, { id: `${id}-2`, type: "ADMIT", actor: doctor, payload: { hospitalId: "h1" } });
    await flow.pump();
  }

  it("visit the three offices in turn for ordinary cadres, back to the first on the fourth, across a restart; district leaders in person for a deputy-county cadre", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ef-hospital-"));
    const open = () =>
      createElderflow({
        store: { kind: "pglite", dataDir: dir },
        clock: manualClock("2027-03-01T09:00:00+08:00"),
        directory: { servicePoints: [], volunteers: [] },
      });
    try {
      let flow = await open();
      try {
        await admit(flow, "cp-1", "section");
        await admit(flow, "cp-2", "deputy_county");
        await admit(flow, "cp-3", "section");
      } finally {
        await flow.close();
      }
      flow = await open();
      try {
        await admit(flow, "cp-4", "clerk");
        await admit(flow, "cp-5", "section");
        await flow.pump(); // a second delivery takes no turn
        const visits = await flow.tasks.list(bureau, "hospital_visit");
        expect(visits.map((t) => [t.personId, t.assignees, t.details.mode])).toEqual([
          ["cp-1-p", ["organisation_department"], "in_turn"],
          ["cp-2-p", ["district_leaders"], "in_person"],
          ["cp-3-p", ["veteran_cadres_bureau"], "in_turn"],
          ["cp-4-p", ["personnel_bureau"], "in_turn"],
          ["cp-5-p", ["organisation_department"], "in_turn"],
        ]);
        // The office whose turn it was takes the visit through its life.
        const first = visits[0] as TrackedTask;
        await flow.tasks.accept(first.id, body("organisation_department"));
        const done = await flow.tasks.complete(first.id, { outcome: "visited" }, body("organisation_department"));
        expect(done.history.map((h) => [h.from, h.to, h.by])).toEqual([
          [null, "assigned", "elderflow"],
          ["assigned", "accepted", "organisation_department"],
          ["accepted", "done", "organisation_department"],
        ]);
        expect(await flow.tasks.workload(bureau)).toEqual({
          district_leaders: 1,
          organisation_department: 1,
          personnel_bureau: 1,
          veteran_cadres_bureau: 1,
        });
      } finally {
        await flow.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
