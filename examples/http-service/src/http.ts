/**
 * The HTTP edge: reading JSON bodies through zod schemas, the acting user from headers, and
 * turning every `ElderflowError` into a JSON answer with the right status. Nothing from the input
 * is echoed back in an error: the error JSON carries a code, a path and catalogue messages only.
 */
import { ElderflowError, type ErrorCode, isElderflowError, parseWith } from "@elderflow/core";
import type { WorkflowActor } from "@elderflow/workflow";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ActorSchema } from "./schemas";

const BAD_REQUEST = new Set<ErrorCode>([
  "INVALID_INPUT",
  "INVALID_TYPE",
  "REQUIRED",
  "UNKNOWN_FIELD",
  "INVALID_ENUM",
  "INVALID_DATE",
  "INVALID_INSTANT",
  "FUTURE_DATE",
  "DATE_ORDER",
  "INVALID_ID_NUMBER",
  "ID_NUMBER_CHECKSUM",
  "ID_NUMBER_BIRTH_DATE_MISMATCH",
  "ID_NUMBER_GENDER_MISMATCH",
  "INVALID_PHONE",
  "UNKNOWN_RANK",
  "UNKNOWN_TIME_ZONE",
  "TOO_SMALL",
  "TOO_BIG",
  "INVALID_FORMAT",
  "INVALID_JSON",
  "INVALID_LUNAR_DATE",
  "OUT_OF_RANGE",
  "UNKNOWN_EVENT",
  "USAGE",
]);
const NOT_FOUND = new Set<ErrorCode>(["NOT_FOUND", "UNKNOWN_INSTANCE", "UNKNOWN_MACHINE", "UNKNOWN_ACCOUNT"]);
const FORBIDDEN = new Set<ErrorCode>([
  "WRONG_ROLE",
  "WRONG_COMMUNITY",
  "NOT_AUTHORIZED",
  "SELF_REGISTRATION",
  "SELF_VERIFICATION",
  "NOT_CERTIFIED",
]);
const CONFLICT = new Set<ErrorCode>([
  "CONCURRENT_UPDATE",
  "EVENT_NOT_ALLOWED",
  "DUPLICATE_ID",
  "IDEMPOTENCY_CONFLICT",
  "NOT_PENDING",
  "NOT_REVERSIBLE",
  "PERIOD_CLOSED",
]);

/**
 * The HTTP status for an error code: 400 bad input, 403 not allowed, 404 unknown, 409 conflicts
 * with the current state, 422 for the remaining business refusals (e.g. insufficient balance).
 */
export function statusFor(code: ErrorCode): ContentfulStatusCode {
  if (BAD_REQUEST.has(code)) return 400;
  if (NOT_FOUND.has(code)) return 404;
  if (FORBIDDEN.has(code)) return 403;
  if (CONFLICT.has(code)) return 409;
  if (code === "INTERNAL") return 500;
  return 422;
}

/** Answers an error: an `ElderflowError` as its JSON; anything else as a bare `INTERNAL` (details stay in the log). */
export function errorResponse(error: unknown, c: Context): Response {
  if (isElderflowError(error)) return c.json(error.toJSON(), statusFor(error.code));
  // Only the error's class goes to the log: messages of driver errors can quote input values.
  console.error(`[http-service] unexpected ${error instanceof Error ? error.name : typeof error}`);
  return c.json(new ElderflowError("INTERNAL", { params: { detail: "unexpected error" } }).toJSON(), 500);
}

/** Reads the request body as JSON; a missing or malformed body is `INVALID_JSON` (the body is never quoted). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw new ElderflowError("INVALID_JSON", { params: { detail: "the body is empty" } });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ElderflowError("INVALID_JSON", { params: { detail: "the body is not valid JSON" } });
  }
}

/** Reads and validates a JSON body with a zod schema; bad input throws an `ElderflowError` naming every issue. */
export async function body<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const r = parseWith(schema, await readJson(c));
  if (!r.ok) throw r.error;
  return r.value;
}

/** Validates any value (query parameters, path parameters) with a zod schema, under a path prefix. */
export function check<S extends z.ZodType>(schema: S, value: unknown, path: readonly (string | number)[]): z.output<S> {
  const r = parseWith(schema, value, path);
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * The acting user, from `x-actor-id`, `x-actor-role`, `x-actor-community` and `x-actor-org`.
 * A deployment puts its authentication in front of this and sets these from the verified session.
 */
export function actorOf(c: Context): WorkflowActor {
  const raw: Record<string, string> = {};
  for (const [header, key] of [
    ["x-actor-id", "id"],
    ["x-actor-role", "role"],
    ["x-actor-community", "communityId"],
    ["x-actor-org", "orgId"],
  ] as const) {
    const v = c.req.header(header);
    if (v !== undefined) raw[key] = v;
  }
  const actor = check(ActorSchema, raw, ["actor"]);
  return {
    id: actor.id,
    role: actor.role,
    ...(actor.communityId === undefined ? {} : { communityId: actor.communityId }),
    ...(actor.orgId === undefined ? {} : { orgId: actor.orgId }),
  };
}
