import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Actor, generateDistrict, manualClock } from "@elderflow/core";
import type { StoreSpec } from "elderflow";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Authenticate, type Caller, loadTokenFile, tokenAuthenticator } from "../src/http";
import { type RunningServer, startServer } from "../src/server";
import { DEFAULT_PG_URL, dropDatabase, ensureDatabase, storeFromEnv } from "../src/store";

/** The district the server generates (seed 1, as of the clock's year): the test reads names and communities from it. */
const DISTRICT = generateDistrict({ seed: 1, year: 2027 });
const PG_URL = process.env.ELDERFLOW_PG_URL ?? DEFAULT_PG_URL;
const C = "d01-c001";
const BANK_C = "d01-c033";

type TestActor = { id: string; roles: string[]; communities: string[]; orgId?: string };
const one = (id: string, role: string, community?: string, orgId?: string): TestActor => ({
  id,
  roles: [role],
  communities: community === undefined ? [] : [community],
  ...(orgId === undefined ? {} : { orgId }),
});
const staff = one("s1", "hotline_staff", C);
const bureau = one("b1", "bureau");
const otherStaff = one("s9", "hotline_staff", "d01-c002");
const bankAdmin = one("adm1", "admin", BANK_C);
const tl1: TestActor = { id: "tl1", roles: ["team_leader", "registrar"], communities: [BANK_C] };
const cs1: TestActor = { id: "cs1", roles: ["community_staff", "verifier"], communities: [BANK_C] };
const volunteer = one("v0001", "volunteer", BANK_C);
const cadreOfC = one("p000101", "cadre", C);

/**
 * The test's authenticator: a token is the actor written out (base64url), registered the first time
 * the client uses it. The token file loader and constant-time comparison have their own suite below.
 */
const registry = new Map<string, Caller>();
const tokenOf = (a: TestActor) => `tok.${Buffer.from(JSON.stringify(a)).toString("base64url")}`;
const testAuthenticate: Authenticate = (request) => {
  const m = /^Bearer (\S+)$/.exec(request.headers.get("authorization") ?? "");
  return m === null ? undefined : registry.get(m[1] as string);
};

interface Answer {
  status: number;
  type: string;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are inspected field by field in the assertions
  json: any;
}

/** A small HTTP client: `fetch` against the running server with the actor's bearer token. */
function client(server: () => RunningServer) {
  return async (
    method: string,
    path: string,
    options: {
      actor?: TestActor;
      body?: unknown;
      raw?: string;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    const a = options.actor;
    if (a) {
      const token = tokenOf(a);
      registry.set(token, {
        actor: Actor.parse({ id: a.id, roles: a.roles, communities: a.communities }),
        ...(a.orgId === undefined ? {} : { orgId: a.orgId }),
      });
      headers.authorization = `Bearer ${token}`;
    }
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined) headers["content-type"] = options.contentType ?? "application/json";
    const res = await fetch(`${server().url}${path}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    return { status: res.status, type, text, json: type.includes("json") ? JSON.parse(text) : undefined };
  };
}

/** ID-number and mobile-phone shapes: none may appear in any answer. */
const PERSONAL = /\d{17}[\dXx]|1[3-9]\d{9}/;

/** The two backends the service runs on; each gets a store of its own that no other test touches. */
const backends: { name: string; open: () => Promise<{ store: StoreSpec; cleanup: () => Promise<void> }> }[] = [
  {
    name: "PGlite (local folder)",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "ef-http-"));
      return { store: { kind: "pglite", dataDir: dir }, cleanup: async () => rmSync(dir, { recursive: true }) };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      // A database of this test file's own; an unreachable server fails here (never a skip).
      const probe = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
      await probe.connect().catch((error: unknown) => {
        throw new Error(`PostgreSQL at ELDERFLOW_PG_URL is unreachable: ${String(error)}`);
      });
      await probe.end();
      const db = `ef_http_${process.pid}_${Math.floor(Math.random() * 1e9).toString(36)}`;
      const url = await ensureDatabase(PG_URL, db);
      return { store: { kind: "postgres", url, max: 4 }, cleanup: () => dropDatabase(PG_URL, db) };
    },
  },
];

describe.each(backends)("the HTTP service on $name", (backend) => {
  const clock = manualClock("2027-03-01T09:00:00+08:00");
  let server: RunningServer;
  let store: StoreSpec;
  let cleanup: () => Promise<void> = async () => {};
  const api = client(() => server);

  let failure: unknown;

  beforeAll(async () => {
    try {
      const opened = await backend.open();
      store = opened.store;
      cleanup = opened.cleanup;
      server = await startServer({ store, clock, port: 0, authenticate: testAuthenticate });
    } catch (error) {
      failure = error;
    }
  });

  // A backend that cannot start fails every test of its suite (vitest would report them as skipped otherwise).
  beforeEach(() => {
    if (failure !== undefined) throw failure;
  });

  afterAll(async () => {
    await server?.close();
    await cleanup();
  });

  it("listens on a loopback port", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    const health = await api("GET", "/health");
    expect(health).toMatchObject({ status: 200, json: { ok: true, today: "2027-03-01" } });
  });

  it("takes a hotline request from call to done through the workflow engine", async () => {
    const started = await api("POST", "/requests", {
      actor: staff,
      body: { id: "r1", communityId: C, personId: "p000101" },
    });
    expect(started.status).toBe(201);
    expect(started.json.instance).toMatchObject({ id: "r1", machine: "serviceRequest", state: "received" });
    const again = await api("POST", "/requests", {
      actor: staff,
      body: { id: "r1", communityId: C, personId: "p000101" },
    });
    expect(again.status).toBe(200);
    expect(again.json.duplicate).toBe(true);

    const triaged = await api("POST", "/requests/r1/events", {
      actor: staff,
      body: { id: "t1", type: "TRIAGE", payload: { serviceKind: "plumbing" } },
    });
    expect(triaged.status).toBe(200);
    expect(triaged.json).toMatchObject({ from: "received", to: "dispatched" });
    const assignee: string = triaged.json.instance.context.assigneeId;
    expect(assignee).toMatch(/-sp\d+$/);
    const sp = one("w1", "service_point", C, assignee);
    for (const type of ["ACCEPT", "ARRIVE", "FINISH"]) {
      clock.advance(60_000);
      const r = await api("POST", "/requests/r1/events", { actor: sp, body: { id: `e-${type}`, type } });
      expect(r.status).toBe(200);
    }
    const read = await api("GET", "/requests/r1", { actor: staff });
    expect(read.json).toMatchObject({ id: "r1", state: "done", version: 5 });
    const listed = await api("GET", `/requests?communityId=${C}&state=done`, { actor: staff });
    expect(listed.json.map((i: { id: string }) => i.id)).toContain("r1");
    const history = await api("GET", "/requests/r1/history", { actor: staff });
    expect(history.json.map((h: { event: string; to: string }) => [h.event, h.to])).toEqual([
      ["xstate.init", "received"],
      ["TRIAGE", "dispatched"],
      ["ACCEPT", "accepted"],
      ["ARRIVE", "onSite"],
      ["FINISH", "done"],
    ]);
  });

  it("re-dispatches a request whose service point misses the SLA when the timers run", async () => {
    await api("POST", "/requests", { actor: staff, body: { id: "r2", communityId: C, personId: "p000102" } });
    const triaged = await api("POST", "/requests/r2/events", {
      actor: staff,
      body: { id: "t1", type: "TRIAGE", payload: { serviceKind: "daily_goods" } },
    });
    const { sla, candidates } = triaged.json.instance.context;
    expect(candidates.length).toBeGreaterThan(1);
    const refused = await api("POST", "/timers/run", { actor: staff });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe("WRONG_ROLE");
    clock.advance(sla.acceptMs + 1000);
    const run = await api("POST", "/timers/run", { actor: bureau });
    expect(run.status).toBe(200);
    expect(run.json.fired).toBeGreaterThanOrEqual(1);
    const after = await api("GET", "/requests/r2", { actor: staff });
    expect(after.json.context.breaches).toHaveLength(1);
    expect(after.json.context.breaches[0].stage).toBe("accept");
    expect(after.json.context.assigneeId).toBe(candidates[1]);
  });

  it("answers bad input with 400 and the ElderflowError JSON, without echoing personal data", async () => {
    const broken = await api("POST", "/requests", {
      actor: staff,
      raw: '{"id": "r3", "personId": "张小三 13800138000',
    });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({
      code: "INVALID_JSON",
      path: [],
      message: {
        "zh-CN": expect.stringContaining("JSON 解析失败"),
        en: expect.stringContaining("Could not parse JSON"),
      },
    });
    expect(broken.text).not.toMatch(/张小三|13800138000/);

    const missing = await api("POST", "/requests", { actor: staff, body: { id: "r3", communityId: C } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ code: "REQUIRED", path: ["personId"] });
    expect(missing.json.message.en).toBe("Required field is missing");
    expect(missing.json.message["zh-CN"]).toBe("缺少必填字段");

    const badPerson = await api("POST", "/rosters/birthdays", {
      actor: staff,
      body: {
        from: "2027-01-01",
        to: "2027-12-31",
        persons: [
          {
            id: "p1",
            name: "张小三",
            gender: "male",
            birthDate: "1947-07-10",
            phone: "13800-not-a-phone",
            idNumber: "110105194707100011",
            retirementKind: "tuixiu",
            rank: "section",
            communityId: C,
          },
        ],
      },
    });
    expect(badPerson.status).toBe(400);
    const codes = badPerson.json.issues.map((i: { code: string; path: unknown[] }) => [i.code, i.path.join(".")]);
    expect(codes).toContainEqual(["INVALID_PHONE", "persons.0.phone"]);
    expect(badPerson.text).not.toMatch(/张小三|13800|110105194707100011/);

    const noActor = await api("GET", "/requests");
    expect(noActor).toMatchObject({ status: 401, json: { code: "UNAUTHENTICATED" } });
    const badRole = await api("GET", "/requests?as=mayor", { actor: staff });
    expect(badRole).toMatchObject({ status: 400, json: { code: "INVALID_ENUM", path: ["query", "as"] } });
    const notHeld = await api("GET", "/requests?as=bureau", { actor: staff });
    expect(notHeld).toMatchObject({ status: 403, json: { code: "WRONG_ROLE" } });
  });

  it("maps refusals to 403, 404 and 409", async () => {
    // Another community's request is not disclosed at all.
    const foreign = await api("GET", "/requests/r1", { actor: otherStaff });
    expect(foreign).toMatchObject({ status: 404, json: { code: "UNKNOWN_INSTANCE" } });
    const unknown = await api("GET", "/requests/nope", { actor: staff });
    expect(unknown).toMatchObject({ status: 404, json: { code: "UNKNOWN_INSTANCE" } });
    const late = await api("POST", "/requests/r1/events", {
      actor: staff,
      body: { id: "t9", type: "TRIAGE", payload: { serviceKind: "plumbing" } },
    });
    expect(late.status).toBe(409);
    expect(late.json.code).toBe("EVENT_NOT_ALLOWED");
    const route = await api("GET", "/no/such/route", { actor: staff });
    expect(route).toMatchObject({ status: 404, json: { code: "NOT_FOUND" } });
  });

  it("runs the time bank: commands, accounts, refusals with their message, batches item by item", async () => {
    const setup = [
      { op: "grant", key: "g1", person: "tl1", role: "registrar", community: BANK_C },
      { op: "grant", key: "g2", person: "cs1", role: "verifier", community: BANK_C },
      { op: "enroll", key: "e1", volunteer: "v0001", community: BANK_C, family: ["p000009"] },
      {
        op: "record",
        key: "rec1",
        volunteer: "v0001",
        recipient: "p000101",
        minutes: 90,
        on: "2027-03-01",
        signedBy: "p000101",
        registeredBy: "tl1",
      },
      { op: "verify", key: "vf1", entry: "rec1", by: "cs1", on: "2027-03-01" },
    ];
    // Each command is sent by the person it names: the admin grants, the registrar enrols and
    // records (registeredBy), the verifier verifies (by).
    const senders = [bankAdmin, bankAdmin, tl1, tl1, cs1];
    const statuses: string[] = [];
    for (const [i, command] of setup.entries()) {
      const r = await api("POST", "/timebank/commands", { actor: senders[i] as TestActor, body: command });
      expect(r.status).toBe(200);
      statuses.push(r.json.status);
    }
    expect(statuses).toEqual(["granted", "granted", "open", "pending", "posted"]);
    const account = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    expect(account.json).toMatchObject({ volunteer: "v0001", earnedMinutes: 90, availableMinutes: 90 });

    const tooMuch = await api("POST", "/timebank/commands", {
      actor: volunteer,
      body: { op: "withdraw", key: "w1", volunteer: "v0001", beneficiary: "p000009", minutes: 500, on: "2027-03-01" },
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.json).toMatchObject({ ok: false, code: "INSUFFICIENT_BALANCE" });
    expect(tooMuch.json.error.message.en).toBe("Insufficient available time (90 min available, 500 min requested)");
    expect(tooMuch.json.error.message["zh-CN"]).toBe("可用时间不足（可用90分钟，需要500分钟）");

    const invalid = await api("POST", "/timebank/commands", {
      actor: tl1,
      body: { op: "record", key: "rec9", volunteer: "v0001", minutes: "ninety" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.issues.map((i: { path: string[] }) => i.path.join("."))).toContain("minutes");

    const batch = await api("POST", "/timebank/commands", {
      actor: volunteer,
      body: [
        { op: "withdraw", key: "w2", volunteer: "v0001", beneficiary: "p000009", minutes: 30, on: "2027-03-01" },
        { op: "withdraw", key: "w3", volunteer: "v0001", beneficiary: "p000009", minutes: -5, on: "2027-03-01" },
        { op: "withdraw", key: "w4", volunteer: "v0001", beneficiary: "stranger", minutes: 5, on: "2027-03-01" },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.json[0]).toMatchObject({ index: 0, ok: true, status: "reserved" });
    expect(batch.json[1]).toMatchObject({ index: 1, ok: false, error: { code: "TOO_SMALL", path: [1, "minutes"] } });
    expect(batch.json[2]).toMatchObject({ index: 2, ok: false, code: "NOT_FAMILY" });
    const after = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    expect(after.json).toMatchObject({ earnedMinutes: 90, reservedMinutes: 30, availableMinutes: 60 });
  });

  it("posts a verified service entry to the time bank through the wiring", async () => {
    const started = await api("POST", "/service-entries", {
      actor: volunteer,
      body: {
        id: "se1",
        communityId: BANK_C,
        volunteerId: "v0001",
        recipientId: "p000101",
        serviceKind: "housekeeping",
        minutes: 60,
        servedOn: "2027-03-01",
      },
    });
    expect(started.status).toBe(201);
    const steps: [TestActor, string][] = [
      [one("p000101", "cadre", BANK_C), "SIGN"],
      [tl1, "REGISTER"],
      [cs1, "VERIFY"],
    ];
    let last: Answer | undefined;
    for (const [actor, type] of steps) {
      last = await api("POST", "/service-entries/se1/events", { actor, body: { id: `se1-${type}`, type } });
      expect(last.status).toBe(200);
    }
    expect(last?.json.to).toBe("verified");
    expect(last?.json.pumped).toMatchObject({ posted: 1, failed: [] });
    const account = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    expect(account.json.earnedMinutes).toBe(150);
  });

  it("publishes the quarterly notice and the certificate with names masked, and closes the quarter", async () => {
    const notice = await api("GET", `/timebank/notices/${BANK_C}/2027-Q1`, { actor: cs1 });
    expect(notice.status).toBe(200);
    const line = notice.json.lines.find((l: { volunteer: string }) => l.volunteer === "v0001");
    expect(line).toMatchObject({ minutes: 150, services: 2 });
    expect(line.name).toMatch(/\*/);
    const name = DISTRICT.volunteers.find((v) => v.id === "v0001")?.name as string;
    expect(name.length).toBeGreaterThan(1);
    expect(notice.text).not.toContain(name);
    const csv = await api("GET", `/timebank/notices/${BANK_C}/2027-Q1?format=csv`, { actor: cs1 });
    expect(csv.type).toContain("text/csv");
    expect(csv.text).toContain("v0001");
    const badPeriod = await api("GET", `/timebank/notices/${BANK_C}/2027-Q5`, { actor: cs1 });
    expect(badPeriod).toMatchObject({ status: 400, json: { path: ["period"] } });

    const cert = await api("GET", "/timebank/certificates/v0001", { actor: cs1 });
    expect(cert.json).toMatchObject({ volunteer: "v0001", community: BANK_C, earnedMinutes: 150 });
    expect(cert.json.lines.length).toBeGreaterThanOrEqual(2);
    const none = await api("GET", "/timebank/certificates/v9999", { actor: cs1 });
    expect(none).toMatchObject({ status: 404, json: { code: "UNKNOWN_ACCOUNT" } });

    const close = await api("POST", "/timebank/commands", {
      actor: cs1,
      body: { op: "closePeriod", key: "close-q1", community: BANK_C, period: "2027-Q1", by: "cs1" },
    });
    expect(close.json.status).toBe("closed");
    const lateRecord = await api("POST", "/timebank/commands", {
      actor: tl1,
      body: {
        op: "record",
        key: "rec-late",
        volunteer: "v0001",
        recipient: "p000101",
        minutes: 30,
        on: "2027-03-02",
        signedBy: "p000101",
        registeredBy: "tl1",
      },
    });
    expect(lateRecord.status).toBe(409);
    expect(lateRecord.json.error.message.en).toBe("Period is closed: 2027-Q1");
  });

  it("builds birthday rosters under the birthday rule, in both calendars, and plans them as visits", async () => {
    const person = (id: string, birthDate: string, retirementKind: string, rank: string, lunar = false) => ({
      id,
      name: "测试",
      gender: "male",
      birthDate,
      ...(lunar ? { birthdayCalendar: "lunar" } : {}),
      retirementKind,
      rank,
      communityId: C,
    });
    const persons = [
      person("pa", "1957-05-10", "lixiu", "deputy_county"), // 70 in 2027: the 70 group
      person("pb", "1957-06-10", "tuixiu", "deputy_county"), // 70, but not lixiu: waits for 80
      person("pc", "1947-07-10", "tuixiu", "section"), // 80: everyone else
      person("pd", "1952-01-31", "lixiu", "county", true), // lunar keeper, 75 on 2027-02-10
      person("pe", "1946-08-10", "tuixiu", "section"), // 81: not a multiple of 5
    ];
    const roster = await api("POST", "/rosters/birthdays", {
      actor: staff,
      body: { persons, from: "2027-01-01", to: "2027-12-31" },
    });
    expect(roster.status).toBe(200);
    expect(roster.json).toEqual({
      planned: false,
      entries: [
        { personId: "pd", date: "2027-02-10", age: 75, calendar: "lunar" },
        { personId: "pa", date: "2027-05-10", age: 70, calendar: "gregorian" },
        { personId: "pc", date: "2027-07-10", age: 80, calendar: "gregorian" },
      ],
    });
    const planned = await api("POST", "/rosters/birthdays", {
      actor: one("cs-c", "community_staff", C),
      body: { persons, from: "2027-01-01", to: "2027-12-31", plan: true },
    });
    expect(planned.json.planned).toBe(true);
    const tasks = await api("GET", "/tasks?kind=birthday_visit", { actor: staff });
    expect(tasks.json.map((t: { id: string }) => t.id)).toEqual([
      "birthday/pd/2027-02-10",
      "birthday/pa/2027-05-10",
      "birthday/pc/2027-07-10",
    ]);

    const district = await api("GET", `/rosters/birthdays?from=2027-01-01&to=2027-12-31&communityId=${C}`, {
      actor: staff,
    });
    expect(district.status).toBe(200);
    const communityOf = new Map(DISTRICT.persons.map((p) => [p.id, p.communityId]));
    expect(district.json.length).toBeGreaterThan(0);
    for (const e of district.json) {
      expect(communityOf.get(e.personId)).toBe(C);
      expect(e.age % 5).toBe(0);
      expect(e.age).toBeGreaterThanOrEqual(70);
    }
    const whole = await api("GET", "/rosters/birthdays?from=2027-01-01&to=2027-12-31", { actor: bureau });
    expect(whole.json.length).toBeGreaterThan(district.json.length);
    const inverted = await api("GET", "/rosters/birthdays?from=2027-12-31&to=2027-01-01", { actor: staff });
    expect(inverted).toMatchObject({ status: 400, json: { code: "DATE_ORDER" } });
  });

  it("speaks Open311 GeoReport v2 and keeps personal fields out of the workflow", async () => {
    const form = new URLSearchParams({
      jurisdiction_id: C,
      service_code: "appliance_repair",
      account_id: "p000103",
      lat: "37.54",
      long: "116.26",
      first_name: "小三",
      last_name: "张",
      phone: "13800138000",
      description: "电视坏了",
    });
    const posted = await api("POST", "/open311/v2/requests.json", {
      actor: staff,
      raw: form.toString(),
      contentType: "application/x-www-form-urlencoded",
    });
    expect(posted.status).toBe(201);
    const [receipt] = posted.json;
    expect(receipt).toMatchObject({ account_id: "p000103", service_notice: null });
    const id: string = receipt.service_request_id;
    const got = await api("GET", `/open311/v2/requests.json?service_request_id=${id}`, { actor: staff });
    expect(got.json).toEqual([
      expect.objectContaining({
        service_request_id: id,
        status: "open",
        status_notes: "received",
        service_code: "appliance_repair",
        lat: 37.54,
        long: 116.26,
        requested_datetime: expect.stringMatching(/^2027-03-01T\d\d:\d\d:\d\d\+08:00$/),
      }),
    ]);
    const history = await api("GET", `/requests/${id}/history`, { actor: staff });
    expect(history.text).not.toMatch(/小三|13800138000|电视/);

    const json = await api("POST", "/open311/v2/requests.json", {
      actor: staff,
      body: { jurisdiction_id: C, service_code: "plumbing", account_id: "p000104" },
    });
    expect(json.status).toBe(201);
    const closed = await api("GET", `/open311/v2/requests.json?jurisdiction_id=${C}&status=closed`, { actor: staff });
    expect(closed.json.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(["r1"]);
    const open = await api("GET", `/open311/v2/requests.json?jurisdiction_id=${C}&status=open`, { actor: staff });
    expect(open.json.map((r: { service_request_id: string }) => r.service_request_id)).toEqual(
      expect.arrayContaining(["r2", id, json.json[0].service_request_id]),
    );
    const bad = await api("POST", "/open311/v2/requests.json", {
      actor: staff,
      body: { jurisdiction_id: C, service_code: "Bad Code", account_id: "p000104" },
    });
    expect(bad).toMatchObject({ status: 400, json: { path: ["service_code"] } });
  });

  // ---- the attacks of issue #11, over real HTTP

  it("ignores x-actor-* headers: without a token it is 401, with one the token's actor acts", async () => {
    const spoof = { "x-actor-id": "b1", "x-actor-role": "bureau", "x-actor-community": BANK_C };
    const bare = await api("POST", "/timers/run", { headers: spoof });
    expect(bare).toMatchObject({ status: 401, json: { code: "UNAUTHENTICATED" } });
    const wrong = await api("GET", "/timebank/accounts", { headers: { ...spoof, authorization: "Bearer nope" } });
    expect(wrong).toMatchObject({ status: 401, json: { code: "UNAUTHENTICATED" } });
    const asStaff = await api("POST", "/timers/run", { actor: staff, headers: spoof });
    expect(asStaff).toMatchObject({ status: 403, json: { code: "WRONG_ROLE" } });
  });

  it("refuses a cadre who grants itself roles in another community and posts 60,000 minutes", async () => {
    const before = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    const grants = await api("POST", "/timebank/commands", {
      actor: cadreOfC,
      body: [
        { op: "grant", key: "evil-g1", person: "p000101", role: "registrar", community: BANK_C },
        { op: "grant", key: "evil-g2", person: "p000101", role: "verifier", community: BANK_C },
      ],
    });
    expect(grants.status).toBe(200);
    for (const r of grants.json) expect(["NOT_AUTHORIZED", "WRONG_COMMUNITY"]).toContain(r.code);
    const record = {
      op: "record",
      key: "evil-rec",
      volunteer: "v0001",
      recipient: "p000102",
      minutes: 60_000,
      on: "2027-04-01",
      signedBy: "p000102",
      registeredBy: "p000101",
    };
    const posted = await api("POST", "/timebank/commands", { actor: cadreOfC, body: record });
    // Out of reach, the volunteer's account is not even disclosed.
    expect([403, 404], posted.text).toContain(posted.status);
    expect(["NOT_AUTHORIZED", "WRONG_COMMUNITY", "UNKNOWN_ACCOUNT"]).toContain(posted.json.code);
    // Even inside the community, naming the real registrar does not help: registeredBy must be the caller.
    const forged = await api("POST", "/timebank/commands", {
      actor: one("p000103", "cadre", BANK_C),
      body: { ...record, key: "evil-rec2", registeredBy: "tl1" },
    });
    expect(forged.status, forged.text).toBe(403);
    expect(forged.json.code).toBe("ACTOR_MISMATCH");
    const verify = await api("POST", "/timebank/commands", {
      actor: cadreOfC,
      body: { op: "verify", key: "evil-v", entry: "evil-rec", by: "cs1", on: "2027-04-01" },
    });
    expect(verify.json.ok).toBe(false);
    const after = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    expect(after.json).toEqual(before.json);
  });

  it("scopes every read to the caller's communities", async () => {
    const accounts = await api("GET", "/timebank/accounts", { actor: otherStaff });
    expect(accounts.status).toBe(200);
    expect(accounts.json.map((a: { volunteer: string }) => a.volunteer)).not.toContain("v0001");
    expect(await api("GET", "/timebank/accounts/v0001", { actor: otherStaff })).toMatchObject({
      status: 404,
      json: { code: "UNKNOWN_ACCOUNT" },
    });
    expect(await api("GET", "/timebank/certificates/v0001", { actor: otherStaff })).toMatchObject({
      status: 404,
      json: { code: "UNKNOWN_ACCOUNT" },
    });
    expect(await api("GET", `/timebank/notices/${BANK_C}/2027-Q1`, { actor: otherStaff })).toMatchObject({
      status: 403,
      json: { code: "WRONG_COMMUNITY" },
    });
    const tasks = await api("GET", "/tasks", { actor: otherStaff });
    expect(tasks.json).toEqual([]);
    expect((await api("GET", "/tasks", { actor: staff })).json.length).toBeGreaterThan(0);
    const roster = await api("GET", "/rosters/birthdays?from=2027-01-01&to=2027-12-31", { actor: otherStaff });
    const communityOf = new Map(DISTRICT.persons.map((p) => [p.id, p.communityId]));
    expect(roster.json.length).toBeGreaterThan(0);
    for (const e of roster.json) expect(communityOf.get(e.personId)).toBe("d01-c002");
    expect(
      await api("GET", `/rosters/birthdays?from=2027-01-01&to=2027-12-31&communityId=${C}`, { actor: otherStaff }),
    ).toMatchObject({ status: 403, json: { code: "WRONG_COMMUNITY" } });
    const requests = await api("GET", "/requests", { actor: otherStaff });
    expect(requests.json).toEqual([]);
  });

  it("bounds batches and bodies with 413", async () => {
    const many = await api("POST", "/timebank/commands", { actor: tl1, raw: `[${Array(1001).fill("{}").join(",")}]` });
    expect(many).toMatchObject({ status: 413, json: { code: "TOO_MANY_ITEMS" } });
    const command = { op: "enroll", key: "k", volunteer: "v0002", community: BANK_C };
    const hundredThousand = await api("POST", "/timebank/commands", {
      actor: tl1,
      body: Array.from({ length: 100_000 }, (_, i) => ({ ...command, key: `k${i}` })),
    });
    expect(hundredThousand.status).toBe(413);
    expect(["PAYLOAD_TOO_LARGE", "TOO_MANY_ITEMS"]).toContain(hundredThousand.json.code);
    const huge = await api("POST", "/timebank/commands", { actor: tl1, raw: `"${"x".repeat(30_000_000)}"` });
    expect(huge).toMatchObject({ status: 413, json: { code: "PAYLOAD_TOO_LARGE" } });
    expect((await api("GET", "/timebank/accounts/v0002", { actor: tl1 })).status).toBe(404);
  });

  it("answers a lone surrogate or a NUL in a key with 400, and the journal still verifies", async () => {
    for (const [raw, code] of [
      ['{"op":"enroll","key":"k\\ud800","volunteer":"v0003","community":"d01-c033"}', "MALFORMED_TEXT"],
      ['{"op":"enroll","key":"k\\u0000","volunteer":"v0003","community":"d01-c033"}', "CONTROL_CHARACTER"],
    ] as const) {
      const r = await api("POST", "/timebank/commands", { actor: tl1, raw });
      expect(r.status, code).toBe(400);
      expect(JSON.stringify(r.json)).toContain(code);
    }
    expect((await server.flow.timebank.verifyJournal()).ok).toBe(true);
    await server.flow.timebank.refresh();
    expect((await server.flow.timebank.verifyJournal()).ok).toBe(true);
  });

  it("never echoes personal data in an answer", async () => {
    const answers = [
      await api("POST", "/timebank/commands", {
        actor: tl1,
        body: { op: "enroll", key: "张三-13800138000", volunteer: "v0004", community: BANK_C },
      }),
      await api("GET", "/timebank/accounts/110105194707100011", { actor: tl1 }),
      await api("POST", "/requests", { actor: staff, raw: '{"id": "r9", "name": "林芳丽", "phone": 13800138000' }),
      await api("POST", "/requests", {
        actor: staff,
        body: { id: "r9", communityId: C, personId: "p000101", phone: "13800138000" },
      }),
      await api("POST", "/timebank/commands", {
        actor: tl1,
        body: [{ op: "enroll", key: "ok-1", volunteer: "13800138000", community: BANK_C }],
      }),
    ];
    for (const a of answers) {
      expect(Array.isArray(a.json) ? a.json.every((r: { ok: boolean }) => !r.ok) : a.status >= 400).toBe(true);
      expect(a.text).not.toMatch(PERSONAL);
      expect(a.text).not.toMatch(/张三|林芳丽/);
    }
  });

  it("keeps everything across a restart on the same store", async () => {
    await server.close();
    server = await startServer({ store, clock, port: 0, authenticate: testAuthenticate });
    const r1 = await api("GET", "/requests/r1", { actor: staff });
    expect(r1.json).toMatchObject({ state: "done", version: 5 });
    const account = await api("GET", "/timebank/accounts/v0001", { actor: cs1 });
    expect(account.json).toMatchObject({ earnedMinutes: 150, reservedMinutes: 30 });
    const tasks = await api("GET", "/tasks?kind=birthday_visit", { actor: staff });
    expect(tasks.json).toHaveLength(3);
  });
});

describe("the token file", () => {
  const dir = mkdtempSync(join(tmpdir(), "ef-http-tokens-"));
  const file = join(dir, "tokens.json");
  let server: RunningServer;
  const get = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, { headers });
    return { status: res.status, json: await res.json() };
  };

  beforeAll(async () => {
    writeFileSync(
      file,
      JSON.stringify([
        { token: "staff-token-0123456789abcdef", actor: { id: "s1", roles: ["hotline_staff"], communities: [C] } },
        { token: "bureau-token-0123456789abcdef", actor: { id: "b1", roles: ["bureau"], communities: [] } },
      ]),
    );
    server = await startServer({
      store: { kind: "memory" },
      clock: manualClock("2027-03-01T09:00:00+08:00"),
      port: 0,
      authenticate: tokenAuthenticator(loadTokenFile(file)),
    });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("authenticates each token as its actor and nobody else", async () => {
    const staffRun = await fetch(`${server.url}/timers/run`, {
      method: "POST",
      headers: { authorization: "Bearer staff-token-0123456789abcdef", "x-actor-role": "bureau" },
    });
    expect(staffRun.status).toBe(403);
    const bureauRun = await fetch(`${server.url}/timers/run`, {
      method: "POST",
      headers: { authorization: "Bearer bureau-token-0123456789abcdef" },
    });
    expect(bureauRun.status).toBe(200);
    for (const authorization of [
      "Bearer staff-token-0123456789abcdeX",
      "Bearer staff",
      "staff-token-0123456789abcdef",
      "",
    ])
      expect(await get("/tasks", { authorization })).toMatchObject({ status: 401, json: { code: "UNAUTHENTICATED" } });
  });

  it("refuses a bad token file with a typed error that quotes nothing", () => {
    writeFileSync(join(dir, "bad.json"), '[{"token": "林芳丽 13800138000"');
    const error = (() => {
      try {
        loadTokenFile(join(dir, "bad.json"));
      } catch (e) {
        return e as { code?: string; message?: string };
      }
    })();
    expect(error?.code).toBe("INVALID_JSON");
    expect(JSON.stringify(error)).not.toMatch(/林芳丽|13800138000/);
    expect(() => loadTokenFile(join(dir, "missing.json"))).toThrow(expect.objectContaining({ code: "FILE_NOT_FOUND" }));
    writeFileSync(join(dir, "short.json"), JSON.stringify([{ token: "short", actor: { id: "s1", roles: ["cadre"] } }]));
    expect(() => loadTokenFile(join(dir, "short.json"))).toThrow(expect.objectContaining({ code: "TOO_SMALL" }));
  });
});

describe("the data folder", () => {
  it("is created with its missing parents on a fresh clone, never a raw ENOENT", async () => {
    const root = mkdtempSync(join(tmpdir(), "ef-http-fresh-"));
    try {
      const store = await storeFromEnv({ ELDERFLOW_DATA_DIR: join(root, ".elderflow", "http-service") });
      const server = await startServer({ store, clock: manualClock("2027-03-01T09:00:00+08:00"), port: 0 });
      await server.close();
      expect(existsSync(join(root, ".elderflow", "http-service"))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
