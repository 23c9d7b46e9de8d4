import type { AnyStateMachine } from "xstate";
import { carePathwayMachine } from "./machines/carePathway";
import { caseMachine } from "./machines/case";
import { escalationMachine } from "./machines/escalation";
import { medicalGroupMachine } from "./machines/medicalGroup";
import { pairingMachine } from "./machines/pairing";
import { serviceRequestMachine } from "./machines/serviceRequest";
import { verificationMachine } from "./machines/verification";
import { toMermaid } from "./mermaid";

/**
 * The built-in machines by workflow name.
 *
 * @example
 * ```ts
 * toMermaid(BUILT_IN_MACHINES.pairing);
 * ```
 */
export const BUILT_IN_MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  serviceRequest: serviceRequestMachine,
  escalation: escalationMachine,
  carePathway: carePathwayMachine,
  pairing: pairingMachine,
  verification: verificationMachine,
  case: caseMachine,
  medicalGroup: medicalGroupMachine,
};

const TITLES: Readonly<Record<string, string>> = {
  serviceRequest: "Service request (rule 7, hotline)",
  escalation: "Escalation (rule 8)",
  carePathway: "Care pathway (rule 9)",
  pairing: "Pairing (rules 5, 11, 12)",
  verification: "Service entry verification (rule 13)",
  case: "Mediation and legal consultation case (seeds 000, 004)",
  medicalGroup: "Medical volunteer group, 贴心儿女 (rules 5, 11, 12)",
};

/**
 * The generated diagram pages of the docs: one Markdown file per built-in machine holding its
 * Mermaid state diagram. `elderflow workflow diagrams --out docs/diagrams` writes them, and a test
 * fails when the committed files differ from what the machines generate.
 *
 * @example
 * ```ts
 * for (const d of diagramDocuments()) writeFileSync(`docs/diagrams/${d.file}`, d.content);
 * ```
 */
export function diagramDocuments(): { readonly file: string; readonly content: string }[] {
  return Object.entries(BUILT_IN_MACHINES).map(([name, machine]) => ({
    file: `workflow-${name}.md`,
    content: [
      `# ${TITLES[name] ?? name}`,
      "",
      `<!-- Generated from the \`${name}\` machine by \`pnpm -s elderflow workflow diagrams --out docs/diagrams\`. Do not edit. -->`,
      "",
      "```mermaid",
      toMermaid(machine).trimEnd(),
      "```",
      "",
    ].join("\n"),
  }));
}
