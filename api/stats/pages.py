"""/workbench/supervisor: the supervisor dashboard (signed-in supervisors, regional administrators and
administrators). The page is the staff frame with empty chart boxes; the bundle built from
web/dashboard (Apache ECharts, served at /static/dashboard/dashboard.js) reads
GET /api/v1/supervision/stats and draws them. An account with a region is offered its region and the
regions below it only (the API refuses the others anyway)."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from api.access.auth import ROLE_TEXT, Principal
from api.catalog.loader import get_catalog
from api.staff.auth import staff_page
from api.staff.pages import page
from api.stats.queries import region_prefix
from api.stats.routes import SUPERVISION_ROLES
from api.web.bundles import bundle_dir, bundle_ready

router = APIRouter(include_in_schema=False)

PATH = "/workbench/supervisor"

STYLE = """<style>
#summary{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
#summary .figure{border:1px solid #ccc;border-radius:6px;padding:.5rem .9rem;min-width:8.5rem}
#summary b{display:block;font-size:1.6rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:1rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.6rem}
figure .chart{width:100%;height:320px}
figcaption{font-size:.95rem;color:#555}
form#filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}
form#filters label{margin:0}
form#filters input,form#filters select{width:auto}
</style>"""

CHARTS = (
    ("chart-handling-item", "按事项：平均办理用时与办结时限（工作日）"),
    ("chart-handling-department", "按部门：平均办理用时与办结时限（工作日）"),
    ("chart-handling-region", "按地区：平均办理用时与办结时限（工作日）"),
    ("chart-overdue", "按部门：超期未办结和超期办结的任务"),
    ("chart-ratings-item", "按事项：好差评平均分"),
    ("chart-ratings-staff", "按经办人：好差评平均分（经办人评价）"),
    ("chart-ratings-distribution", "评价分布"),
    ("chart-weekly", "每周提交的案件数"),
    ("chart-materials", "一套材料：分开办需要的材料份次与一次办提交的份数"),
    ("chart-answers", "在线助手的回答：有帮助 / 没帮助（全省）"),
)


def region_options(own: str | None) -> str:
    regions = get_catalog().regions.values()
    prefix = region_prefix(own) if own else "52"
    scoped = [r for r in regions if region_prefix(r.code).startswith(prefix)]
    scoped.sort(key=lambda r: r.code)
    first = "全省" if len(prefix) <= 2 else "本地区全部"
    options = [f"<option value=''>{first}</option>"]
    for r in scoped:
        if r.code == own or (len(prefix) <= 2 and r.level == "province"):
            continue
        indent = "　" if r.level == "county" else ""
        options.append(f"<option value='{escape(r.code)}'>{indent}{escape(r.name)}</option>")
    return "".join(options)


def dashboard_body(principal: Principal) -> str:
    own = principal.region if principal.role in ("supervisor", "regional_admin") else None
    figures = "".join(
        f"<figure><figcaption id='{cid}-caption'>{escape(caption)}</figcaption>"
        f"<div class='chart' id='{cid}' role='img' aria-labelledby='{cid}-caption'></div></figure>"
        for cid, caption in CHARTS
    )
    if bundle_ready("dashboard"):
        version = int((bundle_dir("dashboard") / "dashboard.js").stat().st_mtime)
        script = f"<script type='module' src='/static/dashboard/dashboard.js?v={version}'></script>"
    else:
        script = (
            "<p class='err'>图表程序还没有构建：请运行 <code>make web</code>"
            "（或 scripts/build_web.sh）后刷新。</p>"
        )
    return f"""{STYLE}
<h1>监督看板</h1>
<p class="muted">办理用时与时限、超期任务、好差评、每周案件和“一套材料”节省的材料，
都按提交日（中国时间）统计。</p>
<form id="filters" aria-label="统计范围">
<div><label for="since">起始日期</label><input type="date" id="since" name="since"></div>
<div><label for="until">截止日期</label><input type="date" id="until" name="until"></div>
<div><label for="region">地区</label><select id="region" name="region">{region_options(own)}</select></div>
<div><button type="submit">重新统计</button></div>
</form>
<p id="status" role="status">正在统计……</p>
<section id="dashboard" aria-label="统计结果">
<h2 class="visually-hidden">主要数字</h2>
<div id="summary"></div>
<h2>图表</h2>
<div class="charts">{figures}</div>
<h2>超期未办结的任务（超期最久的在前）</h2>
<table><thead><tr><th scope="col">案件号</th><th scope="col">事项</th><th scope="col">部门</th>
<th scope="col">地区</th><th scope="col">应办结日期</th><th scope="col">已超期</th>
<th scope="col">经办人</th></tr></thead>
<tbody id="overdue-rows"></tbody></table>
<h2>家属的评价留言（最近 20 条，个人信息已遮蔽）</h2>
<table><thead><tr><th scope="col">日期</th><th scope="col">事项</th><th scope="col">经办人</th>
<th scope="col">事项评分</th><th scope="col">经办人评分</th><th scope="col">留言</th></tr></thead>
<tbody id="comment-rows"></tbody></table>
</section>
{script}"""


@router.get(PATH, response_class=HTMLResponse)
def supervisor_page(
    who: Annotated[Principal | Response, Depends(staff_page(*SUPERVISION_ROLES))],
) -> Response:
    if isinstance(who, Response):
        return who
    signed = f"{ROLE_TEXT.get(who.role, who.role)} {who.staff_id or ''}"
    return HTMLResponse(page("监督看板", dashboard_body(who), signed_in=signed))
