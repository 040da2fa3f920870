// Chart-option builders: the statistics JSON of GET /api/v1/supervision/stats → ECharts options.
// Pure functions (no DOM, no ECharts import), tested by `npm test` (vitest).

const PALETTE = ["#0b57d0", "#b3261e", "#1e6b2e", "#8a5300", "#6750a4", "#00639b", "#7d5260"];

function base(title, description) {
  return {
    color: PALETTE,
    animation: false,
    aria: { enabled: true, description },
    title: { text: title, left: 0, textStyle: { fontSize: 16 } },
    tooltip: { trigger: "axis" },
    textStyle: { fontFamily: "system-ui, 'Noto Sans CJK SC', 'Droid Sans Fallback', sans-serif" },
  };
}

const num = (v) => (v === null || v === undefined ? null : Number(v));

// A pie with nothing to show says so instead of drawing equal empty slices.
function emptyNote(total, text) {
  return total
    ? []
    : [{ type: "text", left: "center", top: "middle", style: { text, fontSize: 16, fill: "#555" } }];
}

// Handling time against the limit (working days) for rows of {name, avg_handling_working_days,
// avg_time_limit_days, completed, overdue_open}: two bars per row, rows without a completed task left out.
export function handlingOption(rows, what) {
  const done = (rows || []).filter((r) => r.completed > 0);
  const names = done.map((r) => r.name);
  const handling = done.map((r) => num(r.avg_handling_working_days));
  const limit = done.map((r) => num(r.avg_time_limit_days));
  const desc =
    `按${what}的平均办理用时与办结时限（工作日）：` +
    (done.length
      ? done.map((r, i) => `${names[i]} 用时 ${handling[i] ?? "无"}，时限 ${limit[i] ?? "无"}`).join("；")
      : "还没有办结的任务");
  return {
    ...base(`按${what}：办理用时与时限（工作日）`, desc),
    legend: { top: 24, data: ["平均用时", "平均时限"] },
    grid: { left: 48, right: 16, top: 64, bottom: 72, containLabel: true },
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", name: "工作日", minInterval: 1 },
    series: [
      { name: "平均用时", type: "bar", data: handling, label: { show: true, position: "top" } },
      { name: "平均时限", type: "bar", data: limit, label: { show: true, position: "top" } },
    ],
  };
}

// Overdue: open tasks past their due date and tasks completed late, per row.
export function overdueOption(rows, what) {
  const list = (rows || []).filter((r) => r.overdue_open > 0 || r.completed_late > 0);
  const names = list.map((r) => r.name);
  const desc =
    `按${what}的超期任务：` +
    (list.length
      ? list.map((r) => `${r.name} 超期未办结 ${r.overdue_open} 件，超期办结 ${r.completed_late} 件`).join("；")
      : "没有超期任务");
  return {
    ...base(`按${what}：超期任务`, desc),
    legend: { top: 24, data: ["超期未办结", "超期办结"] },
    grid: { left: 48, right: 16, top: 64, bottom: 72, containLabel: true },
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", name: "件", minInterval: 1 },
    series: [
      { name: "超期未办结", type: "bar", stack: "late", data: list.map((r) => r.overdue_open) },
      { name: "超期办结", type: "bar", stack: "late", data: list.map((r) => r.completed_late) },
    ],
  };
}

// 好差评: the average score (1–5) and the number of ratings per row (item or staff member).
export function ratingsOption(rows, what) {
  const list = (rows || []).filter((r) => r.ratings > 0);
  const desc =
    `按${what}的好差评：` +
    (list.length ? list.map((r) => `${r.name} 平均 ${r.avg_rating} 分（${r.ratings} 条）`).join("；") : "还没有评价");
  return {
    ...base(`按${what}：好差评平均分`, desc),
    grid: { left: 48, right: 16, top: 48, bottom: 72, containLabel: true },
    xAxis: { type: "category", data: list.map((r) => r.name), axisLabel: { interval: 0, rotate: list.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", min: 0, max: 5, name: "分" },
    series: [
      {
        name: "平均分",
        type: "bar",
        data: list.map((r) => ({ value: num(r.avg_rating), ratings: r.ratings })),
        label: { show: true, position: "top" },
      },
    ],
  };
}

// The distribution of scores 1–5.
export function distributionOption(distribution) {
  const labels = { 1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意" };
  const data = ["5", "4", "3", "2", "1"].map((k) => ({ name: `${k} 分 ${labels[k]}`, value: (distribution || {})[k] || 0 }));
  const total = data.reduce((s, d) => s + d.value, 0);
  return {
    ...base("评价分布", `共 ${total} 条评价：` + data.map((d) => `${d.name} ${d.value} 条`).join("；")),
    tooltip: { trigger: "item" },
    legend: { top: 24, type: "scroll" },
    graphic: emptyNote(total, "还没有评价"),
    series: [{ name: "评价", type: "pie", radius: ["35%", "62%"], top: 40, stillShowZeroSum: false, data }],
  };
}

// Cases submitted per week (the Monday of each week on the axis).
export function weeklyOption(weeks) {
  const list = weeks || [];
  const total = list.reduce((s, w) => s + w.cases, 0);
  return {
    ...base("每周提交的案件数", `最近 ${list.length} 周共 ${total} 件：` + list.filter((w) => w.cases).map((w) => `${w.week_start} 这一周 ${w.cases} 件`).join("；")),
    grid: { left: 48, right: 16, top: 48, bottom: 48, containLabel: true },
    xAxis: { type: "category", data: list.map((w) => w.week_start.slice(5)), name: "周一" },
    yAxis: { type: "value", name: "件", minInterval: 1 },
    series: [{ name: "案件数", type: "line", data: list.map((w) => w.cases), smooth: false, areaStyle: { opacity: 0.15 } }],
  };
}

// Materials: what separate applications would have required vs what one application asked for.
export function materialsOption(materials) {
  const m = materials || { cases: 0, separately: 0, together: 0, saved: 0, saved_rate: null };
  const rate = m.saved_rate === null || m.saved_rate === undefined ? "—" : `${Math.round(m.saved_rate * 1000) / 10}%`;
  return {
    ...base(
      "一套材料：少交的材料（份次）",
      `${m.cases} 个案件分开办共需 ${m.separately} 份次材料，一次办只需 ${m.together} 份，少交 ${m.saved} 份次（${rate}）`,
    ),
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 48, bottom: 32, containLabel: true },
    xAxis: { type: "category", data: ["分开办需要", "一次办提交", "少交"] },
    yAxis: { type: "value", name: "份次", minInterval: 1 },
    series: [
      {
        name: "材料份次",
        type: "bar",
        data: [m.separately, m.together, { value: m.saved, itemStyle: { color: "#1e6b2e" } }],
        label: { show: true, position: "top" },
      },
    ],
  };
}

// The website assistant's answers rated 有帮助 / 没帮助 (null: not available in this scope).
export function answersOption(answers) {
  if (!answers) return null;
  const data = [
    { name: "有帮助", value: answers.helpful || 0 },
    { name: "没帮助", value: answers.not_helpful || 0 },
  ];
  const total = data[0].value + data[1].value;
  return {
    ...base("在线助手的回答", `有帮助 ${data[0].value} 条，没帮助 ${data[1].value} 条`),
    color: ["#1e6b2e", "#b3261e"],
    tooltip: { trigger: "item" },
    legend: { top: 24 },
    graphic: emptyNote(total, "还没有评价"),
    series: [{ name: "回答评价", type: "pie", radius: ["35%", "62%"], top: 40, stillShowZeroSum: false, data }],
  };
}

// Every chart of the dashboard: [id, option] (an option of null is not drawn).
export function dashboardCharts(stats) {
  const regionWhat = stats.region_level === "county" ? "县（区）" : "市州";
  return [
    ["chart-handling-item", handlingOption(stats.by_item, "事项")],
    ["chart-handling-department", handlingOption(stats.by_department, "部门")],
    ["chart-handling-region", handlingOption(stats.by_region, regionWhat)],
    ["chart-overdue", overdueOption(stats.by_department, "部门")],
    ["chart-ratings-item", ratingsOption(stats.by_item, "事项")],
    ["chart-ratings-staff", ratingsOption(stats.by_staff, "经办人")],
    ["chart-ratings-distribution", distributionOption(stats.ratings && stats.ratings.distribution)],
    ["chart-weekly", weeklyOption(stats.cases_per_week)],
    ["chart-materials", materialsOption(stats.materials)],
    ["chart-answers", answersOption(stats.answer_ratings)],
  ];
}
