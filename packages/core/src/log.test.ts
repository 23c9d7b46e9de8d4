import fc from "fast-check";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { fixedClock } from "./clock";
import { ElderflowError } from "./errors";
import { makeIdNumber } from "./idnumber";
import {
  type ConsoleLike,
  consoleLogger,
  LOG_REDACTION_LIMITS,
  type Logger,
  redactForLog,
  redactingLogger,
  silentLogger,
} from "./log";

const ID = makeIdNumber("110105", "1949-12-31", 2);
const PHONE = "13812345678";

function pinoInto(lines: string[], level = "trace") {
  return pino({ level, base: null, timestamp: false }, { write: (s: string) => void lines.push(s) });
}

function capture(): { out: ConsoleLike; lines: string[] } {
  const lines: string[] = [];
  const push = (s: unknown) => void lines.push(String(s));
  return { out: { debug: push, info: push, warn: push, error: push }, lines };
}

describe("Logger", () => {
  it("is fitted by a pino instance as it is, which receives every level with its fields", () => {
    const lines: string[] = [];
    const logger: Logger = pinoInto(lines);
    logger.trace({ n: 1 }, "t");
    logger.debug({ n: 2 }, "d");
    logger.info({ n: 3 }, "i");
    logger.warn({ n: 4 }, "w");
    logger.error({ n: 5 }, "e");
    logger.child({ component: "pump" }).warn({ code: "NOT_AUTHORIZED" }, "dead letter");
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.level, e.msg, e.n])).toEqual([
      [10, "t", 1],
      [20, "d", 2],
      [30, "i", 3],
      [40, "w", 4],
      [50, "e", 5],
      [40, "dead letter", undefined],
    ]);
    expect(entries[5]).toMatchObject({ component: "pump", code: "NOT_AUTHORIZED" });
  });

  it("through the redacting wrapper, pino never receives a name, ID number or phone", () => {
    const lines: string[] = [];
    const logger = redactingLogger(pinoInto(lines)).child({ caller: { name: "李大龙", phone: PHONE } });
    logger.warn({ person: { name: "张小三", idNumber: ID, health: { chronicConditions: 3 } } }, `call ${PHONE}`);
    expect(lines).toHaveLength(1);
    const text = lines[0] as string;
    for (const secret of ["张小三", "李大龙", ID, PHONE, "chronicConditions"]) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({
      caller: { name: "李*龙", phone: "138****5678" },
      person: { name: "张*三", idNumber: `${ID.slice(0, 6)}********${ID.slice(14)}`, health: "[redacted]" },
      msg: "call 138****5678",
    });
  });

  it("consoleLogger writes from its level up, with bindings and the clock's time", () => {
    const { out, lines } = capture();
    const clock = fixedClock("2027-01-01T09:00:00+08:00");
    const logger = consoleLogger({ level: "warn", console: out, clock }).child({ component: "tick" });
    logger.info({ n: 1 }, "hidden");
    logger.warn({ n: 2 }, "shown");
    logger.error({ n: 3 }, "also");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^WARN shown /);
    expect(JSON.parse((lines[0] as string).replace(/^WARN shown /, ""))).toEqual({
      level: "warn",
      time: clock.now(),
      component: "tick",
      n: 2,
    });
  });

  it("consoleLogger survives what JSON cannot write (cycles, bigints)", () => {
    const { out, lines } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    consoleLogger({ console: out }).info({ cyclic, big: 10n }, "x");
    expect(lines[0]).toContain("[unserialisable]");
    consoleLogger({ console: out }).info({ big: 10n }, "y");
    expect(lines[1]).toContain('"big":"10"');
  });

  it("silentLogger drops everything and its children are silent too", () => {
    expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
    expect(redactingLogger(silentLogger)).toBe(silentLogger);
  });
});

describe("redactForLog", () => {
  it("masks personal fields by name at any depth, in English and Chinese, and by shape elsewhere", () => {
    const out = redactForLog({
      rows: [{ 姓名: "王五六", 身份证号: ID, 联系电话: PHONE, 住址: "某路1号" }],
      deep: { a: { b: { full_name: "Zhang San", mobile: 13812345678 } } },
      note: `身份证 ${ID}，电话 ${PHONE}`,
    });
    const text = JSON.stringify(out);
    for (const secret of ["王五六", ID, PHONE, "某路1号", "Zhang San"]) expect(text).not.toContain(secret);
    expect(out).toMatchObject({
      rows: [{ 姓名: "王*六", 联系电话: "138****5678", 住址: "[redacted]" }],
      deep: { a: { b: { full_name: "Z*** S**", mobile: "138****5678" } } },
    });
  });

  it("keeps the code and path of an ElderflowError, drops its stack", () => {
    const error = new ElderflowError("NOT_AUTHORIZED", { path: ["actor", "roles"] });
    const out = redactForLog({ err: error }) as { err: Record<string, unknown> };
    expect(out.err).toMatchObject({ name: "ElderflowError", code: "NOT_AUTHORIZED", path: ["actor", "roles"] });
    expect(out.err.stack).toBeUndefined();
  });

  it("survives hostile objects: cycles, throwing getters, proxies, __proto__ keys, huge and deep input", () => {
    const cyclic: Record<string, unknown> = { phone: PHONE };
    cyclic.self = cyclic;
    const getter = Object.defineProperty({}, "name", {
      enumerable: true,
      get() {
        throw new Error(`boom ${ID}`);
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    const polluted = JSON.parse(`{"__proto__": {"idNumber": "${ID}"}, "x": 1}`) as object;
    let deep: Record<string, unknown> = { phone: PHONE };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    const wide = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, PHONE]));
    const out = redactForLog({
      cyclic,
      getter,
      proxy,
      polluted,
      deep,
      wide,
      long: `${"x".repeat(100_000)}${PHONE}`,
      lone: "\uD800",
      fn: () => ID,
      sym: Symbol(ID),
      date: new Date(Number.NaN),
    }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain(ID);
    expect(text).not.toContain(PHONE);
    expect(out.cyclic).toMatchObject({ phone: "138****5678", self: "[circular]" });
    expect(out.getter).toEqual({ name: "[redacted]" });
    expect(out.proxy).toBe("[unreadable]");
    expect(Object.getOwnPropertyDescriptor(out.polluted, "__proto__")?.value?.idNumber).toMatch(/^110105\*{8}/);
    expect(({} as Record<string, unknown>).idNumber).toBeUndefined();
    expect(Object.keys(out.wide as object).length).toBe(LOG_REDACTION_LIMITS.entries + 1);
    expect((out.long as string).length).toBeLessThanOrEqual(LOG_REDACTION_LIMITS.stringLength + 1);
    expect(out.lone).toBe("\uFFFD");
    expect(text.length).toBeLessThan(200_000);
  });

  it("never lets an ID number or mobile number through, wherever it sits (property)", () => {
    const secret = fc.oneof(
      fc.constant(ID),
      fc.constant(PHONE),
      fc.integer({ min: 0, max: 99_999_999 }).map((n) => `139${String(n).padStart(8, "0")}`),
    );
    const leaf = fc.oneof(secret, fc.string({ maxLength: 8 }), fc.integer());
    const key = fc.oneof(
      fc.constantFrom("name", "phone", "idNumber", "note", "姓名", "x"),
      fc.string({ maxLength: 6 }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, secret, (t, s) => {
        const text = JSON.stringify(redactForLog({ t, s, [`k ${s}`]: s })) ?? "";
        expect(text).not.toMatch(/1[3-9]\d{9}|\d{17}[\dX]/);
      }),
    );
  });
});
