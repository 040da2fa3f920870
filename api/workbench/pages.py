"""The department workbench page: plain HTML and a small script (no build step), large type, every
action a button or a form field reachable by keyboard, messages read out (role=status/alert)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from api.access.auth import Principal
from api.staff.frame import page

BODY = """<h1>__DEPT__ 工作台</h1>
<p class="muted">待办任务按到期日排列（工作日按国家法定节假日和调休计算），超期的标红。个人信息默认隐藏，
确需查看时点“显示完整”，每次查看都会记入审计日志。</p>
<p id="status" role="status" aria-live="polite" tabindex="-1"></p>
<section aria-labelledby="queue-title">
<h2 id="queue-title">待办任务 <span id="count" class="muted"></span></h2>
<table id="queue"><caption class="visually-hidden">本部门待办任务，按到期日排序</caption>
<thead><tr><th scope="col">到期</th><th scope="col">事项</th><th scope="col">案件号</th>
<th scope="col">逝者</th><th scope="col">状态</th><th scope="col">操作</th></tr></thead>
<tbody></tbody></table>
<p id="empty" class="muted" hidden>目前没有待办任务。</p>
</section>
<section id="detail" class="card" hidden aria-labelledby="detail-title" tabindex="-1">
<h2 id="detail-title"></h2><div id="detail-body"></div></section>"""

SCRIPT_PATH = Path(__file__).resolve().parent / "static" / "department.js"


def department_page(principal: Principal, department_name: str) -> str:
    body = BODY.replace("__DEPT__", escape(department_name))
    return page(
        f"{department_name}工作台",
        body,
        scripts=("/workbench/assets/department.js",),
        signed_in=f"{principal.staff_id}（{department_name}）",
    )
