import { describe, expect, it } from "vitest";
import {
  answersOption, dashboardCharts, distributionOption, handlingOption, materialsOption, overdueOption,
  ratingsOption, weeklyOption,
} from "../src/charts.js";
import { commentRows, overdueRows, statsUrl, summaryLines } from "../src/view.js";

const row = (name, extra) => ({
  key: name, name, tasks: 3, open: 1, completed: 2, rejected: 0, overdue_open: 1, completed_late: 1,
  avg_handling_working_days: 2.5, avg_time_limit_days: 3, on_time_rate: 0.5, ratings: 2, avg_rating: 4.5, ...extra,
});

const STATS = {
  as_of: "2026-11-30", region: null, region_name: "全省", region_level: "city",
  cases: { total: 4, open: 3, completed: 1 },
  tasks: row("all"),
  by_item: [row("开死亡证明"), row("户口注销", { completed: 0, ratings: 0, avg_rating: null })],
  by_department: [row("卫健"), row("公安", { overdue_open: 0, completed_late: 0 })],
  by_region: [row("贵阳市")],
  by_staff: [row("WJ-001", { avg_rating: 3 })],
  ratings: { count: 3, distribution: { 1: 1, 2: 0, 3: 0, 4: 1, 5: 1 },
    comments: [{ created_at: "2026-11-29T03:00:00", item_name: "开死亡证明", staff_id: "WJ-001", score: 4, staff_score: 5, comment: "请回电 139****5678" }] },
  overdue_tasks: [{ case_no: "GZ1", item_name: "户口注销", department_name: "公安", region_name: "贵阳市", due_date: "2026-11-20", days_overdue: 10, staff_id: null }],
  cases_per_week: [{ week_start: "2026-11-16", cases: 1 }, { week_start: "2026-11-23", cases: 3 }],
  materials: { cases: 2, separately: 30, together: 10, saved: 20, saved_rate: 0.667 },
  answer_ratings: { helpful: 7, not_helpful: 2 },
};

describe("handlingOption", () => {
  it("draws handling time and limit for rows with completed tasks only", () => {
    const o = handlingOption(STATS.by_item, "事项");
    expect(o.xAxis.data).toEqual(["开死亡证明"]);
    expect(o.series.map((s) => s.name)).toEqual(["平均用时", "平均时限"]);
    expect(o.series[0].data).toEqual([2.5]);
    expect(o.series[1].data).toEqual([3]);
    expect(o.aria.enabled).toBe(true);
    expect(o.aria.description).toContain("开死亡证明 用时 2.5，时限 3");
  });
  it("says so when nothing is completed", () => {
    const o = handlingOption([], "部门");
    expect(o.xAxis.data).toEqual([]);
    expect(o.aria.description).toContain("还没有办结的任务");
  });
});

describe("overdueOption", () => {
  it("stacks overdue open and late completed tasks, skipping rows without either", () => {
    const o = overdueOption(STATS.by_department, "部门");
    expect(o.xAxis.data).toEqual(["卫健"]);
    expect(o.series[0].data).toEqual([1]);
    expect(o.series[1].data).toEqual([1]);
    expect(o.series[0].stack).toBe(o.series[1].stack);
  });
});

describe("ratings", () => {
  it("averages per item and per staff member, rows without ratings left out", () => {
    expect(ratingsOption(STATS.by_item, "事项").xAxis.data).toEqual(["开死亡证明"]);
    const staff = ratingsOption(STATS.by_staff, "经办人");
    expect(staff.series[0].data[0]).toEqual({ value: 3, ratings: 2 });
    expect(staff.yAxis.max).toBe(5);
  });
  it("shows the distribution from 5 down to 1", () => {
    const o = distributionOption(STATS.ratings.distribution);
    expect(o.series[0].data.map((d) => d.value)).toEqual([1, 1, 0, 0, 1]);
    expect(o.aria.description).toContain("共 3 条评价");
  });
});

describe("weekly, materials and answers", () => {
  it("plots cases per week by Monday", () => {
    const o = weeklyOption(STATS.cases_per_week);
    expect(o.xAxis.data).toEqual(["11-16", "11-23"]);
    expect(o.series[0].data).toEqual([1, 3]);
  });
  it("compares materials required separately with those handed in once", () => {
    const o = materialsOption(STATS.materials);
    expect(o.series[0].data[0]).toBe(30);
    expect(o.series[0].data[1]).toBe(10);
    expect(o.series[0].data[2].value).toBe(20);
    expect(o.aria.description).toContain("66.7%");
  });
  it("says there is nothing yet instead of drawing empty slices", () => {
    expect(distributionOption({}).graphic[0].style.text).toBe("还没有评价");
    expect(distributionOption(STATS.ratings.distribution).graphic).toEqual([]);
    expect(answersOption({ helpful: 0, not_helpful: 0 }).graphic).toHaveLength(1);
    expect(answersOption({ helpful: 0, not_helpful: 0 }).series[0].stillShowZeroSum).toBe(false);
  });
  it("draws the answer ratings only when the scope has them", () => {
    expect(answersOption(null)).toBeNull();
    expect(answersOption(STATS.answer_ratings).series[0].data).toEqual([
      { name: "有帮助", value: 7 }, { name: "没帮助", value: 2 },
    ]);
  });
  it("lists every chart of the page", () => {
    const ids = dashboardCharts(STATS).map(([id]) => id);
    expect(ids).toContain("chart-handling-region");
    expect(ids).toHaveLength(10);
    expect(dashboardCharts({ ...STATS, region_level: "county" })[2][1].title.text).toContain("县（区）");
  });
});

describe("view", () => {
  it("builds the query from the filters", () => {
    const form = new Map([["since", "2026-11-01"], ["until", ""], ["region", "520100"]]);
    expect(statsUrl(form)).toBe("/api/v1/supervision/stats?since=2026-11-01&region=520100");
    expect(statsUrl(new Map())).toBe("/api/v1/supervision/stats");
  });
  it("summarises and lists rows", () => {
    const lines = Object.fromEntries(summaryLines(STATS));
    expect(lines["案件"]).toBe("4");
    expect(lines["按时办结率"]).toBe("50%");
    expect(lines["少交材料（份次）"]).toBe("20");
    expect(overdueRows(STATS)[0]).toEqual(["GZ1", "户口注销", "公安", "贵阳市", "2026-11-20", "10 天", "—"]);
    expect(commentRows(STATS)[0][5]).toBe("请回电 139****5678");
  });
});
