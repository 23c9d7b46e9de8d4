import type { AnyStateMachine } from "xstate";

interface NodeLike {
  readonly key: string;
  readonly path: readonly string[];
  readonly type: string;
  readonly states: Readonly<Record<string, NodeLike>>;
  readonly on: Readonly<Record<string, readonly TransitionLike[]>>;
  readonly after: readonly (TransitionLike & { readonly delay: unknown })[];
  readonly always?: readonly TransitionLike[];
  readonly initial?: { readonly target: readonly NodeLike[] };
  readonly config: { readonly initial?: unknown };
}

interface TransitionLike {
  readonly target?: readonly NodeLike[];
  readonly guard?: unknown;
  readonly eventType: string;
}

const idOf = (n: NodeLike) => n.path.join("__");

function guardName(guard: unknown): string {
  if (guard === undefined || guard === null) return "";
  if (typeof guard === "string") return guard;
  const g = guard as { type?: unknown; guards?: unknown[]; name?: string };
  if (Array.isArray(g.guards)) {
    const op = typeof g.type === "string" ? g.type.replace(/^xstate\./, "") : "and";
    return g.guards.map(guardName).join(` ${op} `);
  }
  if (typeof g.type === "string") return g.type;
  return typeof g.name === "string" && g.name !== "" ? g.name : "guard";
}

function label(event: string, guard: unknown): string {
  const g = guardName(guard);
  return g === "" ? event : `${event} [${g}]`;
}

function delayName(delay: unknown): string {
  if (typeof delay === "number") return `${delay} ms`;
  if (typeof delay === "string") return delay;
  return "delay";
}

/**
 * A Mermaid `stateDiagram-v2` of a machine, generated from its definition: states (nested ones
 * as composite states), events with their named guards, `after` delays by name, eventless
 * (`always`) transitions, and final states. Transitions declared on the machine itself are drawn
 * from every top-level state they can leave, and targetless ones listed in a note.
 *
 * @example
 * ```ts
 * console.log(toMermaid(serviceRequestMachine));
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root as unknown as NodeLike;
  const lines: string[] = ["stateDiagram-v2"];
  const edges: string[] = [];

  // Every edge is written at the top level: Mermaid resolves nested ids globally, and an edge
  // inside a composite block would create a stray copy of a target outside it.
  const indent = "  ";
  const transitionsOf = (n: NodeLike, from: string) => {
    for (const [event, list] of Object.entries(n.on)) {
      if (event.startsWith("xstate.after.")) continue;
      for (const t of list) {
        const targets = t.target ?? [];
        if (targets.length === 0) edges.push(`${indent}${from} --> ${from} : ${label(event, t.guard)}`);
        for (const target of targets) edges.push(`${indent}${from} --> ${idOf(target)} : ${label(event, t.guard)}`);
      }
    }
    for (const t of n.after) {
      for (const target of t.target ?? [])
        edges.push(`${indent}${from} --> ${idOf(target)} : ${label(`after ${delayName(t.delay)}`, t.guard)}`);
    }
    for (const t of n.always ?? []) {
      for (const target of t.target ?? [])
        edges.push(`${indent}${from} --> ${idOf(target)} : ${label("always", t.guard)}`);
    }
  };

  const walk = (n: NodeLike, pad: string) => {
    const children = Object.values(n.states);
    const initial = n.initial?.target[0];
    if (initial !== undefined) lines.push(`${pad}[*] --> ${idOf(initial)}`);
    for (const c of children) {
      const id = idOf(c);
      if (id !== c.key) lines.push(`${pad}state "${c.key}" as ${id}`);
      if (Object.keys(c.states).length > 0) {
        lines.push(`${pad}state ${id} {`);
        walk(c, `${pad}  `);
        lines.push(`${pad}}`);
      }
      transitionsOf(c, id);
      if (c.type === "final") edges.push(`${indent}${id} --> [*]`);
    }
  };
  walk(root, "  ");

  // Transitions declared on the machine root apply in every top-level state that is not final.
  const tops = Object.values(root.states).filter((s) => s.type !== "final");
  const anywhere: string[] = [];
  for (const [event, list] of Object.entries(root.on)) {
    for (const t of list) {
      const targets = t.target ?? [];
      if (targets.length === 0) {
        anywhere.push(label(event, t.guard));
        continue;
      }
      for (const s of tops)
        for (const target of targets) {
          if (target === root) continue;
          edges.push(`  ${idOf(s)} --> ${idOf(target)} : ${label(event, t.guard)}`);
        }
    }
  }
  lines.push(...edges);
  const first = tops[0];
  if (anywhere.length > 0 && first !== undefined)
    lines.push(`  note right of ${idOf(first)}`, `    In any state: ${anywhere.join(", ")}`, "  end note");
  return `${lines.join("\n")}\n`;
}
