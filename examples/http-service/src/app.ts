/**
 * The HTTP API over a wired Elderflow system (`createElderflow` from `elderflow`): hotline service
 * requests and service entries through the workflow engine, the time bank, birthday rosters, and
 * an Open311 GeoReport v2 pair. Handlers parse at the edge and call the packages; no domain logic
 * lives here.
 */
import {
  ACTOR_ROLES,
  type ActorRole,
  actorReaches,
  type Clock,
  createIdGenerator,
  ElderflowError,
  IdSchema,
  IsoDateSchema,
  isDistrictActor,
  type Person,
  parseWith,
  personSchema,
  today,
  type Volunteer,
} from "@elderflow/core";
import { type BirthdaySkip, birthdayRoster } from "@elderflow/schedule";
import {
  type ActingTimeBank,
  type CommandResult,
  noticeToCsv,
  noticeToHtml,
  PeriodSchema,
  periodOf,
  TimeBankCommand,
  type TimeBankCommand as TimeBankCommandType,
} from "@elderflow/timebank";
import {
  exportAudit,
  fromOpen311,
  toOpen311,
  type WorkflowActor,
  type WorkflowInstance,
  workflowActor,
} from "@elderflow/workflow";
import { type Elderflow, policy } from "elderflow";
import { type Context, Hono } from "hono";
import { z } from "zod";
import {
  type Authenticate,
  authenticated,
  body,
  boundedBody,
  callerOf,
  check,
  DEFAULT_LIMITS,
  type Env,
  errorResponse,
  type RequestLimits,
  readJson,
  statusFor,
} from "./http";
import {
  EventBody,
  Open311Body,
  RosterBody,
  StartRequestBody,
  type StartRequestBody as StartRequestBodyType,
  StartServiceEntryBody,
} from "./schemas";

/** What the API needs besides the wired system: the district's people, for rosters and masked names. */
export interface AppOptions {
  /** The wired Elderflow system. */
  readonly flow: Elderflow;
  /** Retired cadres of the district (the roster of `GET /rosters/birthdays`). */
  readonly persons: readonly Person[];
  /** Volunteers (their names appear masked on notices and certificates). */
  readonly volunteers: readonly Pick<Volunteer, "id" | "name">[];
  /** Who is calling (e.g. {@link tokenAuthenticator}); a request it does not know is answered 401. */
  readonly authenticate: Authenticate;
  /** Body size and batch length (default 1 MB and 1,000 commands). */
  readonly limits?: RequestLimits;
}

const ListQuery = z.strictObject({
  state: z
    .string()
    .regex(/^[A-Za-z_.]{1,80}$/)
    .optional(),
  communityId: IdSchema.optional(),
  active: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const RosterQuery = z.strictObject({
  from: IsoDateSchema,
  to: IsoDateSchema,
  communityId: IdSchema.optional(),
});

const NoticeQuery = z.strictObject({ format: z.enum(["json", "csv", "html"]).default("json") });

const Open311Query = z.looseObject({
  jurisdiction_id: IdSchema.optional(),
  service_request_id: z
    .string()
    .regex(/^[A-Za-z0-9_.:,-]{1,2000}$/)
    .optional(),
  status: z.enum(["open", "closed"]).optional(),
});

function queryOf(c: Context<Env>): Record<string, string> {
  const { as: _role, ...rest } = c.req.query();
  return rest;
}

/** Parameters for a refused time-bank command's message: numbers and the period only, never ids or keys. */
function refusal(
  result: Extract<CommandResult, { ok: false }>,
  command: TimeBankCommandType,
  bank: ActingTimeBank,
): ElderflowError {
  const params: Record<string, string | number> = {};
  if ("volunteer" in command && "minutes" in command && result.code === "INSUFFICIENT_BALANCE") {
    params.requested = command.minutes;
    params.available = bank.account(command.volunteer)?.availableMinutes ?? 0;
  }
  if ("period" in command) params.period = command.period;
  else if ("on" in command) params.period = periodOf(command.on);
  return new ElderflowError(result.code, { params });
}

const RoleQuery = z.enum(ACTOR_ROLES);

/**
 * Builds the Hono application. Every route but `/health` needs an authenticated caller
 * (`Authorization: Bearer <token>` with the shipped token authenticator); the caller's actor goes to
 * the engines, which check roles, communities and that `by`/`registeredBy` name the caller. A
 * caller with several roles picks one for a workflow event with `?as=<role>`. Bodies are bounded
 * (413), validated with zod schemas, and errors are answered as ElderflowError JSON.
 *
 * @example
 * ```ts
 * const app = createApp({ flow, persons: district.persons, volunteers: district.volunteers, authenticate });
 * serve({ fetch: app.fetch, port: 8787 });
 * ```
 */
export function createApp(options: AppOptions): Hono<Env> {
  const { flow } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const clock: Clock = flow.clock;
  const nextId = createIdGenerator({ clock });
  const names = new Map<string, string>();
  for (const p of options.persons) names.set(p.id, p.name);
  for (const v of options.volunteers) names.set(v.id, v.name);
  const nameOf = (id: string) => names.get(id);
  const celebrates = policy.createBirthdayCheck();

  const app = new Hono<Env>();
  app.onError((error, c) => errorResponse(error, c));
  app.notFound((c) => c.json(new ElderflowError("NOT_FOUND", { params: { what: "route" } }).toJSON(), 404));

  app.get("/health", (c) => c.json({ ok: true, today: today(clock) }));
  // Strangers are turned away before their body is read; then no body may exceed the limit.
  app.use("*", authenticated(options.authenticate));
  app.use("*", boundedBody(limits.maxBodyBytes));

  /** The caller's actor. */
  const actorOf = (c: Context<Env>) => callerOf(c).actor;
  /** The time bank as the caller. */
  const bankOf = (c: Context<Env>) => flow.timebank.as(actorOf(c));

  /**
   * The caller as a workflow actor in one role (`?as=`, else its first role) and one community:
   * `workflowActor` refuses a role the caller does not hold or a community it does not reach.
   */
  function workflowCaller(c: Context<Env>, communityId?: string): WorkflowActor {
    const { actor, orgId } = callerOf(c);
    const as = c.req.query("as");
    const role: ActorRole = as === undefined ? (actor.roles[0] as ActorRole) : check(RoleQuery, as, ["query", "as"]);
    const community =
      communityId ?? (isDistrictActor(actor) || actor.communities.length !== 1 ? undefined : actor.communities[0]);
    return workflowActor(actor, role, community, orgId);
  }

  // ---- workflows: hotline service requests (rule 7) and service entries (rule 13)

  async function startRequest(input: StartRequestBodyType, actor: WorkflowActor) {
    const started = await flow.workflows.start("serviceRequest", {
      id: input.id,
      actor,
      input: {
        communityId: input.communityId,
        personId: input.personId,
        channel: input.channel,
        ...(input.serviceKind === undefined ? {} : { serviceKind: input.serviceKind }),
        ...(input.location === undefined ? {} : { lat: input.location.lat, lng: input.location.lng }),
      },
    });
    await flow.pump();
    return started;
  }

  /**
   * An instance the caller may see: its community is looked up by the host, and an instance of a
   * community the caller does not reach is answered as unknown (its existence is not disclosed).
   */
  async function instanceOf(
    c: Context<Env>,
    machine: string,
  ): Promise<{ instance: WorkflowInstance; actor: WorkflowActor }> {
    const id = check(IdSchema, c.req.param("id"), ["id"]);
    const unknown = new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: "id" } });
    const seen = await flow.workflows.query(id, { id: flow.host.id, role: "system" }).catch(() => undefined);
    if (seen === undefined || seen.machine !== machine || !actorReaches(actorOf(c), seen.communityId)) throw unknown;
    const actor = workflowCaller(c, seen.communityId);
    return { instance: await flow.workflows.query(id, actor), actor };
  }

  async function sendEvent(c: Context<Env>, machine: string) {
    const event = await body(c, EventBody);
    const { actor } = await instanceOf(c, machine);
    const result = await flow.workflows.send(c.req.param("id") as string, {
      id: event.id,
      type: event.type,
      actor,
      ...(event.payload === undefined ? {} : { payload: event.payload }),
      ...(event.expectedVersion === undefined ? {} : { expectedVersion: event.expectedVersion }),
    });
    const pumped = await flow.pump();
    return c.json({ ...result, pumped });
  }

  async function list(c: Context<Env>, machine: string) {
    const q = check(ListQuery, queryOf(c), ["query"]);
    const actor = workflowCaller(c, q.communityId);
    const instances = await flow.workflows.list(
      {
        machine,
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.communityId === undefined ? {} : { communityId: q.communityId }),
        ...(q.active === undefined ? {} : { activeOnly: q.active === "true" }),
        ...(q.limit === undefined ? {} : { limit: q.limit }),
      },
      actor,
    );
    return c.json(instances);
  }

  app.post("/requests", async (c) => {
    const input = await body(c, StartRequestBody);
    const r = await startRequest(input, workflowCaller(c, input.communityId));
    return c.json(r, r.duplicate ? 200 : 201);
  });
  app.get("/requests", (c) => list(c, "serviceRequest"));
  app.get("/requests/:id", async (c) => c.json((await instanceOf(c, "serviceRequest")).instance));
  app.get("/requests/:id/history", async (c) => {
    const { instance, actor } = await instanceOf(c, "serviceRequest");
    return c.json(exportAudit(await flow.workflows.history(instance.id, actor)));
  });
  app.post("/requests/:id/events", (c) => sendEvent(c, "serviceRequest"));

  app.post("/service-entries", async (c) => {
    const { id, ...input } = await body(c, StartServiceEntryBody);
    // The entry id names the time bank's posting (`svc/r/<id>`, `svc/v/<id>`).
    const actor = workflowCaller(c, input.communityId);
    const r = await flow.workflows.start("verification", { id, input: { ...input, entryId: id }, actor });
    await flow.pump();
    return c.json(r, r.duplicate ? 200 : 201);
  });
  app.get("/service-entries", (c) => list(c, "verification"));
  app.get("/service-entries/:id", async (c) => c.json((await instanceOf(c, "verification")).instance));
  app.post("/service-entries/:id/events", (c) => sendEvent(c, "verification"));

  // Fires due timers (SLA breaches, re-dispatch, weekly checks); a deployment calls this from a job runner.
  app.post("/timers/run", async (c) => {
    const actor = actorOf(c);
    if (!actor.roles.includes("bureau") && !actor.roles.includes("system"))
      throw new ElderflowError("WRONG_ROLE", {
        path: ["actor", "roles"],
        params: { role: actor.roles[0] ?? "none", event: "timers" },
      });
    return c.json(await flow.tick());
  });

  app.get("/tasks", async (c) => {
    const kind = check(
      z.enum(["birthday_visit", "hospital_visit", "holiday_visit", "missed_contact_alert", "cadence_alert"]).optional(),
      c.req.query("kind"),
      ["query", "kind"],
    );
    return c.json(await flow.tasks.list(actorOf(c), kind));
  });

  // ---- time bank (rule 13, 14)

  app.post("/timebank/commands", async (c) => {
    const bank = bankOf(c);
    const raw = await readJson(c);
    if (Array.isArray(raw)) {
      if (raw.length > limits.maxBatch)
        throw new ElderflowError("TOO_MANY_ITEMS", { path: [], params: { maximum: limits.maxBatch } });
      // A batch answers item by item: one bad command never stops the rest.
      const valid: TimeBankCommandType[] = [];
      const slots = raw.map((item, index) => {
        const r = parseWith(TimeBankCommand, item, [index]);
        if (!r.ok) return { index, error: r.error.toJSON() };
        valid.push(r.value);
        return { index, at: valid.length - 1 };
      });
      const results = valid.length > 0 ? await bank.submitMany(valid) : [];
      return c.json(slots.map((s) => ("at" in s ? { index: s.index, ...results[s.at] } : { ...s, ok: false })));
    }
    const command = check(TimeBankCommand, raw, []);
    const result = await bank.submit(command);
    if (result.ok) return c.json(result);
    const error = refusal(result, command, bank);
    return c.json({ ...result, error: error.toJSON() }, statusFor(result.code));
  });

  // Reads go through the caller's view of the bank: another community's account is unknown.
  app.get("/timebank/accounts", (c) => c.json(bankOf(c).accounts()));
  app.get("/timebank/accounts/:volunteer", async (c) => {
    const volunteer = check(IdSchema, c.req.param("volunteer"), ["volunteer"]);
    const account = await bankOf(c).readAccount(volunteer);
    if (account === undefined) throw new ElderflowError("UNKNOWN_ACCOUNT");
    return c.json(account);
  });
  // 公示: the quarterly public notice, names masked by the time bank.
  app.get("/timebank/notices/:community/:period", (c) => {
    const community = check(IdSchema, c.req.param("community"), ["community"]);
    const period = check(PeriodSchema, c.req.param("period"), ["period"]);
    const { format } = check(NoticeQuery, queryOf(c), ["query"]);
    const notice = bankOf(c).publicNotice(community, period, { nameOf });
    if (format === "csv") return c.body(noticeToCsv(notice), 200, { "content-type": "text/csv; charset=utf-8" });
    if (format === "html") return c.html(noticeToHtml(notice));
    return c.json(notice);
  });
  app.get("/timebank/certificates/:volunteer", (c) => {
    const volunteer = check(IdSchema, c.req.param("volunteer"), ["volunteer"]);
    const certificate = bankOf(c).certificate(volunteer, { nameOf });
    if (certificate === undefined) throw new ElderflowError("UNKNOWN_ACCOUNT");
    return c.json(certificate);
  });

  // ---- birthday rosters (rule 1)

  // The district's roster: only the cadres of the communities the caller reaches.
  app.get("/rosters/birthdays", (c) => {
    const actor = actorOf(c);
    const q = check(RosterQuery, queryOf(c), ["query"]);
    if (q.communityId !== undefined && !actorReaches(actor, q.communityId))
      throw new ElderflowError("WRONG_COMMUNITY", { path: ["query", "communityId"] });
    const persons = options.persons.filter(
      (p) => (q.communityId === undefined || p.communityId === q.communityId) && actorReaches(actor, p.communityId),
    );
    return c.json(birthdayRoster(persons, { from: q.from, to: q.to, isCelebration: celebrates }));
  });
  app.post("/rosters/birthdays", async (c) => {
    // Persons are checked against today: a birth date in the future is refused with its path.
    const schema = RosterBody.extend({
      persons: z
        .array(personSchema({ today: today(clock) }))
        .min(1)
        .max(100_000),
    });
    const r = await body(c, schema);
    const skip: BirthdaySkip = {
      ...(r.skip?.gregorian === undefined ? {} : { gregorian: r.skip.gregorian }),
      ...(r.skip?.lunar === undefined ? {} : { lunar: r.skip.lunar }),
    };
    const window = { from: r.from, to: r.to, skip };
    if (r.plan) return c.json({ entries: await flow.planBirthdayVisits(r.persons, window, actorOf(c)), planned: true });
    return c.json({ entries: birthdayRoster(r.persons, { ...window, isCelebration: celebrates }), planned: false });
  });

  // ---- Open311 GeoReport v2 (jurisdiction_id = community id; account_id = person id)

  app.post("/open311/v2/requests.json", async (c) => {
    const type = c.req.header("content-type") ?? "";
    const raw = type.startsWith("application/x-www-form-urlencoded")
      ? Object.fromEntries(new URLSearchParams(await c.req.text()))
      : await readJson(c);
    const { lat, long, ...args } = check(Open311Body, raw, []);
    const input = fromOpen311(
      { ...args, ...(lat === undefined ? {} : { lat }), ...(long === undefined ? {} : { long }) },
      args.jurisdiction_id,
    );
    const id = nextId();
    const actor = workflowCaller(c, args.jurisdiction_id);
    await flow.workflows.start("serviceRequest", { id, input: { ...input }, actor });
    await flow.pump();
    return c.json([{ service_request_id: id, service_notice: null, account_id: args.account_id }], 201);
  });
  app.get("/open311/v2/requests.json", async (c) => {
    const q = check(Open311Query, queryOf(c), ["query"]);
    const actor = workflowCaller(c, q.jurisdiction_id);
    let instances: WorkflowInstance[];
    if (q.service_request_id !== undefined) {
      instances = [];
      for (const id of q.service_request_id.split(",")) {
        const instance = await flow.workflows.query(check(IdSchema, id, ["query", "service_request_id"]), actor);
        if (instance.machine === "serviceRequest") instances.push(instance);
      }
    } else
      instances = await flow.workflows.list(
        {
          machine: "serviceRequest",
          ...(q.jurisdiction_id === undefined ? {} : { communityId: q.jurisdiction_id }),
          limit: 1000,
        },
        actor,
      );
    const out = instances.map((i) => toOpen311(i, clock.zone));
    return c.json(q.status === undefined ? out : out.filter((r) => r.status === q.status));
  });

  return app;
}
