/**
 * Certificates in the wired system (rule 11, 持证上岗): the certificate rule the time bank and the
 * verification workflow share (no credit for a service whose required certificate was not valid
 * on the day of service), and the daily watch over running pairings: a volunteer whose certificate
 * lapses during an active pairing (or while serving in a medical volunteer group) is sent
 * `CERTIFICATE_LAPSED` once, which suspends the pairing (or that member), and the community's
 * staff get a `certificate_lapse_alert` task.
 */
import {
  addDays,
  type CertificateRule,
  type Certification,
  certifiedLevel,
  ElderflowError,
  type ErrorCode,
  type IsoDate,
  IsoDateSchema,
  isElderflowError,
  type Volunteer,
} from "@elderflow/core";
import { type MatchingFacts, type Policy, requiredCertificate } from "@elderflow/policy";
import type { WorkflowActor, WorkflowEngine, WorkflowInstance } from "@elderflow/workflow";
import type { Task } from "./tasks";

/**
 * The certificate rule of the wired system: a service kind needs the certificate the matching
 * policy in effect on the day of service names for it (medical care, emergency help and legal aid
 * at level 2 by default), judged on the volunteers of the directory.
 *
 * @example
 * ```ts
 * const rule = presetCertificateRule(district.volunteers);
 * rule.required("medical_care", "2027-03-20"); // { skill: "medical_care", level: 2 }
 * ```
 */
export function presetCertificateRule(
  volunteers: readonly Pick<Volunteer, "id" | "certifications">[],
  policy?: Policy<MatchingFacts>,
): CertificateRule {
  const byId = new Map(volunteers.map((v) => [v.id, v.certifications]));
  return {
    required: (serviceKind, on) => requiredCertificate({ serviceKind }, on, ...(policy === undefined ? [] : [policy])),
    certifications: (volunteer) => byId.get(volunteer),
  };
}

/**
 * The first day a volunteer was without a valid certificate for a skill at a level, as of a day
 * on which they hold none: the day after the last certificate at the level ended, or the day
 * itself when none ever covered it (never certified, or not yet valid).
 *
 * @example
 * ```ts
 * lapsedSince([{ skill: "medical_care", level: 2, validFrom: "2026-01-01", validTo: "2027-03-15", issuer: "区卫健委" }],
 *   "medical_care", 2, "2027-03-20"); // "2027-03-16"
 * ```
 */
export function lapsedSince(
  certifications: readonly Certification[],
  skill: string,
  level: number,
  on: IsoDate,
): IsoDate {
  const ends = certifications
    .filter((c) => c.skill === skill && c.level >= level && c.validTo !== undefined && c.validTo < on)
    .map((c) => c.validTo as string)
    .sort();
  const last = ends.at(-1);
  return last === undefined ? on : addDays(last, 1);
}

/** One lapse the watch found and acted on. */
export interface CertificateLapse {
  /** The workflow: `pairing`, or `medicalGroup`. */
  readonly machine: string;
  /** The instance. */
  readonly instanceId: string;
  /** Its community. */
  readonly communityId: string;
  /** The volunteer whose certificate lapsed. */
  readonly volunteerId: string;
  /** The skill. */
  readonly skill: string;
  /** The first day without a valid certificate. */
  readonly expiredOn: IsoDate;
  /** What became of the event: sent (the pairing or member is suspended), or refused with a code. */
  readonly outcome: "suspended" | ErrorCode;
  /** The alert task's id. */
  readonly taskId: string;
}

/** What a check found. */
export interface LapseReport {
  /** The day checked. */
  readonly on: IsoDate;
  /** Instances looked at. */
  readonly checked: number;
  /** Lapses found and acted on, in instance order. */
  readonly lapsed: readonly CertificateLapse[];
}

/** The watch over running pairings: see {@link createCertificateWatch}. */
export interface CertificateWatch {
  /** The rule the time bank and verification share. */
  readonly rule: CertificateRule;
  /** Finds lapses as of a day, suspends, and raises alerts; running it twice on a day changes nothing more. */
  check(on: IsoDate): Promise<LapseReport>;
}

/** What {@link createCertificateWatch} needs. */
export interface CertificateWatchDeps {
  /** The workflow engine. */
  readonly workflows: WorkflowEngine;
  /** The volunteers and their certificates. */
  readonly volunteers: readonly Pick<Volunteer, "id" | "certifications">[];
  /** Adds tasks (ids make it idempotent); returns how many were new. */
  readonly addTasks: (tasks: readonly Task[], by: string) => Promise<number>;
  /** The host's actor id (acting as staff of each instance's community). */
  readonly hostId: string;
  /** The rule (default {@link presetCertificateRule} over the volunteers). */
  readonly rule?: CertificateRule;
}

/** The workflows the watch reads: pairs, and medical volunteer groups when registered. */
const WATCHED = ["pairing", "medicalGroup"] as const;

interface Serving {
  readonly volunteerId: string;
  readonly skill: string;
  readonly level: number;
  readonly personId: string;
}

/** The volunteers who serve in an instance now, with the skill and level they need. */
function servingIn(machine: string, instance: WorkflowInstance): Serving[] {
  const x = instance.context as Record<string, unknown>;
  const skill = typeof x.skill === "string" ? x.skill : undefined;
  const level = typeof x.level === "number" ? x.level : undefined;
  if (skill === undefined || level === undefined) return [];
  if (machine === "pairing")
    return typeof x.volunteerId === "string" && typeof x.personId === "string"
      ? [{ volunteerId: x.volunteerId, skill, level, personId: x.personId }]
      : [];
  const members = Array.isArray(x.members) ? (x.members as { volunteerId?: unknown; status?: unknown }[]) : [];
  return members
    .filter((m) => typeof m.volunteerId === "string" && m.status === "active")
    .map((m) => ({ volunteerId: m.volunteerId as string, skill, level, personId: "" }));
}

/**
 * Creates the certificate watch. `check(on)` lists the active and paused pairings, and the active
 * medical volunteer groups if that workflow is registered; for each volunteer serving in one whose
 * certificate for the needed skill, at the needed level, is not valid on `on`, it sends
 * `CERTIFICATE_LAPSED` (as the host acting as staff of the instance's community, with an event id
 * derived from the instance, volunteer, skill and lapse day, so a second check sends nothing) and
 * adds a `certificate_lapse_alert` task for the community's staff. The wired system runs it on
 * every `tick`.
 *
 * @example
 * ```ts
 * const watch = createCertificateWatch({ workflows, volunteers, addTasks, hostId: "elderflow" });
 * const report = await watch.check("2027-03-16");
 * ```
 */
export function createCertificateWatch(deps: CertificateWatchDeps): CertificateWatch {
  const rule = deps.rule ?? presetCertificateRule(deps.volunteers);
  const reader: WorkflowActor = { id: deps.hostId, role: "system" };
  const machines = WATCHED.filter((m) => {
    try {
      deps.workflows.definition(m);
      return true;
    } catch (error) {
      if (isElderflowError(error)) return false;
      throw error;
    }
  });
  return {
    rule,
    async check(on) {
      if (!IsoDateSchema.safeParse(on).success) throw new ElderflowError("INVALID_DATE", { path: ["on"] });
      const lapsed: CertificateLapse[] = [];
      let checked = 0;
      for (const machine of machines) {
        const states = machine === "pairing" ? ["active", "paused"] : ["active"];
        for (const state of states) {
          const instances = await deps.workflows.list({ machine, state, limit: Number.MAX_SAFE_INTEGER }, reader);
          for (const instance of instances) {
            checked++;
            for (const s of servingIn(machine, instance)) {
              const certs = rule.certifications(s.volunteerId) ?? [];
              if (certifiedLevel({ certifications: [...certs] }, s.skill, on) >= s.level) continue;
              const expiredOn = lapsedSince(certs, s.skill, s.level, on);
              const staff: WorkflowActor = {
                id: deps.hostId,
                role: "community_staff",
                communityId: instance.communityId,
              };
              let outcome: CertificateLapse["outcome"] = "suspended";
              try {
                await deps.workflows.send(instance.id, {
                  id: `lapse:${s.volunteerId}:${s.skill}:${expiredOn}`,
                  type: "CERTIFICATE_LAPSED",
                  actor: staff,
                  payload: { volunteerId: s.volunteerId, skill: s.skill, expiredOn },
                });
              } catch (error) {
                if (!isElderflowError(error)) throw error;
                outcome = error.code;
              }
              const taskId = `certificate/${instance.id}/${s.volunteerId}/${s.skill}/${expiredOn}`;
              await deps.addTasks(
                [
                  {
                    id: taskId,
                    kind: "certificate_lapse_alert",
                    personId: s.personId === "" ? s.volunteerId : s.personId,
                    communityId: instance.communityId,
                    due: on,
                    assignees: [],
                    details: {
                      machine,
                      instanceId: instance.id,
                      volunteerId: s.volunteerId,
                      skill: s.skill,
                      level: s.level,
                      expiredOn,
                    },
                  },
                ],
                deps.hostId,
              );
              lapsed.push({
                machine,
                instanceId: instance.id,
                communityId: instance.communityId,
                volunteerId: s.volunteerId,
                skill: s.skill,
                expiredOn,
                outcome,
                taskId,
              });
            }
          }
        }
      }
      return { on, checked, lapsed };
    },
  };
}

/**
 * Runs the wired system's certificate watch for a day (what every `flow.tick` does for the
 * clock's day): lapsed certificates in active pairings and medical volunteer groups are sent
 * `CERTIFICATE_LAPSED` once, and alert tasks raised.
 *
 * @example
 * ```ts
 * const report = await checkCertificateLapses(flow, "2027-03-16");
 * report.lapsed.map((l) => l.instanceId);
 * ```
 */
export function checkCertificateLapses(
  flow: { readonly certificates: CertificateWatch },
  onDate: IsoDate,
): Promise<LapseReport> {
  return flow.certificates.check(onDate);
}
