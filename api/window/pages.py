# ruff: noqa: E501  (the page's HTML and script are kept as written, one statement a line)
"""/workbench/window: the one-stop window (一窗受理) for signed-in window staff.

Open a family's case by its number and the family's code (a case filed with the assistant: the form
prefilled, masked), or fill in the unified form for a family without one (submitted through
POST /api/v1/window/cases, the one submission flow); then beside each material its review points,
the 容缺 promise where allowed, and the receipt as a PDF. The page holds no case data in its HTML:
its script asks the API with the signed-in session."""

from __future__ import annotations

BODY = """<h1>一窗受理</h1>
<p class="muted">家属带着案件号来的，凭案件号和家属的 6 位查询码打开申请；没有案件号的，在下面填一张申请表。
个人信息只显示部分，需要核对证件时输入证件上的号码，系统只告诉您是否一致。</p>

<section class="card" aria-labelledby="open-title">
<h2 id="open-title">打开家属的申请</h2>
<form id="open-form" novalidate>
<label for="open-case-no">案件号</label><input id="open-case-no" autocomplete="off" required>
<label for="open-code">家属的查询码（短信里的 6 位）</label><input id="open-code" autocomplete="off">
<p><button type="submit">打开</button></p>
</form>
<p id="open-message" role="status"></p>
</section>

<section class="card" aria-labelledby="new-title">
<h2 id="new-title">新申请（一表申请）</h2>
<form id="new-form" novalidate>
<fieldset><legend>逝者</legend>
<label for="d-name">姓名</label><input id="d-name" autocomplete="off" required>
<label for="d-id">身份证号</label><input id="d-id" autocomplete="off" required>
<label for="d-date">去世日期</label><input id="d-date" type="date" required>
</fieldset>
<fieldset><legend>申请人（来办事的家属）</legend>
<label for="a-name">姓名</label><input id="a-name" autocomplete="off" required>
<label for="a-id">身份证号</label><input id="a-id" autocomplete="off" required>
<label for="a-phone">手机号</label><input id="a-phone" autocomplete="off" inputmode="numeric" required>
<label for="a-rel">与逝者的关系</label><select id="a-rel"></select>
</fieldset>
<fieldset><legend>逝者情况</legend><div id="situation"></div></fieldset>
<fieldset><legend>要办的事项</legend><div id="items"></div></fieldset>
<label for="payee">收款银行账号（领钱的事项需要）</label><input id="payee" autocomplete="off" inputmode="numeric">
<label for="region">办理地（逝者户籍所在地）</label><select id="region"></select>
<fieldset><legend>办结的证明怎么给家属（证照送达）</legend>
<label><input type="radio" name="delivery" value="electronic" checked> 电子证明在进度页下载，纸质原件到窗口领</label>
<label><input type="radio" name="delivery" value="mail"> 纸质原件邮寄</label>
<label for="mail-address">邮寄地址（选邮寄时填写：省市区街道门牌）</label>
<input id="mail-address" autocomplete="off" maxlength="200">
</fieldset>
<p><button type="submit">提交申请</button></p>
</form>
<p id="new-message" role="status"></p>
</section>

<section id="case" class="card" hidden aria-labelledby="case-title">
<h2 id="case-title">申请</h2>
<div id="case-summary"></div>
<h3>核对证件（不显示号码）</h3>
<form id="verify-form" novalidate>
<label for="verify-field">核对哪一项</label>
<select id="verify-field"><option value="deceased_id">逝者身份证号</option>
<option value="applicant_id">申请人身份证号</option><option value="applicant_phone">申请人手机号</option></select>
<label for="verify-value">证件上的号码</label><input id="verify-value" autocomplete="off">
<p><button type="submit" class="secondary">核对</button></p>
</form>
<p id="verify-message" role="status"></p>
<h3>材料与审查要点</h3>
<form id="intake-form" novalidate>
<table><caption class="visually-hidden">材料、审查要点和收取情况</caption>
<thead><tr><th scope="col">材料</th><th scope="col">审查要点</th><th scope="col">收取情况</th></tr></thead>
<tbody id="materials"></tbody></table>
<label for="intake-note">备注</label><textarea id="intake-note" rows="2"></textarea>
<p><button type="submit" id="intake-button">登记材料</button>
<button type="button" id="receipt-button" class="secondary">打印受理回执</button></p>
</form>
<p id="intake-message" role="status"></p>
<p><a id="receipt-link" hidden download>下载受理回执（PDF）</a></p>
</section>"""

SCRIPT = r"""
const S = {caseNo: null, code: null, progressCode: null, view: null, fields: {}};
const $ = (id) => document.getElementById(id);
function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function say(id, text, bad) { $(id).textContent = text; $(id).className = bad ? "err" : "ok"; }

async function loadForm() {
  const [fields, items, regions] = await Promise.all([
    staffFetch("/api/v1/situation"), staffFetch("/api/v1/items"), staffFetch("/api/v1/regions")]);
  for (const f of fields) {
    S.fields[f.key] = f;
    if (f.key === "relationship") {
      for (const v of f.values) $("a-rel").append(el("option", {value: v.value}, v.label));
      continue;
    }
    if (f.key === "channel" || f.asked === false) continue;
    const id = "s-" + f.key;
    const label = el("label", {for: id}, f.label);
    const sel = el("select", {id: id, "data-field": f.key});
    sel.append(el("option", {value: ""}, "（不清楚 / 不涉及）"));
    const values = f.type === "bool" ? [{value: "true", label: "是"}, {value: "false", label: "否"}] : f.values;
    for (const v of values) sel.append(el("option", {value: String(v.value)}, v.label));
    $("situation").append(label, sel);
  }
  for (const it of items) {
    const id = "i-" + it.key;
    const row = el("div");
    const box = el("input", {type: "checkbox", id: id, value: it.key, style: "width:auto"});
    const label = el("label", {for: id, style: "display:inline;font-weight:400"},
      " " + it.colloquial_name + "（" + it.department_name + "）");
    row.append(box, label); $("items").append(row);
  }
  const walk = (node, depth) => {
    $("region").append(el("option", {value: node.code}, "　".repeat(depth) + node.name));
    for (const c of node.children) walk(c, depth + 1);
  };
  for (const root of regions) walk(root, 0);
}

function situationValues() {
  const out = {};
  for (const sel of document.querySelectorAll("#situation select")) {
    if (!sel.value) continue;
    out[sel.dataset.field] = sel.value === "true" ? true : sel.value === "false" ? false : sel.value;
  }
  return out;
}

$("new-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const items = [...document.querySelectorAll("#items input:checked")].map((b) => b.value);
  const body = {
    deceased: {name: $("d-name").value.trim(), id_number: $("d-id").value.trim(), death_date: $("d-date").value},
    applicant: {name: $("a-name").value.trim(), id_number: $("a-id").value.trim(),
                phone: $("a-phone").value.trim(), relationship: $("a-rel").value},
    situation: situationValues(), items: items.length ? items : null,
    payee_account: $("payee").value.trim() || null, region: $("region").value || null,
  };
  const method = document.querySelector("input[name=delivery]:checked").value;
  if (method === "mail") {
    const address = $("mail-address").value.trim();
    if (address.length < 6) { say("new-message", "选了邮寄，请填写完整的邮寄地址。"); $("mail-address").focus(); return; }
    body.delivery = {method, address};
  }
  say("new-message", "正在提交……");
  try {
    const made = await staffFetch("/api/v1/window/cases", {method: "POST", json: body});
    S.progressCode = made.progress_code;
    say("new-message", "已受理。案件号 " + made.case_no_readable + "，查询码 " + made.progress_code +
        "（请告诉家属，短信里也有）。");
    await openCase(made.case_no, made.progress_code);
  } catch (err) { say("new-message", err.message, true); }
});

$("open-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  S.progressCode = null;
  await openCase($("open-case-no").value.trim(), $("open-code").value.trim());
});

async function openCase(caseNo, code) {
  say("open-message", "正在打开……");
  try {
    const view = await staffFetch("/api/v1/window/cases/" + encodeURIComponent(caseNo) + "/open",
                                  {method: "POST", json: {code: code || null}});
    S.caseNo = view.case_no; S.code = code || null; show(view);
    say("open-message", "已打开案件 " + view.case_no_readable + "。");
    $("case").hidden = false; $("case-title").focus();
  } catch (err) { say("open-message", err.message, true); }
}

function show(view) {
  S.view = view;
  const f = view.form;
  $("case-title").textContent = "案件 " + view.case_no_readable + "（" + (view.channel === "online" ? "网上提交" : "窗口受理") + "）";
  $("case-title").setAttribute("tabindex", "-1");
  const box = $("case-summary"); box.replaceChildren();
  const dl = el("dl");
  const add = (k, v) => { dl.append(el("dt", {}, k), el("dd", {}, v)); };
  add("逝者", f.deceased.name + "，身份证 " + f.deceased.id_number + "，去世日期 " + f.deceased.death_date);
  add("申请人", f.applicant.name + "（" + f.applicant.relationship_text + "），手机 " + f.applicant.phone);
  if (f.payee_account) add("收款账号", f.payee_account);
  add("办理地", view.region_name);
  const answers = [];
  for (const [k, v] of Object.entries(f.situation || {})) {
    const field = S.fields[k];
    if (!field || k === "relationship" || k === "channel") continue;
    const label = field.type === "bool" ? (v ? "是" : "否")
      : ((field.values.find((x) => x.value === v) || {}).label || String(v));
    answers.push(field.label + "：" + label);
  }
  if (answers.length) add("逝者情况", answers.join("；"));
  add("事项", view.tasks.map((t) => t.colloquial_name + "（" + t.department_name + "，" + t.status_text +
      (t.due_date ? "，" + t.due_date + " 前" : "") + "）").join("；"));
  box.append(dl);
  const body = $("materials"); body.replaceChildren();
  for (const m of view.materials) {
    const tr = el("tr", {"data-key": m.key});
    const name = el("td"); name.append(el("strong", {}, m.name));
    name.append(el("div", {class: "muted"}, m.form + (m.copies > 1 ? "，" + m.copies + " 份" : "")));
    const points = el("td");
    if (m.exempt) points.append(el("p", {class: "ok"}, "免交：" + m.exempt_reason));
    const ul = el("ul");
    for (const p of m.review_points) {
      const li = el("li", {}, p.check); li.append(el("span", {class: "muted"}, "（依据：" + p.basis + "）"));
      ul.append(li);
    }
    points.append(ul);
    const state = el("td");
    if (!m.exempt) {
      const sid = "st-" + m.key;
      state.append(el("label", {for: sid}, "收取情况"));
      const sel = el("select", {id: sid, "data-material": m.key});
      sel.append(el("option", {value: ""}, "未登记"), el("option", {value: "received"}, "已收取 / 已核验"));
      if (m.promise_allowed) sel.append(el("option", {value: "promised"}, "容缺（告知承诺，后补）"));
      sel.append(el("option", {value: "pending"}, "未带，需补交"));
      if (m.recorded) sel.value = m.recorded.status;
      state.append(sel);
      if (m.promise_allowed) {
        const did = "due-" + m.key;
        state.append(el("label", {for: did}, "承诺补交日期"));
        const due = el("input", {type: "date", id: did});
        if (m.recorded && m.recorded.promise_due) due.value = m.recorded.promise_due;
        state.append(due, el("p", {class: "muted"}, m.promise_note || ""));
      }
    }
    tr.append(name, points, state); body.append(tr);
  }
}

$("verify-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const r = await staffFetch("/api/v1/window/cases/" + encodeURIComponent(S.caseNo) + "/verify",
      {method: "POST", json: {code: S.code, field: $("verify-field").value, value: $("verify-value").value.trim()}});
    say("verify-message", r.message, !r.matches); $("verify-value").value = "";
  } catch (err) { say("verify-message", err.message, true); }
});

$("intake-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const lines = [];
  for (const sel of document.querySelectorAll("#materials select[data-material]")) {
    if (!sel.value) continue;
    const due = $("due-" + sel.dataset.material);
    lines.push({key: sel.dataset.material, status: sel.value,
                promise_due: sel.value === "promised" && due && due.value ? due.value : null});
  }
  try {
    const view = await staffFetch("/api/v1/window/cases/" + encodeURIComponent(S.caseNo) + "/intake",
      {method: "POST", json: {code: S.code, materials: lines, note: $("intake-note").value.trim() || null}});
    show(view); say("intake-message", view.message);
  } catch (err) { say("intake-message", err.message, true); }
});

$("receipt-button").addEventListener("click", async () => {
  say("intake-message", "正在生成回执……");
  let r;
  try {
    r = await fetch("/api/v1/window/cases/" + encodeURIComponent(S.caseNo) + "/receipt", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": staffCsrf()},
      body: JSON.stringify({code: S.code, progress_code: S.progressCode})});
  } catch (err) { say("intake-message", "暂时连不上办理系统，请稍后再试。", true); return; }
  if (!r.ok) { const b = await r.json().catch(() => ({})); say("intake-message", b.message || "回执没有生成，请再试一次。", true); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = $("receipt-link"); a.href = url; a.download = "受理回执-" + S.view.case_no_readable + ".pdf"; a.hidden = false;
  say("intake-message", "回执已生成，请下载后打印，交家属签字。");
  a.focus();
});

loadForm().catch((err) => say("new-message", err.message, true));
"""
