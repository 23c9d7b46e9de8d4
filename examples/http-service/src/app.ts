/**
 * The HTTP API over a wired Elderflow system (`createElderflow` from `elderflow`): hotline service
 * requests and service entries through the workflow engine, the time bank, birthday rosters, and
 * an Open311 GeoReport v2 pair. Handlers parse at the edge and call the packages; no domain logic
 * lives here.
 */
import {
  type Clock,
  createIdGenerator,
  ElderflowError,
  IdSchema,
  IsoDateSchema,
  type Person,
  parseWith,
  personSchema,
  today,
  type Volunteer,
} from "@elderflow/core";
import { type BirthdaySkip, birthdayRoster } from "@elderflow/schedule";
import {
  type CommandResult,
  noticeToCsv,
  noticeToHtml,
  PeriodSchema,
  periodOf,
  TimeBankCommand,
  type TimeBankCommand as TimeBankCommandType,
} from "@elderflow/timebank";
import { exportAudit, fromOpen311, toOpen311, type WorkflowActor, type WorkflowInstance } from "@elderflow/workflow";
import { type Elderflow, policy } from "elderflow";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { actorOf, body, check, errorResponse, readJson, statusFor } from "./http";
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

function queryOf(c: Context): Record<string, string> {
  return c.req.query();
}

/** Parameters for a refused time-bank command's message, taken from the command (ids and numbers only). */
function refusal(
  result: Extract<CommandResult, { ok: false }>,
  command: TimeBankCommandType,
  flow: Elderflow,
): ElderflowError {
  const params: Record<string, string | number> = { key: command.key };
  if ("volunteer" in command) {
    params.account = command.volunteer;
    if ("minutes" in command && result.code === "INSUFFICIENT_BALANCE") {
      params.requested = command.minutes;
      params.available = flow.timebank.account(command.volunteer)?.availableMinutes ?? 0;
    }
  } else if ("person" in command) params.account = command.person;
  if ("period" in command) params.period = command.period;
  else if ("on" in command) params.period = periodOf(command.on);
  return new ElderflowError(result.code, { params });
}

/**
 * Builds the Hono application. Every route reads the acting user from the `x-actor-*` headers
 * (see README), validates its body with a zod schema, and answers errors as ElderflowError JSON.
 *
 * @example
 * ```ts
 * const app = createApp({ flow, persons: district.persons, volunteers: district.volunteers });
 * serve({ fetch: app.fetch, port: 8787 });
 * ```
 */
export function createApp(options: AppOptions): Hono {
  const { flow } = options;
  const clock: Clock = flow.clock;
  const nextId = createIdGenerator({ clock });
  const names = new Map<string, string>();
  for (const p of options.persons) names.set(p.id, p.name);
  for (const v of options.volunteers) names.set(v.id, v.name);
  const nameOf = (id: string) => names.get(id);
  const celebrates = policy.createBirthdayCheck();

  const app = new Hono();
  app.onError((error, c) => errorResponse(error, c));
  app.notFound((c) => c.json(new ElderflowError("NOT_FOUND", { params: { what: "route" } }).toJSON(), 404));

  app.get("/health", (c) => c.json({ ok: true, today: today(clock) }));

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

  async function instanceOf(c: Context, machine: string): Promise<WorkflowInstance> {
    const id = check(IdSchema, c.req.param("id"), ["id"]);
    const instance = await flow.workflows.query(id, actorOf(c));
    if (instance.machine !== machine) throw new ElderflowError("UNKNOWN_INSTANCE", { params: { instance: id } });
    return instance;
  }

  async function sendEvent(c: Context, machine: string) {
    const actor = actorOf(c);
    const event = await body(c, EventBody);
    await instanceOf(c, machine);
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

  async function list(c: Context, machine: string) {
    const actor = actorOf(c);
    const q = check(ListQuery, queryOf(c), ["query"]);
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
    const actor = actorOf(c);
    const r = await startRequest(await body(c, StartRequestBody), actor);
    return c.json(r, r.duplicate ? 200 : 201);
  });
  app.get("/requests", (c) => list(c, "serviceRequest"));
  app.get("/requests/:id", async (c) => c.json(await instanceOf(c, "serviceRequest")));
  app.get("/requests/:id/history", async (c) => {
    const instance = await instanceOf(c, "serviceRequest");
    return c.json(exportAudit(await flow.workflows.history(instance.id, actorOf(c))));
  });
  app.post("/requests/:id/events", (c) => sendEvent(c, "serviceRequest"));

  app.post("/service-entries", async (c) => {
    const actor = actorOf(c);
    const { id, ...input } = await body(c, StartServiceEntryBody);
    // The entry id is also the time bank's idempotency key of the posting (`svc:<id>`).
    const r = await flow.workflows.start("verification", { id, input: { ...input, entryId: id }, actor });
    await flow.pump();
    return c.json(r, r.duplicate ? 200 : 201);
  });
  app.get("/service-entries", (c) => list(c, "verification"));
  app.get("/service-entries/:id", async (c) => c.json(await instanceOf(c, "verification")));
  app.post("/service-entries/:id/events", (c) => sendEvent(c, "verification"));

  // Fires due timers (SLA breaches, re-dispatch, weekly checks); a deployment calls this from a job runner.
  app.post("/timers/run", async (c) => {
    const actor = actorOf(c);
    if (actor.role !== "bureau" && actor.role !== "system")
      throw new ElderflowError("WRONG_ROLE", {
        path: ["actor", "role"],
        params: { role: actor.role, event: "timers" },
      });
    return c.json(await flow.tick());
  });

  app.get("/tasks", async (c) => {
    actorOf(c);
    const kind = check(
      z.enum(["birthday_visit", "hospital_visit", "holiday_visit", "missed_contact_alert", "cadence_alert"]).optional(),
      c.req.query("kind"),
      ["query", "kind"],
    );
    return c.json(await flow.tasks.list(kind));
  });

  // ---- time bank (rule 13, 14)

  app.post("/timebank/commands", async (c) => {
    actorOf(c);
    const raw = await readJson(c);
    if (Array.isArray(raw)) {
      // A batch answers item by item: one bad command never stops the rest.
      const valid: TimeBankCommandType[] = [];
      const slots = raw.map((item, index) => {
        const r = parseWith(TimeBankCommand, item, [index]);
        if (!r.ok) return { index, error: r.error.toJSON() };
        valid.push(r.value);
        return { index, at: valid.length - 1 };
      });
      const results = valid.length > 0 ? await flow.timebank.submitMany(valid) : [];
      return c.json(slots.map((s) => ("at" in s ? { index: s.index, ...results[s.at] } : { ...s, ok: false })));
    }
    const command = check(TimeBankCommand, raw, []);
    const result = await flow.timebank.submit(command);
    if (result.ok) return c.json(result);
    const error = refusal(result, command, flow);
    return c.json({ ...result, error: error.toJSON() }, statusFor(result.code));
  });

  app.get("/timebank/accounts", (c) => {
    actorOf(c);
    return c.json(flow.timebank.accounts());
  });
  app.get("/timebank/accounts/:volunteer", async (c) => {
    actorOf(c);
    const volunteer = check(IdSchema, c.req.param("volunteer"), ["volunteer"]);
    const account = await flow.timebank.readAccount(volunteer);
    if (account === undefined) throw new ElderflowError("UNKNOWN_ACCOUNT", { params: { account: volunteer } });
    return c.json(account);
  });
  // 公示: the quarterly public notice, names masked by the time bank.
  app.get("/timebank/notices/:community/:period", (c) => {
    const community = check(IdSchema, c.req.param("community"), ["community"]);
    const period = check(PeriodSchema, c.req.param("period"), ["period"]);
    const { format } = check(NoticeQuery, queryOf(c), ["query"]);
    const notice = flow.timebank.publicNotice(community, period, { nameOf });
    if (format === "csv") return c.body(noticeToCsv(notice), 200, { "content-type": "text/csv; charset=utf-8" });
    if (format === "html") return c.html(noticeToHtml(notice));
    return c.json(notice);
  });
  app.get("/timebank/certificates/:volunteer", (c) => {
    actorOf(c);
    const volunteer = check(IdSchema, c.req.param("volunteer"), ["volunteer"]);
    const certificate = flow.timebank.certificate(volunteer, { nameOf });
    if (certificate === undefined) throw new ElderflowError("UNKNOWN_ACCOUNT", { params: { account: volunteer } });
    return c.json(certificate);
  });

  // ---- birthday rosters (rule 1)

  app.get("/rosters/birthdays", (c) => {
    actorOf(c);
    const q = check(RosterQuery, queryOf(c), ["query"]);
    const persons =
      q.communityId === undefined ? options.persons : options.persons.filter((p) => p.communityId === q.communityId);
    return c.json(birthdayRoster(persons, { from: q.from, to: q.to, isCelebration: celebrates }));
  });
  app.post("/rosters/birthdays", async (c) => {
    actorOf(c);
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
    if (r.plan) return c.json({ entries: await flow.planBirthdayVisits(r.persons, window), planned: true });
    return c.json({ entries: birthdayRoster(r.persons, { ...window, isCelebration: celebrates }), planned: false });
  });

  // ---- Open311 GeoReport v2 (jurisdiction_id = community id; account_id = person id)

  app.post("/open311/v2/requests.json", async (c) => {
    const actor = actorOf(c);
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
    await flow.workflows.start("serviceRequest", { id, input: { ...input }, actor });
    await flow.pump();
    return c.json([{ service_request_id: id, service_notice: null, account_id: args.account_id }], 201);
  });
  app.get("/open311/v2/requests.json", async (c) => {
    const actor = actorOf(c);
    const q = check(Open311Query, queryOf(c), ["query"]);
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
