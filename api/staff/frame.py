"""Staff pages' common parts: the page frame (large type, visible focus, keyboard first), the shared
script ``/staff/assets/staff.js`` and the table of staff pages (``STAFF_PAGES``) that the staff home page
lists per role. A new staff page: its route with ``staff_page(*roles)``, and one line in STAFF_PAGES."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class StaffPageLink:
    path: str
    title: str
    roles: tuple[str, ...]


# Every staff page a role may open, shown on /staff after sign-in. Add a line for a new page.
STAFF_PAGES: list[StaffPageLink] = [
    StaffPageLink("/workbench/department", "部门工作台：待办任务", ("department",)),
    StaffPageLink("/workbench/window", "一窗受理：申请、审查要点、容缺、回执", ("window_staff", "admin")),
    StaffPageLink("/workbench/region", "地区配置：开通事项、时限、数字、专员", ("regional_admin", "admin")),
    StaffPageLink("/hotline", "12345 热线工作台：查事项、指南、清单、短信", ("hotline_staff", "admin")),
    StaffPageLink(
        "/workbench/supervisor", "监督看板：办理时限、超期、好差评", ("supervisor", "regional_admin", "admin")
    ),
]

STYLE = """
:root{--fg:#1a1a1a;--muted:#555;--bg:#fff;--accent:#0b57d0;--late:#a40000;--warn:#8a5300;--ok:#1e6b2e}
*{box-sizing:border-box}
body{font-family:system-ui,"Noto Sans CJK SC","Droid Sans Fallback",sans-serif;font-size:18px;line-height:1.6;
color:var(--fg);background:var(--bg);max-width:72rem;margin:0 auto;padding:1rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f5a400;outline-offset:2px}
button,input,select,textarea{font:inherit;padding:.45rem .7rem;border:1px solid #767676;border-radius:4px}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer;min-height:2.6rem}
button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--late);border-color:var(--late)}
button:disabled{opacity:.6;cursor:not-allowed}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}
input,select,textarea{width:100%;max-width:32rem}
input[type=checkbox],input[type=radio]{width:1.4rem;height:1.4rem;margin:.3rem .5rem .3rem 0;
vertical-align:middle}
fieldset{border:1px solid #999;border-radius:4px;max-width:32rem}
fieldset label{display:inline;font-weight:400}
header.bar{display:flex;gap:1rem;align-items:center;justify-content:space-between;flex-wrap:wrap;
border-bottom:2px solid #ddd;padding-bottom:.5rem;margin-bottom:1rem}
.muted{color:var(--muted)} .late{color:var(--late);font-weight:700} .soon{color:var(--warn);font-weight:700}
.ok{color:var(--ok)} .err{color:var(--late);font-weight:600}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ccc;padding:.5rem;text-align:left;
vertical-align:top} tr.overdue{background:#fdecea}
.card{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""


def page(
    title: str, body: str, *, script: str = "", signed_in: str | None = None, scripts: tuple[str, ...] = ()
) -> str:
    """One staff page: ``body`` is trusted HTML (escape what you put in it); ``script`` inline code and
    ``scripts`` script URLs run after /staff/assets/staff.js; ``signed_in`` shows who is signed in and a
    sign-out button."""
    who = ""
    if signed_in is not None:
        who = (
            f"<div><span>{escape(signed_in)}</span> "
            "<button type='button' class='secondary' id='sign-out'>退出登录</button></div>"
        )
    extra = "".join(f'<script src="{escape(u)}"></script>' for u in scripts)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{escape(title)} · 个人身后“一件事”工作台</title><style>{STYLE}</style></head><body>
<header class="bar"><a href="/staff">个人身后“一件事”工作台</a>{who}</header>
<main id="main">{body}</main>
<script src="/staff/assets/staff.js"></script>{extra}
{f"<script>{script}</script>" if script else ""}
</body></html>"""


# Shared by every staff page: staffFetch adds the CSRF token to state-changing requests, sends the
# cookie, turns an expired session into the sign-in page and an error body into an Error(message).
STAFF_JS = r"""
function staffCsrf() {
  const m = document.cookie.match(/(?:^|;\s*)staff_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}
async function staffFetch(url, options) {
  const opts = Object.assign({credentials: "same-origin"}, options || {});
  opts.headers = Object.assign({"Accept": "application/json"}, opts.headers || {});
  const method = (opts.method || "GET").toUpperCase();
  if (!["GET", "HEAD", "OPTIONS"].includes(method)) opts.headers["X-CSRF-Token"] = staffCsrf();
  if (opts.json !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(opts.json); delete opts.json;
  }
  let r;
  try { r = await fetch(url, opts); }
  catch (e) { throw new Error("暂时连不上办理系统，请检查网络后再试。"); }
  const body = await r.json().catch(() => ({}));
  if (r.status === 401 && body.code === "staff_sign_in_required") {
    location.href = "/staff/login?next=" + encodeURIComponent(location.pathname + location.search);
    throw new Error("登录已过期，请重新登录。");
  }
  if (!r.ok) throw new Error(body.message || "操作没有成功，请稍后再试。");
  return body;
}
document.addEventListener("DOMContentLoaded", () => {
  const out = document.getElementById("sign-out");
  if (out) out.addEventListener("click", async () => {
    try { await staffFetch("/api/v1/staff/logout", {method: "POST"}); } catch (e) { /* signed out anyway */ }
    location.href = "/staff/login";
  });
});
"""

LOGIN_BODY = """<h1>工作人员登录</h1>
<p class="muted">部门、窗口、热线、地区管理和监督人员用本人账号登录。请勿把密码告诉他人。</p>
<form id="login" class="card" novalidate>
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit" id="login-button">登录</button></p>
<p id="login-message" role="alert" class="err"></p>
</form>"""

LOGIN_JS = r"""
document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const msg = document.getElementById("login-message"); msg.textContent = "";
  const button = document.getElementById("login-button"); button.disabled = true;
  try {
    const me = await staffFetch("/api/v1/staff/login", {method: "POST", json: {
      username: document.getElementById("username").value.trim(),
      password: document.getElementById("password").value}});
    const next = new URLSearchParams(location.search).get("next");
    location.href = (next && next.startsWith("/") && !next.startsWith("//")) ? next : me.home;
  } catch (err) { msg.textContent = err.message; document.getElementById("password").select(); }
  finally { button.disabled = false; }
});
document.getElementById("username").focus();
"""
