/**
 * The page's wiring: reads the form, runs {@link checkBirthday}, shows the result. The DOM is
 * reached through the few members used here (the workspace type-checks without the DOM library).
 */
import { type Lang, systemClock, today } from "@elderflow/core";
import { type CheckResult, checkBirthday } from "./checker";

interface El {
  value: string;
  textContent: string | null;
  hidden: boolean;
  className: string;
  lang: string;
  append(...nodes: El[]): void;
  replaceChildren(...nodes: El[]): void;
  addEventListener(type: string, listener: () => void): void;
  setAttribute(name: string, value: string): void;
}
interface Doc {
  getElementById(id: string): El | null;
  createElement(tag: string): El;
  documentElement: El;
  title: string;
}

const doc = (globalThis as unknown as { document: Doc }).document;
const $ = (id: string): El => {
  const el = doc.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el;
};

/** The page's own words; the decision texts come from the policy package. */
const UI = {
  "zh-CN": {
    title: "祝寿政策核对",
    person: "人员记录（JSON 交换格式）",
    date: "日期",
    lang: "语言",
    check: "核对",
    granted: "符合祝寿条件",
    denied: "不符合祝寿条件",
    noBirthday: "此日期后一年内没有需要核对的生日（人员状态非在册）",
    birthday: (date: string, age: number, cal: string) =>
      `生日：${date}，满${age}周岁（${cal === "lunar" ? "农历" : "公历"}）`,
    policy: "政策版本",
    rules: "规则",
    next: (date: string, age: number) => `下一次祝寿：${date}，${age}周岁`,
    noNext: "四十年内没有符合条件的生日",
    error: "输入有误",
  },
  en: {
    title: "Birthday policy checker",
    person: "Person (JSON interchange form)",
    date: "Date",
    lang: "Language",
    check: "Check",
    granted: "Celebrated",
    denied: "Not celebrated",
    noBirthday: "No birthday to check within a year of this date (the person is not active)",
    birthday: (date: string, age: number, cal: string) => `Birthday: ${date}, turns ${age} (${cal})`,
    policy: "Policy version",
    rules: "Rules",
    next: (date: string, age: number) => `Next celebration: ${date}, age ${age}`,
    noNext: "No celebrated birthday within 40 years",
    error: "Input error",
  },
} as const;

function text(tag: string, content: string, className = ""): El {
  const el = doc.createElement(tag);
  el.textContent = content;
  if (className !== "") el.className = className;
  return el;
}

function label(lang: Lang): void {
  const t = UI[lang];
  doc.title = t.title;
  doc.documentElement.lang = lang;
  $("title").textContent = t.title;
  $("person-label").textContent = t.person;
  $("date-label").textContent = t.date;
  $("lang-label").textContent = t.lang;
  $("check").textContent = t.check;
}

function show(result: CheckResult, lang: Lang): void {
  const t = UI[lang];
  const out = $("result");
  out.hidden = false;
  if (!result.ok) {
    out.className = "error";
    const issues = result.error.issues.map((i) =>
      text("li", `${i.code}${i.path.length > 0 ? ` (${i.path.join(".")})` : ""}: ${i.message[lang]}`),
    );
    const list = doc.createElement("ul");
    list.append(...issues);
    $("decision").textContent = t.error;
    $("sentence").textContent = `${result.error.code}: ${result.error.message[lang]}`;
    $("birthday").textContent = "";
    $("rules").replaceChildren(list);
    $("next").textContent = "";
    return;
  }
  out.className = result.granted === true ? "granted" : "denied";
  $("decision").textContent =
    result.granted === null ? t.noBirthday : result.granted ? `✓ ${t.granted}` : `✗ ${t.denied}`;
  $("sentence").textContent = result.sentence ?? "";
  $("birthday").textContent =
    result.birthday === null
      ? ""
      : `${t.birthday(result.birthday.date, result.birthday.age, result.birthday.calendar)} · ${t.policy}: ${result.policy}`;
  const rules = result.rules.map((r) =>
    text("li", `${r.matched ? "✓" : "✗"} ${r.label} — ${r.condition}`, r.matched ? "matched" : ""),
  );
  const list = doc.createElement("ul");
  list.append(...rules);
  $("rules").replaceChildren(text("h3", t.rules), list);
  $("next").textContent = result.next === null ? t.noNext : t.next(result.next.date, result.next.age);
}

function run(): void {
  const lang: Lang = $("lang").value === "en" ? "en" : "zh-CN";
  label(lang);
  show(checkBirthday($("person").value, $("date").value, lang), lang);
}

$("check").addEventListener("click", run);
$("lang").addEventListener("change", () => label($("lang").value === "en" ? "en" : "zh-CN"));
// The date field starts at today in Asia/Shanghai (the page is the app here, so it reads the system clock).
if ($("date").value === "") $("date").value = today(systemClock());
label("zh-CN");
