# ruff: noqa: E501  (the page's HTML and script are kept as written, one statement a line)
"""/workbench/region: regional configuration for signed-in regional administrators (their region and
below) and administrators: the items enabled and open online, time limits, figures and the 专员 per
item in force, a change with its effective date (never earlier than today), the changes still to
come, the history and reverts. The page's script asks the API with the signed-in session."""

from __future__ import annotations

BODY = """<h1>地区配置</h1>
<p class="muted">开通事项和网上申请、调整办理时限和政策数字、指定“一件事”专员。时限和数字从生效日期起执行，
不追溯已经受理的申请；每次修改都留痕，可以撤销（撤销也是一条新的记录）。</p>
<div class="card">
<label for="region-select">地区</label><select id="region-select"></select>
<p id="today" class="muted"></p>
</div>

<section class="card" aria-labelledby="change-title">
<h2 id="change-title">修改配置</h2>
<form id="change-form" novalidate>
<label for="kind">修改什么</label>
<select id="kind">
<option value="time_limit">办理时限（工作日）</option>
<option value="item_enabled">开通或关闭事项</option>
<option value="online_enabled">开通或关闭网上申请</option>
<option value="specialist">“一件事”专员</option>
<option value="figure">政策数字</option>
</select>
<div id="target-item"><label for="item">事项</label><select id="item"></select></div>
<div id="target-figure" hidden><label for="figure">政策数字</label><select id="figure"></select></div>
<div id="v-number"><label for="number">新的数值</label><input id="number" type="number" min="0" step="1"></div>
<div id="v-switch" hidden><label for="switch">开通吗</label>
<select id="switch"><option value="true">开通</option><option value="false">关闭</option></select></div>
<div id="v-person" hidden>
<label for="person-name">专员姓名</label><input id="person-name" autocomplete="off">
<label for="person-phone">办公电话</label><input id="person-phone" autocomplete="off" placeholder="如 0851-86891234">
</div>
<label for="effective">生效日期</label><input id="effective" type="date">
<label for="note">依据或原因</label><textarea id="note" rows="2"></textarea>
<p><button type="submit">保存修改</button></p>
</form>
<p id="change-message" role="status"></p>
</section>

<section class="card" aria-labelledby="now-title">
<h2 id="now-title">现在执行的配置</h2>
<table><caption class="visually-hidden">各事项在本地区的配置</caption>
<thead><tr><th scope="col">事项</th><th scope="col">开通</th><th scope="col">网上申请</th><th scope="col">时限（工作日）</th><th scope="col">专员</th></tr></thead>
<tbody id="items-table"></tbody></table>
<h3>政策数字</h3><ul id="figures-list"></ul>
</section>

<section class="card" aria-labelledby="scheduled-title">
<h2 id="scheduled-title">待生效的修改</h2><ul id="scheduled"></ul>
</section>

<section class="card" aria-labelledby="history-title">
<h2 id="history-title">修改记录</h2>
<table><caption class="visually-hidden">本地区的修改记录</caption>
<thead><tr><th scope="col">编号</th><th scope="col">修改</th><th scope="col">生效日期</th><th scope="col">修改人</th><th scope="col">操作</th></tr></thead>
<tbody id="history"></tbody></table>
<p id="history-message" role="status"></p>
</section>"""

SCRIPT = r"""
const $ = (id) => document.getElementById(id);
const MINE = document.body.dataset.region || null;
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function say(id, text, bad) { $(id).textContent = text; $(id).className = bad ? "err" : "ok"; }
function valueText(c) {
  if (c.value === null) return "取消本级设置";
  if (c.kind === "item_enabled" || c.kind === "online_enabled") return c.value ? "开通" : "关闭";
  if (c.kind === "specialist") return c.value.name + "，" + c.value.phone;
  if (c.kind === "time_limit") return c.value + " 个工作日";
  return String(c.value);
}

async function loadRegions() {
  const tree = await staffFetch("/api/v1/regions");
  const walk = (node, depth, inside) => {
    const mine = inside || !MINE || node.code === MINE;
    if (mine) $("region-select").append(el("option", {value: node.code}, "　".repeat(depth) + node.name));
    for (const c of node.children) walk(c, depth + 1, mine);
  };
  for (const root of tree) walk(root, 0, false);
  const items = await staffFetch("/api/v1/items");
  for (const it of items) $("item").append(el("option", {value: it.key}, it.colloquial_name));
  const figures = await staffFetch("/api/v1/figures");
  for (const f of figures) $("figure").append(el("option", {value: f.key}, f.name));
}

async function load() {
  const code = $("region-select").value;
  const s = await staffFetch("/api/v1/regions/" + code + "/settings");
  $("today").textContent = "今天是 " + s.today + "（北京时间）。下表是 " + s.region_name + " 今天执行的配置。";
  $("effective").min = s.today; if (!$("effective").value) $("effective").value = s.today;
  const body = $("items-table"); body.replaceChildren();
  for (const it of s.items) {
    const tr = el("tr");
    tr.append(el("td", {}, it.colloquial_name), el("td", {}, it.enabled ? "开通" : "关闭"),
      el("td", {}, it.online_enabled ? "可以" : "只能到窗口"),
      el("td", {"data-item": it.key}, it.time_limit_days + (it.time_limit_days !== it.default_time_limit_days ? "（默认 " + it.default_time_limit_days + "）" : "")),
      el("td", {}, it.specialist ? it.specialist.name + " " + it.specialist.phone + "（" + it.specialist.region_name + "）" : "—"));
    body.append(tr);
  }
  $("figures-list").replaceChildren(...s.figures.map((f) => el("li", {}, f.name + "：" + (f.value === null ? "尚未配置" : f.value + " " + f.unit))));
  $("scheduled").replaceChildren(...(s.scheduled.length ? s.scheduled.map((c) =>
    el("li", {}, c.effective_from + " 起：" + c.target_name + "，" + c.kind_text + " → " + valueText(c))) : [el("li", {}, "没有")]));
  const hist = $("history"); hist.replaceChildren();
  for (const c of s.history) {
    const tr = el("tr");
    const what = c.target_name + "：" + c.kind_text + " → " + valueText(c) + (c.reverts_id ? "（撤销第 " + c.reverts_id + " 号）" : "") + (c.note ? "。" + c.note : "");
    const act = el("td");
    if (!c.reverted) {
      const b = el("button", {type: "button", class: "secondary", "data-revert": String(c.id)}, "撤销第 " + c.id + " 号");
      b.addEventListener("click", () => revert(c.id)); act.append(b);
    } else { act.textContent = "已撤销"; }
    tr.append(el("td", {}, String(c.id)), el("td", {}, what), el("td", {}, c.effective_from), el("td", {}, c.staff_id || c.role), act);
    hist.append(tr);
  }
}

async function revert(id) {
  try {
    await staffFetch("/api/v1/regions/changes/" + id + "/revert", {method: "POST", json: {}});
    await load(); say("history-message", "已撤销第 " + id + " 号修改。");
  } catch (err) { say("history-message", err.message, true); }
}

function showValue() {
  const k = $("kind").value;
  $("target-item").hidden = k === "figure"; $("target-figure").hidden = k !== "figure";
  $("v-number").hidden = !(k === "time_limit" || k === "figure");
  $("v-switch").hidden = !(k === "item_enabled" || k === "online_enabled");
  $("v-person").hidden = k !== "specialist";
  $("number").step = k === "figure" ? "any" : "1";
}
$("kind").addEventListener("change", showValue);
$("region-select").addEventListener("change", () => load().catch((e) => say("change-message", e.message, true)));

$("change-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const k = $("kind").value;
  let value;
  if (k === "time_limit" || k === "figure") value = $("number").value === "" ? null : Number($("number").value);
  else if (k === "specialist") value = {name: $("person-name").value.trim(), phone: $("person-phone").value.trim()};
  else value = $("switch").value === "true";
  const body = {kind: k, target: k === "figure" ? $("figure").value : $("item").value, value: value,
                effective_from: $("effective").value || null, note: $("note").value.trim() || null};
  try {
    const c = await staffFetch("/api/v1/regions/" + $("region-select").value + "/changes", {method: "POST", json: body});
    await load();
    say("change-message", "已保存（第 " + c.id + " 号）：" + c.target_name + "，" + c.kind_text + " → " + valueText(c) + "，" + c.effective_from + " 起执行。");
  } catch (err) { say("change-message", err.message, true); }
});

loadRegions().then(load).catch((e) => say("change-message", e.message, true));
showValue();
"""
