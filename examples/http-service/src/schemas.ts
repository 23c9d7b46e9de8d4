/**
 * The request bodies the service accepts, as zod schemas built on the packages' own schemas: ids,
 * dates and persons from `@elderflow/core`, time-bank commands from `@elderflow/timebank`. Every body is parsed here, at the edge; handlers only see parsed values.
 */
import { GeoPoint, IdSchema, IsoDateSchema, Person, ServiceKind } from "@elderflow/core";
import type { Skip } from "@elderflow/schedule";
import { TimeBankCommand } from "@elderflow/timebank";
import { z } from "zod";

/** `POST /requests`: a hotline call (rule 7). Ids and facts only: names and phones stay in the caller's system. */
export const StartRequestBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  communityId: IdSchema,
  personId: IdSchema,
  channel: z.enum(["hotline", "open311", "walk_in"]).default("hotline"),
  serviceKind: ServiceKind.optional(),
  location: GeoPoint.optional(),
});
/** A hotline call. */
export type StartRequestBody = z.infer<typeof StartRequestBody>;

/** `POST /service-entries`: a volunteer's service entry to be signed, registered and verified (rule 13). */
export const StartServiceEntryBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  communityId: IdSchema,
  volunteerId: IdSchema,
  recipientId: IdSchema,
  serviceKind: ServiceKind,
  minutes: z.number().int().min(1).max(1440),
  servedOn: IsoDateSchema,
});
/** A volunteer's service entry. */
export type StartServiceEntryBody = z.infer<typeof StartServiceEntryBody>;

/** `POST /…/:id/events`: one event (applied at most once per `id`). */
export const EventBody = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:@#/-]{1,200}$/),
  type: z.string().regex(/^[A-Z][A-Z_]{0,40}$/),
  payload: z.record(z.string(), z.unknown()).optional(),
  expectedVersion: z.number().int().min(0).optional(),
});
/** One workflow event. */
export type EventBody = z.infer<typeof EventBody>;

/** `POST /timebank/commands`: one command, or a batch (answered item by item). */
export const TimeBankBody = z.union([TimeBankCommand, z.array(z.unknown()).min(1).max(1000)]);

/** RFC 7529 SKIP for birthdays missing in a year (the schedule package's `SKIP_VALUES`). */
const SkipSchema = z.enum(["OMIT", "BACKWARD", "FORWARD"]) satisfies z.ZodType<Skip>;

/** `POST /rosters/birthdays`: the birthday roster of rule 1 for the persons given, optionally planned as visits. */
export const RosterBody = z.strictObject({
  persons: z.array(Person).min(1).max(100_000),
  from: IsoDateSchema,
  to: IsoDateSchema,
  skip: z
    .strictObject({
      gregorian: SkipSchema.optional(),
      lunar: SkipSchema.optional(),
    })
    .optional(),
  plan: z.boolean().default(false),
});
/** A roster request. */
export type RosterBody = z.infer<typeof RosterBody>;

/**
 * `POST /open311/v2/requests.json`: the GeoReport v2 arguments Elderflow reads. Other fields
 * (first_name, phone, description …) are accepted and dropped by `fromOpen311`, never stored.
 */
export const Open311Body = z.looseObject({
  jurisdiction_id: IdSchema,
  service_code: ServiceKind,
  account_id: IdSchema,
  lat: z.union([z.number(), z.string()]).optional(),
  long: z.union([z.number(), z.string()]).optional(),
});
/** An Open311 request. */
export type Open311Body = z.infer<typeof Open311Body>;
