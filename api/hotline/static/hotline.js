// 12345 hotline console: search while the caller talks, the guide, the situation as toggles, the
// personal checklist, its PDF and an SMS link. Plain JS, no build step, nothing from a CDN.
"use strict";
const $ = (id) => document.getElementById(id);
const q = $("q"), results = $("results"), note = $("results-note"), nluStatus = $("nlu-status");
const state = { results: [], active: -1, chosen: [], names: {}, situation: {}, fields: [], checklist: null };
let signedIn = false;
let searchTimer = null, searchAbort = null, checklistTimer = null, checklistSeq = 0;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

async function api(path, options = {}) {
  const r = await fetch(path, options);
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    const err = new Error(body.message || "出了点问题，请稍后再试。");
    err.status = r.status;
    throw err;
  }
  return r;
}

// ------------------------------------------------------------------ search
function renderResults() {
  results.replaceChildren();
  state.results.forEach((r, i) => {
    const li = el("li", { role: "option", id: "opt-" + i, "aria-selected": String(i === state.active) },
      el("span", { text: r.colloquial_name }),
      r.type === "referral" ? el("span", { class: "tag", text: "不在一件事内" }) : null,
      r.sources && r.sources.includes("assistant") ? el("span", { class: "tag", text: "助手" }) : null,
      r.weak ? el("span", { class: "tag", text: "可能" }) : null,
      el("div", { class: "sub", text: r.name + (r.department_name ? " · " + r.department_name.split("（")[0] : "") }));
    li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
    results.append(li);
  });
  q.setAttribute("aria-expanded", String(state.results.length > 0));
  if (state.active >= 0) q.setAttribute("aria-activedescendant", "opt-" + state.active);
  else q.removeAttribute("aria-activedescendant");
}

async function search() {
  const text = q.value.trim();
  if (searchAbort) searchAbort.abort();
  if (!text) { state.results = []; state.active = -1; renderResults(); note.textContent = ""; return; }
  searchAbort = new AbortController();
  try {
    const r = await api("/api/v1/hotline/search?q=" + encodeURIComponent(text), { signal: searchAbort.signal });
    const body = await r.json();
    if (body.query !== q.value.trim()) return; // typed on meanwhile
    state.results = body.results;
    state.active = body.results.length ? 0 : -1;
    renderResults();
    note.textContent = body.results.length ? "" : "没有找到相近的事项，换个说法或用拼音首字母试试。";
    if (body.assistant.asked) {
      nluStatus.textContent = body.assistant.available ? "" : "助手的语义理解暂时不可用，结果只来自事项目录。";
    }
  } catch (e) {
    if (e.name !== "AbortError") note.textContent = e.message;
  }
}

q.addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 120); });
q.addEventListener("keydown", (e) => {
  const n = state.results.length;
  if (e.key === "ArrowDown" && n) { e.preventDefault(); state.active = (state.active + 1) % n; renderResults(); }
  else if (e.key === "ArrowUp" && n) { e.preventDefault(); state.active = (state.active - 1 + n) % n; renderResults(); }
  else if (e.key === "Enter") {
    e.preventDefault();
    if (searchTimer && q.value.trim() && !n) { clearTimeout(searchTimer); search().then(() => choose(state.active)); }
    else choose(state.active);
  } else if (e.key === "Escape") { q.value = ""; state.results = []; state.active = -1; renderResults(); }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "/" && document.activeElement.tagName !== "INPUT") { e.preventDefault(); q.focus(); }
});

function choose(i) {
  const r = state.results[i];
  if (!r) return;
  showGuide(r);
  if (r.type === "item" && !state.chosen.includes(r.key)) {
    state.chosen.push(r.key);
    state.names[r.key] = r.colloquial_name;
    renderChosen();
    scheduleChecklist();
  }
  q.value = ""; state.results = []; state.active = -1; renderResults();
  q.focus();
}

function renderChosen() {
  const ul = $("chosen");
  ul.replaceChildren();
  if (!state.chosen.length) { ul.append(el("li", { class: "quiet", text: "还没有选。" })); return; }
  for (const key of state.chosen) {
    const guide = el("button", { type: "button", class: "secondary", text: "指南" });
    guide.addEventListener("click", () => showGuide({ type: "item", key }));
    const remove = el("button", { type: "button", class: "secondary", text: "移除",
      "aria-label": "移除 " + state.names[key] });
    remove.addEventListener("click", () => {
      state.chosen = state.chosen.filter((k) => k !== key); renderChosen(); scheduleChecklist(); q.focus();
    });
    ul.append(el("li", {}, el("span", { text: state.names[key] }), el("span", {}, guide, " ", remove)));
  }
}

// ------------------------------------------------------------------ guide
function list(items) { const ul = el("ul"); for (const t of items) ul.append(el("li", { text: t })); return ul; }

async function showGuide(r) {
  const box = $("guide");
  try {
    if (r.type === "referral") {
      const ref = await (await api("/api/v1/referrals/" + encodeURIComponent(r.key))).json();
      box.replaceChildren(el("h3", { text: ref.name }), el("p", { class: "status", text: "不在本次“一件事”范围内" }),
        el("dl", {}, el("dt", { text: "去哪里办" }), el("dd", { text: ref.where }),
          ref.what_to_bring ? el("dt", { text: "要带什么" }) : null, ref.what_to_bring ? el("dd", { text: ref.what_to_bring }) : null,
          el("dt", { text: "说明" }), el("dd", { text: ref.not_covered })));
      return;
    }
    const g = await (await api("/api/v1/items/" + encodeURIComponent(r.key))).json();
    const materials = g.materials_detail.map((m) => m.name + "（" + m.form + "）" + (m.when ? "——" + m.when + "时" : ""));
    const limit = g.time_limit_days === 0 ? "即办（当场办结）" : g.time_limit_days + " 个工作日";
    box.replaceChildren(
      el("h3", { text: g.colloquial_name }),
      el("p", { class: "sub", text: g.name + " · 事项编码 " + g.code + (g.code_provisional ? "（暂定）" : "") }),
      el("dl", {},
        el("dt", { text: "办理部门" }), el("dd", { text: g.department_name }),
        el("dt", { text: "在哪里办" }), el("dd", { text: g.where }),
        el("dt", { text: "办结时限" }), el("dd", { text: limit + (g.time_limit_note ? "；" + g.time_limit_note : "") }),
        el("dt", { text: "申请材料" }), el("dd", {}, list(materials)),
        el("dt", { text: "受理条件" }), el("dd", {}, list(g.conditions)),
        g.prerequisite_rules.length ? el("dt", { text: "要先办" }) : null,
        g.prerequisite_rules.length ? el("dd", {}, list(g.prerequisite_rules.map((p) => p.reason))) : null,
        el("dt", { text: "设定依据" }), el("dd", {}, list(g.basis.map((b) => b.title))),
        el("dt", { text: "收费" }), el("dd", { text: g.fee })));
  } catch (e) {
    box.replaceChildren(el("p", { class: "error", text: e.message }));
  }
}

// ------------------------------------------------------------------ situation
async function loadSituation() {
  const fields = await (await api("/api/v1/situation")).json();
  state.fields = fields.filter((f) => f.asked);
  const form = $("situation");
  for (const f of state.fields) {
    const fs = el("fieldset", { id: "field-" + f.key }, el("legend", { text: f.label }));
    const choices = el("div", { class: "choices" });
    const values = f.type === "bool" ? [{ value: true, label: "是" }, { value: false, label: "否" }] : f.values;
    for (const v of [...values, { value: null, label: "未说" }]) {
      const input = el("input", { type: "radio", name: f.key, value: JSON.stringify(v.value) });
      if (v.value === null) input.checked = true;
      input.addEventListener("change", () => {
        if (v.value === null) delete state.situation[f.key]; else state.situation[f.key] = v.value;
        scheduleChecklist();
      });
      choices.append(el("label", {}, input, v.label));
    }
    fs.append(choices);
    form.append(fs);
  }
}

// ------------------------------------------------------------------ checklist
const STATUS = { selected: "要办", added_prerequisite: "要先办", already_done: "不用再办", ineligible: "这次办不了" };

function checklistBody() { return { situation: state.situation, items: state.chosen }; }

function scheduleChecklist() { clearTimeout(checklistTimer); checklistTimer = setTimeout(loadChecklist, 150); }

async function loadChecklist() {
  const box = $("checklist");
  const seq = ++checklistSeq;
  $("pdf").disabled = !state.chosen.length;
  $("send").disabled = !state.chosen.length || !signedIn;
  if (!state.chosen.length) {
    box.replaceChildren(el("p", { class: "quiet", text: "选了事项后，这里按来电人的情况列出要办的事和要带的材料。" }));
    return;
  }
  try {
    const r = await api("/api/v1/checklist", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(checklistBody()) });
    const c = await r.json();
    if (seq !== checklistSeq) return;
    state.checklist = c;
    const items = el("ul");
    for (const it of c.items) {
      items.append(el("li", {}, el("span", { class: "status status-" + it.status, text: "【" + STATUS[it.status] + "】" }),
        it.colloquial_name, it.reason ? el("div", { class: "sub", text: it.reason }) : null,
        it.instead ? el("div", { class: "sub", text: "可以这样办：" + it.instead }) : null));
    }
    const needed = el("ul"), exempt = el("ul");
    for (const m of c.materials) {
      if (m.exempt) exempt.append(el("li", { class: "exempt" }, m.name + "（不用交）", el("div", { class: "sub", text: m.reason })));
      else needed.append(el("li", {}, m.name + (m.copies > 1 ? " × " + m.copies : "") + "（" + m.form + "）",
        m.promise_allowed ? el("div", { class: "sub", text: "容缺：" + m.promise_note }) : null));
    }
    const parts = [el("h3", { text: "事项" }), items, el("h3", { text: "要带的材料" }), needed];
    if (exempt.children.length) parts.push(el("h3", { text: "不用交的材料" }), exempt);
    parts.push(el("h3", { text: "多久办完" }), el("p", { text: c.estimate.summary +
      (c.estimate.finish_by ? " 预计 " + c.estimate.finish_by + " 前办完。" : "") }));
    if (c.missing_fields.length) {
      const ask = el("ul");
      for (const f of c.missing_fields) ask.append(el("li", { text: f.question }));
      parts.push(el("h3", { text: "还可以问来电人" }), ask);
    }
    box.replaceChildren(...parts);
  } catch (e) {
    if (seq === checklistSeq) box.replaceChildren(el("p", { class: "error", text: e.message }));
  }
}

$("pdf").addEventListener("click", async () => {
  const status = $("pdf-status");
  status.textContent = "正在生成 PDF……";
  try {
    const r = await api("/api/v1/checklist/pdf", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify(checklistBody()) });
    const url = URL.createObjectURL(await r.blob());
    const a = el("a", { href: url, download: "办事清单-" + document.body.dataset.today + ".pdf" });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "PDF 已生成，可以打印或发给来电人。";
  } catch (e) { status.textContent = e.message; }
});

$("sms").addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = $("sms-status");
  status.className = "";
  status.textContent = "正在发送……";
  const csrf = (document.cookie.match(/(?:^|;\s*)staff_csrf=([^;]+)/) || [])[1] || "";
  const headers = { "content-type": "application/json", "X-CSRF-Token": decodeURIComponent(csrf) };
  try {
    const r = await api("/api/v1/hotline/sms-links", { method: "POST", headers, credentials: "same-origin",
      body: JSON.stringify({ ...checklistBody(), phone: $("phone").value.trim() }) });
    const body = await r.json();
    $("phone").value = "";
    status.textContent = "已发送到 " + body.phone_masked + "，链接 " + body.expires_at.slice(0, 10) + " 前有效。";
  } catch (err) {
    status.className = "error";
    status.textContent = err.status === 401 ? "登录已过期，请重新登录后再发送。" : err.message;
  }
});

// staff sign-in (docs/staff.md): the lookup, guide and checklist need none; sending an SMS does
async function whoAmI() {
  try {
    const r = await fetch("/api/v1/staff/me", { credentials: "same-origin" });
    if (!r.ok) return;
    const me = await r.json();
    signedIn = ["hotline_staff", "admin"].includes(me.role);
    $("staff-signin").textContent = signedIn
      ? "已登录：" + (me.display_name || me.username) + "。"
      : "您的账号不能发短信，只有热线工作人员可以。";
    $("send").disabled = !state.chosen.length || !signedIn;
  } catch (e) { /* not signed in: the sign-in link stays */ }
}

whoAmI();
loadSituation().catch((e) => { $("situation").replaceChildren(el("p", { class: "error", text: e.message })); });
q.focus();
