import fc from "fast-check";

// Property tests explore new inputs on every local run. Under CI they run from one fixed seed
// (or FC_SEED), so that a red CI is always reproducible and never a coin toss; a seed that a test
// names itself still wins.
if (process.env.CI === "true" || process.env.FC_SEED !== undefined) {
  fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261126) });
}
