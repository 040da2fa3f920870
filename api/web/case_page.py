"""The progress page ``/cases/{case_no}`` (served by api/web/routes.py): plain HTML and a small script,
no build step, elder-friendly (text ≥ 20 px, high contrast, tap targets ≥ 48 px, labels on every
field, messages announced to screen readers).

Three ways in, none of which puts a credential in a URL the server sees:

- the link the assistant gives (``#token=...`` in the fragment, which browsers never send);
- the case number (prefilled from the path) and the 6-character progress code →
  ``POST /api/v1/cases/{case_no}/progress-code``;
- the applicant's phone → an SMS code (``POST /api/v1/progress/phone-code``) → ``.../verify`` → every
  case of that phone.

The page itself carries no case data.
"""

from __future__ import annotations

CASE_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>办理进度 · 个人身后“一件事”</title>
<style>
html{font-size:20px}
body{font-family:system-ui,"Noto Sans CJK SC","Droid Sans Fallback",sans-serif;max-width:42rem;
margin:1rem auto;padding:0 1rem;color:#111;background:#fff;line-height:1.6}
h1{font-size:1.6rem;margin:.6rem 0}h2{font-size:1.25rem;margin:1.4rem 0 .4rem}
label{display:block;font-weight:600;margin:.8rem 0 .2rem}
.hint{display:block;font-weight:400;color:#333;font-size:.9rem}
input{font-size:1.2rem;padding:.45rem .6rem;width:100%;max-width:22rem;box-sizing:border-box;
border:2px solid #333;border-radius:6px;color:#111;background:#fff;min-height:48px}
input.code{letter-spacing:.3em;text-transform:uppercase;max-width:12rem}
button{font-size:1.1rem;min-height:48px;min-width:48px;padding:.4rem 1.2rem;margin-top:.8rem;
border:2px solid #0a3d7a;border-radius:6px;background:#0a3d7a;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0a3d7a}
button:focus-visible,input:focus-visible,a:focus-visible,summary:focus-visible{outline:4px solid #b35c00;
outline-offset:2px}
section,details{border:2px solid #ccc;border-radius:8px;padding:.4rem 1rem 1rem;margin:1rem 0}
summary{font-size:1.15rem;font-weight:600;cursor:pointer;min-height:48px;display:flex;align-items:center}
#message{font-size:1.1rem;font-weight:600}.err{color:#a00000}.ok{color:#0b5a1a}
ul.tasks{padding-left:1.2rem}ul.tasks li{margin:.5rem 0}.muted{color:#333}
.case{border-top:2px solid #ccc;margin-top:1rem;padding-top:.5rem}
</style>
</head><body>
<main>
<h1>办理进度</h1>
<p>案件号：<b id="case-no">__CASE_NO__</b></p>
<p id="message" role="status" aria-live="polite"></p>
<div id="result" aria-live="polite"></div>
<section id="by-code" aria-labelledby="by-code-title">
<h2 id="by-code-title">用案件号和查询码查看</h2>
<form id="code-form" novalidate>
<label for="case-input">案件号<span class="hint">提交申请时给您的，如 SH20261129-48273-5</span></label>
<input id="case-input" name="case" autocomplete="off" spellcheck="false" inputmode="text">
<label for="code">查询码<span class="hint">短信里的 6 位数字和字母，大小写都可以；
没有 0、O、1、I</span></label>
<input id="code" class="code" name="code" autocomplete="off" autocapitalize="characters"
 spellcheck="false" maxlength="9">
<button type="submit">查看进度</button>
</form>
</section>
<details id="by-phone">
<summary>没有查询码？用申请人手机号收验证码查看</summary>
<form id="phone-form" novalidate>
<label for="phone">申请人手机号<span class="hint">提交申请时留的手机号</span></label>
<input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20">
<button type="submit" class="secondary">发送验证码</button>
</form>
<form id="otp-form" novalidate hidden>
<label for="otp">短信验证码<span class="hint">6 位数字，10 分钟内有效</span></label>
<input id="otp" class="code" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="8">
<button type="submit">查看进度</button>
</form>
</details>
<p class="muted">有疑问请拨打 12345 政务服务便民热线，或到政务服务中心“一件事”窗口。</p>
</main>
<script>
const caseNo = document.getElementById("case-no").textContent;
const message = document.getElementById("message");
const result = document.getElementById("result");
const caseInput = document.getElementById("case-input");
caseInput.value = caseNo;
function say(text, cls) { message.textContent = text; message.className = cls || ""; }
function el(tag, text, cls) { const e = document.createElement(tag); if (text) e.textContent = text;
  if (cls) e.className = cls; return e; }
function renderCase(body, token) {
  const box = el("div", null, "case");
  box.append(el("h2", "案件 " + (body.case_no_readable || body.case_no)));
  box.append(el("p", "共 " + body.tasks.length + " 件事，各部门同时办理："));
  const list = el("ul", null, "tasks");
  for (const t of body.tasks) {
    let text = t.colloquial_name + "（" + t.department_name + "）：" + t.status_text;
    if (t.due_date && t.status !== "completed") text += "，预计 " + t.due_date + " 前办完";
    if (t.overdue) text += "（已超过办理时限）";
    const li = el("li", text);
    if (t.delivery) li.append(renderDelivery(t, body.case_no, token));  // 证照送达
    else if (t.result) {
      for (const [k, v] of Object.entries(t.result)) li.append(el("div", k + "：" + v, "muted"));
    }
    list.append(li);
  }
  box.append(list);
  return box;
}
// 证照送达: the result with its labels, the electronic result document, mailing and receipt
function renderDelivery(t, caseNo, token) {
  const d = t.delivery, box = el("div", null, "delivery");
  for (const l of d.result_lines) box.append(el("div", l.label + "：" + l.value, "muted"));
  box.append(el("div", "结果文书 " + d.document_no + "（" + d.issuing_department + "）：" + d.status_text));
  if (d.method === "mail" && d.tracking_no) {
    box.append(el("div", "快递：" + (d.carrier || "") + "，单号 " + d.tracking_no));
  } else if (d.method === "mail") {
    box.append(el("div", "纸质原件将寄到 " + (d.address || "") + "，寄出后短信告诉您快递单号。", "muted"));
  }
  if (!token) return box;
  const get = el("button", "下载电子结果文书（PDF）"); get.type = "button";
  get.addEventListener("click", async () => {
    let r;
    try { r = await fetch(d.document_path, {headers: {"Authorization": "Bearer " + token}}); }
    catch (e) { say("暂时连不上办理系统，请稍后再试。", "err"); return; }
    if (!r.ok) {
      const b = await r.json().catch(() => ({}));
      say(b.message || "下载没有成功，请稍后再试。", "err"); return;
    }
    const a = document.createElement("a"); a.href = URL.createObjectURL(await r.blob());
    a.download = "结果文书-" + d.document_no + ".pdf"; document.body.append(a); a.click(); a.remove();
    say("已下载结果文书 " + d.document_no + "。", "ok");
  });
  box.append(get);
  if (d.status !== "received" && (d.method !== "mail" || d.tracking_no)) {
    const got = el("button", d.method === "mail" ? "我已收到纸质原件" : "我已收到结果"); got.type = "button";
    got.addEventListener("click", async () => {
      const res = await call("POST", "/api/v1/cases/" + encodeURIComponent(caseNo) + "/tasks/" +
        encodeURIComponent(t.item) + "/receipt", null, {"Authorization": "Bearer " + token});
      if (!res.ok) { failed(res); return; }
      say("已确认收到，谢谢您。", "ok"); got.replaceWith(el("div", res.body.status_text, "ok"));
    });
    box.append(" ", got);
  }
  return box;
}
async function call(method, url, body, headers) {
  try {
    const r = await fetch(url, {method, headers: {"Content-Type": "application/json", ...(headers || {})},
      body: body ? JSON.stringify(body) : undefined});
    return {ok: r.ok, status: r.status, body: await r.json().catch(() => ({}))};
  } catch (e) { return {ok: false, status: 0, body: {message: "暂时连不上办理系统，请稍后再试。"}}; }
}
function failed(res) { say(res.body.message || "查询没有成功，请稍后再试。", "err"); }
async function byToken(token) {
  say("正在查询……"); result.replaceChildren();
  const res = await call("GET", "/api/v1/cases/" + encodeURIComponent(caseNo), null,
                         {"Authorization": "Bearer " + token});
  if (!res.ok) { failed(res); return; }
  say("查到了。", "ok"); result.replaceChildren(renderCase(res.body, token));
}
document.getElementById("code-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const no = caseInput.value.trim(), code = document.getElementById("code").value.trim();
  if (!no || !code) { say("请填写案件号和查询码。", "err"); return; }
  say("正在查询……"); result.replaceChildren();
  const res = await call("POST", "/api/v1/cases/" + encodeURIComponent(no) + "/progress-code", {code});
  if (!res.ok) { failed(res); return; }
  say("查到了。", "ok"); result.replaceChildren(renderCase(res.body.case, res.body.access_token));
});
let phone = "", shown = "";
const phoneInput = document.getElementById("phone");
document.getElementById("phone-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const typed = phoneInput.value.trim();
  if (typed !== shown || !phone) phone = typed;  // the number is kept here, the field shows it masked
  if (!phone) { say("请填写申请人手机号。", "err"); return; }
  const res = await call("POST", "/api/v1/progress/phone-code", {phone});
  if (!res.ok) { failed(res); return; }
  shown = phoneInput.value = res.body.phone;
  say(res.body.message, "ok");
  document.getElementById("otp-form").hidden = false; document.getElementById("otp").focus();
});
document.getElementById("otp-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const code = document.getElementById("otp").value.trim();
  if (!code) { say("请填写短信里的验证码。", "err"); return; }
  say("正在查询……"); result.replaceChildren();
  const res = await call("POST", "/api/v1/progress/phone-code/verify", {phone, code});
  if (!res.ok) { failed(res); return; }
  say(res.body.message, "ok");
  result.replaceChildren(...res.body.cases.map((c) => renderCase(c.case, c.access_token)));
});
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) { history.replaceState(null, "", location.pathname); byToken(token); }
</script></body></html>"""
