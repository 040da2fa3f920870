// Text of the dashboard (pure functions, tested): the query URL, the summary figures, table rows.

export function statsUrl(form) {
  const params = new URLSearchParams();
  for (const key of ["since", "until", "region"]) {
    const v = form && form.get ? form.get(key) : null;
    if (v) params.set(key, v);
  }
  const q = params.toString();
  return "/api/v1/supervision/stats" + (q ? "?" + q : "");
}

const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 1000) / 10}%`);

export function summaryLines(stats) {
  const t = stats.tasks || {};
  const m = stats.materials || {};
  return [
    ["案件", String(stats.cases.total)],
    ["在办案件", String(stats.cases.open)],
    ["任务", String(t.tasks ?? 0)],
    ["超期未办结", String(t.overdue_open ?? 0)],
    ["按时办结率", pct(t.on_time_rate)],
    ["好差评平均分", t.avg_rating === null || t.avg_rating === undefined ? "—" : String(t.avg_rating)],
    ["少交材料（份次）", String(m.saved ?? 0)],
  ];
}

export function overdueRows(stats) {
  return (stats.overdue_tasks || []).map((t) => [
    t.case_no, t.item_name, t.department_name, t.region_name, t.due_date, `${t.days_overdue} 天`, t.staff_id || "—",
  ]);
}

export function commentRows(stats) {
  return ((stats.ratings && stats.ratings.comments) || []).map((c) => [
    c.created_at.slice(0, 10), c.item_name, c.staff_id || "—", `${c.score} 分`,
    c.staff_score ? `${c.staff_score} 分` : "—", c.comment || "",
  ]);
}
