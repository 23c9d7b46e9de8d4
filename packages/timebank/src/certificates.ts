/**
 * The certificate rule at the time bank's door (rule 11, 持证上岗): a record command may name the
 * service's kind (`serviceKind`); with a {@link CertificateRule} the bank refuses the record with
 * `CERTIFICATE_INVALID` when the volunteer held no valid certificate for that kind, at its level, on
 * the day of service (`on`), so no minutes are ever credited for it. The kind is read here and not
 * journalled: the record the ledger decides and keeps is the same as before.
 */
import { type CertificateRule, certificateConflict, ServiceKind } from "@elderflow/core";
import type { CommandResult } from "./commands";

function keyOf(raw: Record<string, unknown>): string | null {
  return typeof raw.key === "string" ? raw.key : null;
}

/**
 * Screens one command: a record that names a `serviceKind` is refused (`CERTIFICATE_INVALID`, or
 * `INVALID_INPUT` for a kind that is not a service kind id) or passed on without the field; any
 * other command passes unchanged.
 *
 * @example
 * ```ts
 * const r = screenCertificate({ op: "record", key: "r1", volunteer: "v1", serviceKind: "medical_care", on: "2027-03-20" }, rule);
 * if ("refused" in r) console.log(r.refused.code); // "CERTIFICATE_INVALID" after the certificate expired
 * ```
 */
export function screenCertificate(
  raw: unknown,
  rule: CertificateRule | undefined,
): { readonly pass: unknown } | { readonly refused: CommandResult } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { pass: raw };
  const command = raw as Record<string, unknown>;
  if (command.op !== "record" || !Object.hasOwn(command, "serviceKind")) return { pass: raw };
  const { serviceKind, ...rest } = command;
  if (!ServiceKind.safeParse(serviceKind).success)
    return { refused: { key: keyOf(command), ok: false, code: "INVALID_INPUT" } };
  if (rule === undefined || typeof command.volunteer !== "string" || typeof command.on !== "string")
    return { pass: rest };
  const conflict = certificateConflict(
    "record",
    { communityId: "", volunteer: command.volunteer, serviceKind: serviceKind as string, servedOn: command.on },
    rule,
  );
  return conflict === null
    ? { pass: rest }
    : { refused: { key: keyOf(command), ok: false, code: "CERTIFICATE_INVALID" } };
}

/**
 * Screens a batch, submits what passes in one go (order kept) and merges the refusals back in
 * place, so the caller gets one result per command as before.
 *
 * @example
 * ```ts
 * const results = await submitScreened(commands, rule, (passing) => enqueue(actor, passing));
 * ```
 */
export async function submitScreened(
  raws: readonly unknown[],
  rule: CertificateRule | undefined,
  submit: (raws: readonly unknown[]) => Promise<CommandResult[]>,
): Promise<CommandResult[]> {
  const screened = raws.map((raw) => screenCertificate(raw, rule));
  if (screened.every((s, i) => "pass" in s && s.pass === raws[i])) return submit(raws);
  const passing = screened.flatMap((s) => ("pass" in s ? [s.pass] : []));
  const decided = passing.length === 0 ? [] : await submit(passing);
  let next = 0;
  return screened.map((s) => ("refused" in s ? s.refused : (decided[next++] as CommandResult)));
}
