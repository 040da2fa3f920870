const statusEl = document.getElementById("status");
let current = null;
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}
function say(text, bad) { statusEl.textContent = text; statusEl.className = bad ? "err" : "ok"; }
function countdownClass(t) { return t.overdue ? "late" : (t.working_days_left !== null && t.working_days_left <= 1 ? "soon" : ""); }

async function loadQueue(keepId) {
  let q;
  try { q = await staffFetch("/api/v1/workbench/department/queue"); }
  catch (e) { say(e.message, true); return; }
  const body = document.querySelector("#queue tbody"); body.replaceChildren();
  document.getElementById("count").textContent = "（共 " + q.total + " 件）";
  document.getElementById("empty").hidden = q.total > 0;
  for (const t of q.tasks) {
    const tr = el("tr", {class: t.overdue ? "overdue" : "", "data-task": t.id},
      el("td", {}, el("span", {class: countdownClass(t), text: t.countdown}), el("br"),
         el("small", {class: "muted", text: t.due_date ? "到期日 " + t.due_date : ""})),
      el("td", {text: t.colloquial_name}),
      el("td", {text: t.case_no}),
      el("td", {text: t.particulars.deceased_name}),
      el("td", {text: t.delivery ? t.delivery.status_text : t.status_text}),
      el("td", {}, el("button", {type: "button", "aria-label": "办理：" + t.colloquial_name + "（" + t.case_no + "）",
                                 onclick: () => show(t)}, "办理")));
    body.append(tr);
  }
  if (keepId) { const t = q.tasks.find(x => x.id === keepId); if (t) show(t, true); else hideDetail(); }
}
function hideDetail() { document.getElementById("detail").hidden = true; current = null; }

function particulars(t) {
  const dl = el("dl");
  for (const r of t.revealable) {
    const dd = el("dd", {}, el("span", {"data-field": r.field, text: t.particulars[r.field] || "（未填写）"}), " ");
    const b = el("button", {type: "button", class: "secondary", onclick: async () => {
      try {
        const v = await staffFetch("/api/v1/workbench/tasks/" + t.id + "/reveal", {method: "POST", json: {field: r.field}});
        dd.querySelector("span").textContent = v.value; b.remove(); say("已显示" + v.label + "（已记录查看）");
      } catch (e) { say(e.message, true); }
    }}, "显示完整" + r.label);
    dd.append(b); dl.append(el("dt", {text: r.label}), dd);
  }
  dl.append(el("dt", {text: "死亡日期"}), el("dd", {text: t.death_date}),
            el("dt", {text: "与逝者关系"}), el("dd", {text: t.relationship}));
  return dl;
}
async function act(t, path, json, done) {
  try {
    const updated = await staffFetch("/api/v1/workbench/tasks/" + t.id + "/" + path, {method: "POST", json});
    say(done); await loadQueue(updated.id);
    // keep the keyboard where the work is: the task again, or the queue when it left the queue
    const sec = document.getElementById("detail");
    if (!sec.hidden) sec.focus(); else statusEl.focus();
  } catch (e) { say(e.message, true); }
}
function field(f) {
  const id = "rf-" + f.key; let input;
  if (f.kind === "yes_no") input = el("select", {id, name: f.key}, el("option", {value: ""}, "请选择"),
      el("option", {value: "是"}, "是"), el("option", {value: "否"}, "否"));
  else if (f.kind === "choice") { input = el("select", {id, name: f.key}, el("option", {value: ""}, "请选择"));
      for (const o of f.options) input.append(el("option", {value: o}, o)); }
  else input = el("input", {id, name: f.key, type: f.kind === "date" ? "date" : (f.kind === "month" ? "month" : "text"),
      inputmode: f.kind === "amount" ? "decimal" : "text", autocomplete: "off"});
  if (f.required) input.setAttribute("required", "");
  const label = el("label", {for: id, text: f.label + (f.required ? "（必填）" : "（选填）")});
  return [label, input, f.hint ? el("small", {class: "muted", text: f.hint}) : null];
}
function completeForm(t) {
  const form = el("form", {class: "card", "aria-label": "办结并填写结果"}, el("h3", {text: "办结并填写结果"}),
                  el("p", {class: "muted", text: "办理结果：" + t.result_text}));
  for (const f of t.result_fields) form.append(...field(f).filter(Boolean));
  form.append(el("p", {}, el("button", {type: "submit"}, "办结")));
  form.addEventListener("submit", (e) => { e.preventDefault();
    const result = {}; for (const f of t.result_fields) { const v = form.elements[f.key].value.trim(); if (v) result[f.key] = v; }
    act(t, "complete", {version: t.version, result}, "已办结，结果已送达家属的办理进度。"); });
  return form;
}
function supplementForm(t) {
  const form = el("form", {class: "card", "aria-label": "要求补充材料"}, el("h3", {text: "要求补充材料"}));
  const fs = el("fieldset", {}, el("legend", {text: "需要补充哪些材料"}));
  for (const m of t.supplement_choices) { const id = "sm-" + m.key;
    fs.append(el("div", {}, el("input", {type: "checkbox", id, value: m.key, name: "materials"}), " ", el("label", {for: id, style: "display:inline", text: m.name}))); }
  form.append(fs, el("label", {for: "sup-reason", text: "原因（家属照着就能办）"}), el("textarea", {id: "sup-reason", required: "", rows: "3"}),
              el("p", {}, el("button", {type: "submit", class: "secondary"}, "发送补充通知")));
  form.addEventListener("submit", (e) => { e.preventDefault();
    const materials = [...form.querySelectorAll("input[name=materials]:checked")].map(x => x.value);
    act(t, "supplement", {version: t.version, materials, reason: form.querySelector("#sup-reason").value.trim()}, "已通知家属补充材料。"); });
  return form;
}
function rejectForm(t) {
  const form = el("form", {class: "card", "aria-label": "不予办理"}, el("h3", {text: "不予办理"}),
    el("label", {for: "rej-reason", text: "原因和家属可以怎么办"}), el("textarea", {id: "rej-reason", required: "", rows: "3"}),
    el("p", {}, el("button", {type: "submit", class: "danger"}, "不予办理")));
  form.addEventListener("submit", (e) => { e.preventDefault();
    if (!confirm("确定不予办理吗？家属会收到短信。")) return;
    act(t, "reject", {version: t.version, reason: form.querySelector("#rej-reason").value.trim()}, "已告知家属不予办理及原因。"); });
  return form;
}
function mailingForm(t) {
  const form = el("form", {class: "card", "aria-label": "登记快递单号"}, el("h3", {text: "纸质原件邮寄"}),
    el("p", {text: "邮寄地址：" + (t.delivery.address || "")}),
    el("label", {for: "carrier", text: "快递公司"}), el("input", {id: "carrier", required: "", value: "中国邮政 EMS"}),
    el("label", {for: "tracking", text: "快递单号"}), el("input", {id: "tracking", required: "", autocomplete: "off"}),
    el("p", {}, el("button", {type: "submit"}, "登记已寄出")));
  form.addEventListener("submit", async (e) => { e.preventDefault();
    try { await staffFetch("/api/v1/workbench/tasks/" + t.id + "/mailing", {method: "POST", json: {
      carrier: form.querySelector("#carrier").value.trim(), tracking_no: form.querySelector("#tracking").value.trim()}});
      say("已登记快递单号，家属会收到短信。"); await loadQueue(); hideDetail(); statusEl.focus();
    } catch (err) { say(err.message, true); } });
  return form;
}
function show(t, quiet) {
  current = t;
  const sec = document.getElementById("detail"); sec.hidden = false;
  document.getElementById("detail-title").textContent = t.colloquial_name + " · " + t.case_no;
  const body = document.getElementById("detail-body"); body.replaceChildren();
  body.append(el("p", {}, el("span", {class: countdownClass(t), text: t.countdown}), "　状态：" + t.status_text));
  if (t.note) body.append(el("p", {class: "muted", text: "备注：" + t.note}));
  body.append(particulars(t));
  const s = t.status;
  if (s === "ready" || s === "resubmitted")
    body.append(el("p", {}, el("button", {type: "button", onclick: () => act(t, "accept", {version: t.version}, "已受理。")}, "受理")));
  if (s === "accepted" || s === "resubmitted") body.append(completeForm(t));
  if (["ready", "accepted", "resubmitted"].includes(s)) body.append(supplementForm(t));
  if (["ready", "accepted", "supplement_requested", "resubmitted"].includes(s)) body.append(rejectForm(t));
  if (s === "completed" && t.delivery && t.delivery.status === "to_mail") body.append(mailingForm(t));
  if (!quiet) sec.focus();
}
loadQueue();
