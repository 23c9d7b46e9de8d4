import type { WorkflowDefinition } from "../definition";
import { carePathwayWorkflow } from "./carePathway";
import { type CaseDeps, caseWorkflow } from "./case";
import { type EscalationDeps, escalationWorkflow } from "./escalation";
import { type MedicalGroupDeps, medicalGroupWorkflow } from "./medicalGroup";
import { type PairingDeps, pairingWorkflow } from "./pairing";
import { type ServiceRequestDeps, serviceRequestWorkflow } from "./serviceRequest";
import { type VerificationDeps, verificationWorkflow } from "./verification";

/** Everything the six built-in workflows need from the outside. */
export interface WorkflowDeps {
  /** Service-request dependencies (service-point lookup, SLA config, priority check). */
  readonly serviceRequest: ServiceRequestDeps;
  /** Pairing dependencies (certification check). */
  readonly pairing: PairingDeps;
  /** Escalation configuration (limits, department lookup). */
  readonly escalation?: EscalationDeps;
  /** Verification dependencies (the movement authority: pass the time bank's). */
  readonly verification?: VerificationDeps;
  /** Medical volunteer group dependencies (certification and programme scope); the group workflow is built in when given. */
  readonly medicalGroup?: MedicalGroupDeps;
  /** Case dependencies (the reception check: pass the schedule's); default Tuesdays and the 18th. */
  readonly case?: CaseDeps;
}

/**
 * The six built-in workflows, ready for {@link createWorkflowEngine}.
 *
 * @example
 * ```ts
 * const machines = builtInWorkflows({
 *   serviceRequest: { servicePoints: servicePointDirectory(points) },
 *   pairing: { certification: () => true },
 *   verification: { authority: bank.authority },
 * });
 * ```
 */
export function builtInWorkflows(deps: WorkflowDeps): WorkflowDefinition[] {
  return [
    serviceRequestWorkflow(deps.serviceRequest),
    escalationWorkflow(deps.escalation),
    carePathwayWorkflow(),
    pairingWorkflow(deps.pairing),
    verificationWorkflow(deps.verification),
    caseWorkflow(deps.case),
    ...(deps.medicalGroup === undefined ? [] : [medicalGroupWorkflow(deps.medicalGroup)]),
  ] as WorkflowDefinition[];
}
