import { describe, expect, it } from "vitest";
import {
  announcement,
  buttonMessage,
  cardsFor,
  checklistCard,
  chineseVoice,
  loadState,
  mergeBotOutputs,
  randomId,
  saveState,
  scopeChatuiCss,
  STORAGE_KEY,
  suggest,
} from "../src/logic.js";

// the shape actions/situation.py sends (action_show_checklist)
const CHECKLIST = {
  items: [
    { key: "death_cert_normal", status: "added_prerequisite", reason: "各部门要凭死亡证明办理。", colloquial_name: "开死亡证明", time_limit_days: 1, waits_for: [] },
    { key: "hukou_cancel", status: "selected", reason: null, colloquial_name: "注销户口", time_limit_days: 2, waits_for: ["death_cert_normal"] },
    { key: "cremation_cert", status: "already_done", reason: "火化信息已共享。", colloquial_name: "开火化证明", time_limit_days: 0 },
    { key: "survivor_benefits", status: "ineligible", reason: "逝者没有参加养老保险。", instead: "可以问问民政部门的救助。", colloquial_name: "领丧葬费抚恤金" },
  ],
  materials: [
    { key: "applicant_id", name: "申请人身份证", copies: 1, medium: "any", form: "原件出示或电子证照", exempt: false, promise_allowed: false },
    { key: "deceased_id", name: "逝者身份证", copies: 1, medium: "paper", form: null, exempt: false, promise_allowed: true, promise_note: "找不到的可以签告知承诺。" },
    { key: "death_proof", name: "死亡证明", copies: 1, medium: "electronic", exempt: true, reason: "证明开好后直接共享，不用您再交。", promise_allowed: false },
  ],
  estimate: { together_days: 6, separately_days: 8, finish_by: "2026-12-08", separately_visits: 3, together_visits: 1 },
  reduction: "分开办共需提交 16 份次材料；一起办只需 4 份。",
};

describe("mergeBotOutputs", () => {
  it("joins a text with the custom payload Rasa sends after it", () => {
    let n = 0;
    const out = mergeBotOutputs(
      [
        { text: "清单如下", buttons: [{ title: "好的，就这样办", payload: "/affirm" }] },
        { custom: { items: ["hukou_cancel"], checklist: CHECKLIST } },
        { text: "第二句" },
        { image: null },
      ],
      () => `m${(n += 1)}`,
    );
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ id: "m1", from: "bot", text: "清单如下", custom: { items: ["hukou_cancel"] } });
    expect(out[0].buttons).toEqual([{ title: "好的，就这样办", payload: "/affirm" }]);
    expect(out[1]).toMatchObject({ text: "第二句", custom: null, buttons: [] });
  });

  it("keeps a custom payload that comes alone", () => {
    const out = mergeBotOutputs([{ custom: { case_no: "SH1" } }]);
    expect(out).toHaveLength(1);
    expect(out[0].custom).toEqual({ case_no: "SH1" });
  });
});

describe("checklistCard", () => {
  const card = checklistCard(CHECKLIST);
  it("groups the items by status with their reasons", () => {
    expect(card.active.map((i) => i.name)).toEqual(["开死亡证明", "注销户口"]);
    expect(card.active[0]).toMatchObject({ statusText: "已自动加上", reason: "各部门要凭死亡证明办理。", timeLimit: "1 个工作日" });
    expect(card.active[1].waitsFor).toEqual(["开死亡证明"]);
    expect(card.done[0]).toMatchObject({ name: "开火化证明", reason: "火化信息已共享。", timeLimit: "当场办结" });
    expect(card.ineligible[0]).toMatchObject({ reason: "逝者没有参加养老保险。", instead: "可以问问民政部门的救助。" });
  });
  it("separates the materials to bring from the exempt ones (with why) and marks 容缺", () => {
    expect(card.materials.needed.map((m) => m.name)).toEqual(["申请人身份证", "逝者身份证"]);
    expect(card.materials.needed[1]).toMatchObject({ form: "纸质原件", promise: "找不到的可以签告知承诺。" });
    expect(card.materials.needed[0].promise).toBe("");
    expect(card.materials.exempt).toEqual([
      expect.objectContaining({ name: "死亡证明", reason: "证明开好后直接共享，不用您再交。" }),
    ]);
  });
  it("carries the estimate together vs separately and the finish date", () => {
    expect(card.estimate).toMatchObject({ togetherDays: 6, separatelyDays: 8, finishBy: "2026-12-08", separatelyVisits: 3 });
    expect(card.reduction).toContain("4 份");
  });
  it("is nothing without items", () => {
    expect(checklistCard(null)).toBeNull();
    expect(checklistCard({ estimate: {} })).toBeNull();
  });
});

describe("cardsFor", () => {
  const tasks = [
    { item: "hukou_cancel", colloquial_name: "注销户口", department_name: "公安", status: "completed", status_text: "已办结", due_date: "2026-12-02", result: { 注销证明编号: "HK1" } },
    { item: "survivor_benefits", colloquial_name: "领丧葬费抚恤金", department_name: "人社", status: "in_progress", status_text: "办理中", due_date: "2026-12-20", overdue: true },
  ];
  it("draws the submitted case with its number, link and tasks", () => {
    const [card] = cardsFor({ case_no: "SH2026113012345", case_no_readable: "SH20261130-12345", access_link: "http://x/cases/SH#token=t", tasks });
    expect(card).toMatchObject({ kind: "case", caseNo: "SH20261130-12345", link: "http://x/cases/SH#token=t" });
    expect(card.tasks.map((t) => t.name)).toEqual(["注销户口", "领丧葬费抚恤金"]);
  });
  it("never links to a script URL", () => {
    const [card] = cardsFor({ case_no: "SH1", access_link: "javascript:alert(1)" });
    expect(card.link).toBe("");
  });
  it("draws the progress view with statuses, due dates, overdue and results", () => {
    const [card] = cardsFor({ case_no: "SH1", progress: { case_no: "SH20261130-12345", tasks } });
    expect(card).toMatchObject({ kind: "progress", caseNo: "SH20261130-12345", doneCount: 1 });
    expect(card.tasks[0]).toMatchObject({ done: true, statusText: "已办结", result: ["注销证明编号：HK1"] });
    expect(card.tasks[1]).toMatchObject({ overdue: true, dueDate: "2026-12-20", department: "人社" });
  });
  it("draws the checklist and nothing for plain item lists", () => {
    expect(cardsFor({ items: ["x"], checklist: CHECKLIST }).map((c) => c.kind)).toEqual(["checklist"]);
    expect(cardsFor({ items: ["hukou_cancel"] })).toEqual([]);
    expect(cardsFor(null)).toEqual([]);
  });
  it("announces cards in words", () => {
    expect(announcement({ text: "好的", custom: { checklist: CHECKLIST } })).toBe("好的 清单：2 件事一起办，材料 2 样。");
  });
});

describe("suggest", () => {
  const S = [
    { text: "老人走了，注销户口要带什么材料？", label: "注销户口", item: "hukou_cancel", phrasings: ["销户口", "户口注销", "消户"] },
    { text: "老人走了，开死亡证明要带什么材料？", label: "开死亡证明", item: "death_cert_normal", phrasings: ["死亡医学证明", "医院开死亡证"] },
    { text: "老人走了，提取公积金要带什么材料？", label: "提取公积金", item: "housing_fund", phrasings: ["取公积金", "公积金销户"] },
  ];
  it("finds items by any phrasing, best first", () => {
    expect(suggest("户口", S).map((s) => s.item)).toEqual(["hukou_cancel"]);
    expect(suggest("死亡证", S)[0]).toMatchObject({ item: "death_cert_normal", matched: expect.stringContaining("死亡证") });
    expect(suggest("我爸的公积金怎么取", S)[0].item).toBe("housing_fund");
  });
  it("suggests nothing for an empty or unrelated query", () => {
    expect(suggest("  ", S)).toEqual([]);
    expect(suggest("天气", S)).toEqual([]);
  });
  it("is bounded", () => {
    expect(suggest("证", S, 1)).toHaveLength(1);
  });
});

describe("scopeChatuiCss", () => {
  const css =
    '@font-face{font-family:A;src:url(https://cdn.example/a.woff)}:root{--brand-1:#f60}:root[data-color-scheme=dark]{--white:#000}html{height:100vh}html[data-safari]{height:1px}#root,body{height:100%}body{margin:0;overflow:hidden}@media (hover:none){body{-webkit-user-select:none}}.ChatApp{display:flex}';
  const out = scopeChatuiCss(css);
  it("drops page-wide rules and CDN fonts, keeps the components", () => {
    expect(out).not.toMatch(/https?:/);
    expect(out).not.toMatch(/overflow:hidden/);
    expect(out).not.toMatch(/(^|\})html/);
    expect(out).not.toMatch(/body\{/);
    expect(out).toContain(":host{--brand-1:#f60}");
    expect(out).toContain(".ChatApp{display:flex}");
  });
});

describe("state in localStorage", () => {
  const memory = () => {
    const data = {};
    return { getItem: (k) => data[k] ?? null, setItem: (k, v) => { data[k] = String(v); }, data };
  };
  it("survives a reload", () => {
    const storage = memory();
    const first = loadState(storage);
    expect(first.sender).toMatch(/^w[0-9a-f]{32}$/);
    saveState(storage, { ...first, messages: [{ id: "m1", from: "user", text: "你好" }], large: true });
    const again = loadState(storage);
    expect(again).toMatchObject({ sender: first.sender, large: true });
    expect(again.messages[0].text).toBe("你好");
  });
  it("keeps the last 200 messages and starts afresh from a broken store", () => {
    const storage = memory();
    saveState(storage, { sender: "w0123456789", messages: Array.from({ length: 250 }, (_, i) => ({ id: `m${i}` })) });
    expect(loadState(storage).messages).toHaveLength(200);
    storage.setItem(STORAGE_KEY, "{not json");
    expect(loadState(storage).messages).toEqual([]);
    expect(loadState({ getItem: () => { throw new Error("blocked"); } }).sender).toMatch(/^w/);
    expect(saveState({ setItem: () => { throw new Error("full"); } }, { sender: "x", messages: [] })).toBe(false);
  });
});

describe("small helpers", () => {
  it("makes ids the API accepts", () => {
    expect(randomId("m", 8)).toMatch(/^m[0-9a-f]{16}$/);
  });
  it("prefers a mainland Chinese voice", () => {
    const voices = [{ lang: "en-US" }, { lang: "zh-TW", name: "tw" }, { lang: "zh-CN", name: "cn" }];
    expect(chineseVoice(voices).name).toBe("cn");
    expect(chineseVoice([{ lang: "en-US" }])).toBeNull();
  });
  it("sends a button's payload and shows its title", () => {
    expect(buttonMessage({ title: "好的", payload: "/affirm" })).toEqual({ send: "/affirm", show: "好的" });
  });
});
