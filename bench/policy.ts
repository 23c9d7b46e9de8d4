import { DEFAULT_RANK_IDS, defaultRankScale, seededRandom } from "@elderflow/core";
import { type BirthdayFacts, birthdayPolicy, createBirthdayCheck, type Decision, evaluateAll } from "@elderflow/policy";
import { Engine } from "json-rules-engine";
import { allSame, assertSame, digest } from "./check";
import { type BenchContext, peakRssMiB } from "./lib";

/**
 * Policy: the birthday preset (rule 1) over synthetic persons, in one process.
 *
 * - `policy.decisions` (the headline): Elderflow's `policy.decide` returning a full Decision
 *   (granted, deciding rule, entitlements, output values) beside json-rules-engine 7.3 running the
 *   same two rules and returning its events (timed on a sample: it is async per record). Both
 *   sides' answers on the sample are compared (count and checksum of granted, rule, entitlements
 *   and gifts per person); the run fails if they differ.
 * - `policy.kernel`: the compiled boolean evaluator and the schedule's birthday check beside a
 *   hand-written boolean loop, the same work (a yes or no per person), compared bit for bit.
 * - `policy.birthday_stream`: `evaluateAll` over an async generator (no peer).
 *
 * Persons are generated in chunks and dropped after use, so memory stays flat in n.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 200_000 : 1_000_000;
  const sampleN = ctx.quick ? 5_000 : 20_000;
  const chunk = 10_000;
  const on = "2027-05-01";
  const rng = seededRandom("policy-bench");
  const kinds = ["lixiu", "tuixiu"] as const;

  const make = (count: number): BirthdayFacts[] => {
    const out: BirthdayFacts[] = new Array(count);
    for (let i = 0; i < count; i++)
      out[i] = {
        retirementKind: kinds[rng.chance(0.08) ? 0 : 1] as "lixiu" | "tuixiu",
        rank: DEFAULT_RANK_IDS[rng.weighted([5, 20, 25, 25, 12, 7, 3, 2, 0.5, 0.5])] as string,
        age: rng.int(60, 104),
      };
    return out;
  };

  const policy = birthdayPolicy();
  const evaluate = policy.evaluator(on);
  const check = createBirthdayCheck();

  // Hand-written: the same rule as a plain function, with the rank positions looked up in a Map.
  const rankIndex = new Map<string, number>(defaultRankScale.ids.map((id, i) => [id, i]));
  const DC = rankIndex.get("deputy_county") as number;
  const byHand = (p: BirthdayFacts): boolean =>
    p.age % 5 === 0 &&
    ((p.retirementKind === "lixiu" && (rankIndex.get(p.rank) ?? -1) >= DC && p.age >= 70) || p.age >= 80);

  // json-rules-engine as its users write it: the preset's two rules, the first-hit order as rule
  // priorities, the outputs as event params; ranks at or above deputy-county as a list (it has no
  // rank order) and a custom operator for "multiple of".
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator("multipleOf", (factValue: unknown, jsonValue: unknown) => {
    return typeof factValue === "number" && typeof jsonValue === "number" && factValue % jsonValue === 0;
  });
  const seniorRanks = defaultRankScale.ids.filter((r) => defaultRankScale.atLeast(r, "deputy_county"));
  const grant = { entitlements: ["birthday_visit"], gifts: ["flowers", "cake"] };
  engine.addRule({
    name: "senior",
    priority: 2,
    conditions: {
      all: [
        { fact: "retirementKind", operator: "in", value: ["lixiu"] },
        { fact: "rank", operator: "in", value: seniorRanks },
        { fact: "age", operator: "greaterThanInclusive", value: 70 },
        { fact: "age", operator: "multipleOf", value: 5 },
      ],
    },
    event: { type: "birthday_visit", params: { rule: "senior", ...grant } },
  });
  engine.addRule({
    name: "ordinary",
    priority: 1,
    conditions: {
      all: [
        { fact: "age", operator: "greaterThanInclusive", value: 80 },
        { fact: "age", operator: "multipleOf", value: 5 },
      ],
    },
    event: { type: "birthday_visit", params: { rule: "ordinary", ...grant } },
  });
  interface Answer {
    granted: boolean;
    rules: readonly string[];
    entitlements: readonly string[];
    values: unknown;
  }
  const line = (a: Answer) =>
    `${a.granted} ${a.rules.join(",")} ${a.entitlements.join(",")} ${JSON.stringify(a.values)}`;
  /** First hit: json-rules-engine runs higher priorities first, so the first event decides. */
  const peerAnswer = (events: readonly { params?: Record<string, unknown> }[]): Answer => {
    const first = events[0]?.params;
    return first === undefined
      ? { granted: false, rules: [], entitlements: [], values: {} }
      : {
          granted: true,
          rules: [first.rule as string],
          entitlements: first.entitlements as string[],
          values: { gifts: first.gifts },
        };
  };

  const REPS = 3;
  const ops = (count: number, ms: number) => Math.round(count / (ms / 1000));

  // ---- policy.decisions ---------------------------------------------------------------------------
  // Warm-up of both sides.
  const warm = make(chunk);
  for (let r = 0; r < 20; r++)
    for (const p of warm) {
      policy.decide(p, on);
      policy.evaluate(p, on);
    }
  for (const p of warm.slice(0, 500)) await engine.run({ ...p });
  // Elderflow over n persons in chunks, fastest of three passes per chunk (the machine is shared).
  let decideMs = 0;
  let decided = 0;
  const decisions: Decision[] = new Array(chunk);
  let evaluateMs = 0;
  const validated: ReturnType<typeof policy.evaluate>[] = new Array(chunk);
  for (let done = 0; done < n; done += chunk) {
    const batch = make(Math.min(chunk, n - done));
    let best = Infinity;
    for (let rep = 0; rep < REPS; rep++) {
      const t = performance.now();
      for (let i = 0; i < batch.length; i++) decisions[i] = policy.decide(batch[i] as BirthdayFacts, on);
      best = Math.min(best, performance.now() - t);
    }
    for (let i = 0; i < batch.length; i++) if ((decisions[i] as Decision).granted) decided++;
    decideMs += best;
    // The same through `evaluate`, which parses the facts first (untrusted input).
    best = Infinity;
    for (let rep = 0; rep < REPS; rep++) {
      const t = performance.now();
      for (let i = 0; i < batch.length; i++) validated[i] = policy.evaluate(batch[i], on);
      best = Math.min(best, performance.now() - t);
    }
    for (let i = 0; i < batch.length; i++) {
      const r = validated[i];
      if (r?.ok !== true || r.value.granted !== (decisions[i] as Decision).granted)
        throw new Error("policy.decisions: evaluate and decide disagree");
    }
    evaluateMs += best;
  }
  // The peer on a sample, timed the same way; both sides' answers on the sample are compared.
  const sample = make(sampleN);
  let peerMs = 0;
  const peerAnswers: Answer[] = [];
  for (let from = 0; from < sample.length; from += 1000) {
    const part = sample.slice(from, from + 1000);
    let best = Infinity;
    let answers: Answer[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const t = performance.now();
      const runs = [];
      for (const p of part) runs.push((await engine.run({ ...p })).events);
      best = Math.min(best, performance.now() - t);
      answers = runs.map(peerAnswer);
    }
    peerAnswers.push(...answers);
    peerMs += best;
  }
  const efSample = sample.map((p) => policy.decide(p, on));
  const decisionSides = { elderflow: digest(efSample.map(line)), "json-rules-engine": digest(peerAnswers.map(line)) };
  const elderflowDecisions = ops(n, decideMs);
  const peer = ops(sampleN, peerMs);
  ctx.emit({
    bench: "policy.decisions",
    n,
    elderflow_ops_s: elderflowDecisions,
    peer: "json-rules-engine",
    peer_ops_s: peer,
    peer_sample: sampleN,
    vs_peer: Math.round((elderflowDecisions / peer) * 10) / 10,
    elderflow_validated_ops_s: ops(n, evaluateMs),
    vs_peer_validated: Math.round((ops(n, evaluateMs) / peer) * 10) / 10,
    granted: decided,
    sample_granted: efSample.filter((d) => d.granted).length,
    checksum: decisionSides.elderflow.checksum,
    same_output: allSame(decisionSides),
    peak_rss_mib: peakRssMiB(),
  });
  assertSame("policy.decisions", decisionSides);

  // ---- policy.kernel ------------------------------------------------------------------------------
  // Warm-up so that all three are measured after JIT compilation.
  for (let r = 0; r < 20; r++)
    for (const p of warm) {
      evaluate(p);
      check(p, p.age, on);
      byHand(p);
    }
  // Each chunk is timed three times per method, the methods taking turns at going first, and the
  // fastest of the three counts. Each writes its yes/no per person, compared afterwards.
  let batch: BirthdayFacts[] = [];
  const bits = [new Uint8Array(chunk), new Uint8Array(chunk), new Uint8Array(chunk)];
  const sums = [0x811c9dc5, 0x811c9dc5, 0x811c9dc5];
  const counts = [0, 0, 0];
  const runners: ((out: Uint8Array) => number)[] = [
    (out) => {
      const t = performance.now();
      for (let i = 0; i < batch.length; i++) out[i] = evaluate(batch[i] as BirthdayFacts) ? 1 : 0;
      return performance.now() - t;
    },
    (out) => {
      const t = performance.now();
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i] as BirthdayFacts;
        out[i] = check(p, p.age, on) ? 1 : 0;
      }
      return performance.now() - t;
    },
    (out) => {
      const t = performance.now();
      for (let i = 0; i < batch.length; i++) out[i] = byHand(batch[i] as BirthdayFacts) ? 1 : 0;
      return performance.now() - t;
    },
  ];
  const kernelMs = [0, 0, 0];
  for (let done = 0, k = 0; done < n; done += chunk, k++) {
    batch = make(Math.min(chunk, n - done));
    const best = [Infinity, Infinity, Infinity];
    for (let rep = 0; rep < REPS; rep++)
      for (let r = 0; r < runners.length; r++) {
        const m = (k + r + rep) % runners.length;
        best[m] = Math.min(best[m] as number, (runners[m] as (o: Uint8Array) => number)(bits[m] as Uint8Array));
      }
    for (let m = 0; m < 3; m++) {
      kernelMs[m] = (kernelMs[m] as number) + (best[m] as number);
      const out = bits[m] as Uint8Array;
      let h = sums[m] as number;
      for (let i = 0; i < batch.length; i++) {
        counts[m] = (counts[m] as number) + (out[i] as number);
        h = Math.imul(h ^ (out[i] as number), 0x01000193);
      }
      sums[m] = h;
    }
  }
  const kernelSides = Object.fromEntries(
    ["evaluator", "birthday_check", "handwritten"].map((name, m) => [
      name,
      { count: counts[m] as number, checksum: ((sums[m] as number) >>> 0).toString(16) },
    ]),
  );
  const kernel = ops(n, kernelMs[0] as number);
  const hand = ops(n, kernelMs[2] as number);
  ctx.emit({
    bench: "policy.kernel",
    n,
    elderflow_ops_s: kernel,
    birthday_check_ops_s: ops(n, kernelMs[1] as number),
    handwritten_ops_s: hand,
    vs_handwritten: Math.round((kernel / hand) * 100) / 100,
    granted: counts[0] as number,
    same_output: allSame(kernelSides),
    peak_rss_mib: peakRssMiB(),
  });
  assertSame("policy.kernel", kernelSides);

  // The streaming bulk API: an async generator of persons in, one decision object per person out,
  // nothing kept: memory stays flat however large n is.
  let expected = 0;
  async function* persons(): AsyncGenerator<BirthdayFacts> {
    for (let done = 0; done < n; done += chunk) {
      const batch = make(Math.min(chunk, n - done));
      for (const p of batch) if (byHand(p)) expected++;
      yield* batch;
    }
  }
  let streamed = 0;
  const ts = performance.now();
  for await (const r of evaluateAll(policy, persons(), { on, validate: false }))
    if (r.ok && r.decision.granted) streamed++;
  const streamMs = performance.now() - ts;
  ctx.emit({
    bench: "policy.birthday_stream",
    n,
    elderflow_ops_s: ops(n, streamMs),
    granted: streamed,
    same_output: streamed === expected,
    note: "evaluateAll over an async generator, full Decision objects, generation included",
    peak_rss_mib: peakRssMiB(),
  });
  if (streamed !== expected)
    throw new Error(`policy.birthday_stream: ${streamed} granted, the hand-written rule ${expected}`);
}
