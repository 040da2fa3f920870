// The supervisor dashboard (/workbench/supervisor): reads GET /api/v1/supervision/stats with the
// signed-in staff session and draws every chart with Apache ECharts (bundled by vite).
import * as echarts from "echarts/core";
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { AriaComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { dashboardCharts } from "./charts.js";
import { statsUrl, summaryLines, overdueRows, commentRows } from "./view.js";

echarts.use([BarChart, LineChart, PieChart, AriaComponent, GridComponent, LegendComponent, TitleComponent,
  TooltipComponent, CanvasRenderer]);

const charts = new Map();

async function getJson(url) {
  if (typeof window.staffFetch === "function") return window.staffFetch(url);
  const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || "统计没有取到，请稍后再试。");
  return body;
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function fillTable(id, rows, empty) {
  const body = document.getElementById(id);
  body.replaceChildren();
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = cell(empty, "muted");
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const v of row) tr.append(cell(v));
    body.append(tr);
  }
}

function draw(stats) {
  const summary = document.getElementById("summary");
  summary.replaceChildren(...summaryLines(stats).map(([label, value]) => {
    const div = document.createElement("div");
    div.className = "figure";
    const b = document.createElement("b");
    b.textContent = value;
    const span = document.createElement("span");
    span.textContent = label;
    div.append(b, span);
    return div;
  }));
  for (const [id, option] of dashboardCharts(stats)) {
    const el = document.getElementById(id);
    if (!el) continue;
    const box = el.closest("figure");
    if (!option) { if (box) box.hidden = true; continue; }
    if (box) box.hidden = false;
    let chart = charts.get(id);
    if (!chart) { chart = echarts.init(el, null, { renderer: "canvas" }); charts.set(id, chart); }
    // the figure's caption is the title on the page; ECharts keeps it in the chart's aria label
    chart.setOption({ ...option, title: { ...option.title, show: false } }, true);
    el.setAttribute("data-rendered", "1");
  }
  fillTable("overdue-rows", overdueRows(stats), "没有超期未办结的任务。");
  fillTable("comment-rows", commentRows(stats), "还没有家属留言。");
  document.getElementById("dashboard").setAttribute("data-loaded", "1");
}

async function load() {
  const status = document.getElementById("status");
  status.textContent = "正在统计……";
  const form = document.getElementById("filters");
  try {
    const stats = await getJson(statsUrl(new FormData(form)));
    draw(stats);
    status.textContent = `统计范围：${stats.region_name}；截至 ${stats.as_of}（中国时间）。`;
  } catch (err) {
    status.textContent = err.message;
    status.className = "err";
  }
}

document.getElementById("filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
window.addEventListener("resize", () => { for (const c of charts.values()) c.resize(); });
load();
