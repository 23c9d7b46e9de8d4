/**
 * The HTTP edge: who is calling (a bearer token through a pluggable `authenticate`), bounded bodies,
 * reading JSON through zod schemas, and turning every `ElderflowError` into a JSON answer with the
 * right status. Nothing from the input is echoed back in an error: the error JSON carries a code, a
 * path and catalogue messages only.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  Actor,
  ElderflowError,
  type ErrorCode,
  IdSchema,
  isElderflowError,
  parseJsonText,
  parseWith,
} from "@elderflow/core";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

const BAD_REQUEST = new Set<ErrorCode>([
  "INVALID_INPUT",
  "MALFORMED_TEXT",
  "CONTROL_CHARACTER",
  "NOT_NORMALIZED",
  "PERSONAL_DATA_IN_ID",
  "TOO_DEEP",
  "RESERVED_ID",
  "NOT_A_NUMBER",
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
  "ACTOR_MISMATCH",
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
 * The HTTP status for an error code: 400 bad input, 401 not authenticated, 403 not allowed, 404
 * unknown, 409 conflicts with the current state, 413 too large, 422 for the remaining business
 * refusals (e.g. insufficient balance).
 *
 * @example
 * ```ts
 * statusFor("ACTOR_MISMATCH"); // 403
 * ```
 */
export function statusFor(code: ErrorCode): ContentfulStatusCode {
  if (code === "UNAUTHENTICATED") return 401;
  if (code === "PAYLOAD_TOO_LARGE" || code === "TOO_MANY_ITEMS") return 413;
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

/** Reads the request body as JSON; a malformed body is `INVALID_JSON` with a line and column (the body is never quoted). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") throw new ElderflowError("INVALID_JSON", { params: { line: 1, column: 1 } });
  return parseJsonText(text);
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

// ---- who is calling

/** The authenticated caller: the core actor, and the organisation it acts for (a service point). */
export interface Caller {
  /** The actor every engine checks. */
  readonly actor: Actor;
  /** The organisation it acts for (a service point id), if any. */
  readonly orgId?: string;
}

/**
 * Who is calling, from the request, or undefined for an unknown caller (answered 401
 * `UNAUTHENTICATED`). A deployment plugs in its own (session, mTLS, an identity provider); the
 * example ships {@link tokenAuthenticator}. Nothing else in the request (no `x-actor-*` header)
 * says who the caller is.
 */
export type Authenticate = (request: Request) => Caller | undefined | Promise<Caller | undefined>;

/**
 * One entry of the token file: `[{"token","actor":{"id","roles","communities"}}]` (and `orgId` for
 * a service point's worker).
 */
export const TokenEntry = z.strictObject({
  token: z.string().min(16).max(512),
  actor: Actor,
  orgId: IdSchema.optional(),
});
/** One entry of the token file. */
export type TokenEntry = z.input<typeof TokenEntry>;

const TokenFile = z.array(TokenEntry).max(100_000);

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

/**
 * Bearer-token authentication over a fixed list: `Authorization: Bearer <token>`. Tokens are
 * compared as SHA-256 digests with `timingSafeEqual`, against every entry (no early exit), so the
 * time taken says nothing about how much of a token matched or which entry it was.
 *
 * @example
 * ```ts
 * const authenticate = tokenAuthenticator([{ token: "a-long-random-token-1", actor: { id: "s1", roles: ["hotline_staff"], communities: ["c1"] } }]);
 * ```
 */
export function tokenAuthenticator(entries: readonly TokenEntry[]): Authenticate {
  const parsed = check(TokenFile, entries, ["tokens"]).map((e) => ({
    digest: digest(e.token),
    caller: { actor: e.actor, ...(e.orgId === undefined ? {} : { orgId: e.orgId }) } satisfies Caller,
  }));
  return (request) => {
    const header = request.headers.get("authorization") ?? "";
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (m === null) return undefined;
    const given = digest(m[1] as string);
    let found: Caller | undefined;
    for (const e of parsed) if (timingSafeEqual(e.digest, given) && found === undefined) found = e.caller;
    return found;
  };
}

/**
 * Reads a token file (`ELDERFLOW_HTTP_TOKENS`): JSON `[{"token","actor":{"id","roles","communities"}}]`.
 * A missing file is `FILE_NOT_FOUND`, bad JSON `INVALID_JSON` with line and column, a bad entry its
 * path; the file's content is never quoted.
 *
 * @example
 * ```ts
 * const authenticate = tokenAuthenticator(loadTokenFile(process.env.ELDERFLOW_HTTP_TOKENS ?? "tokens.json"));
 * ```
 */
export function loadTokenFile(file: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ElderflowError("FILE_NOT_FOUND", { path: ["ELDERFLOW_HTTP_TOKENS"], params: { file: "tokens" } });
  }
  return check(TokenFile, parseJsonText(text, ["ELDERFLOW_HTTP_TOKENS"]), ["ELDERFLOW_HTTP_TOKENS"]);
}

/** Hono's variables: the caller, set once by {@link authenticated}. */
export interface Env {
  Variables: { caller: Caller };
}

/**
 * Middleware: authenticates every request (401 `UNAUTHENTICATED` otherwise) and keeps the caller.
 *
 * @example
 * ```ts
 * app.use("*", authenticated(authenticate));
 * ```
 */
export function authenticated(authenticate: Authenticate): MiddlewareHandler<Env> {
  return async (c, next) => {
    const caller = await authenticate(c.req.raw);
    if (caller === undefined) throw new ElderflowError("UNAUTHENTICATED");
    c.set("caller", caller);
    await next();
  };
}

/** The authenticated caller of this request. */
export function callerOf(c: Context<Env>): Caller {
  return c.get("caller");
}

/** Limits of one request. */
export interface RequestLimits {
  /** Most bytes in a body (default 1 MB). */
  readonly maxBodyBytes?: number;
  /** Most commands in one time-bank batch (default 1,000). */
  readonly maxBatch?: number;
}

/** The default request limits. */
export const DEFAULT_LIMITS = { maxBodyBytes: 1_000_000, maxBatch: 1000 } as const;

/**
 * Middleware: refuses a body over the limit with 413 `PAYLOAD_TOO_LARGE` before reading it all
 * (a `Content-Length` over the limit, or a stream that grows past it).
 *
 * @example
 * ```ts
 * app.use("*", boundedBody(1_000_000));
 * ```
 */
export function boundedBody(maxBytes: number): MiddlewareHandler<Env> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(new ElderflowError("PAYLOAD_TOO_LARGE", { params: { maximum: `${maxBytes} bytes` } }).toJSON(), 413),
  });
}
