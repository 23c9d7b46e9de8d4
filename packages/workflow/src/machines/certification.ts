import { certifiedLevel, isoDateAt, type Volunteer } from "@elderflow/core";
import type { CertificationCheck } from "./pairing";

/**
 * A {@link CertificationCheck} over volunteer records: certified when a certificate for the skill
 * at the level or above is valid on the day (in the zone) the pairing is activated.
 *
 * @example
 * ```ts
 * pairingWorkflow({ certification: certificationFromVolunteers(district.volunteers) });
 * ```
 */
export function certificationFromVolunteers(
  volunteers: readonly Pick<Volunteer, "id" | "certifications">[],
  zone = "Asia/Shanghai",
): CertificationCheck {
  const byId = new Map(volunteers.map((v) => [v.id, v]));
  return ({ volunteerId, skill, level, at }) => {
    const v = byId.get(volunteerId);
    return v !== undefined && certifiedLevel(v, skill, isoDateAt(at, zone)) >= level;
  };
}
