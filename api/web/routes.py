"""Pages (plain HTML, no build step): the landing page with the service guide index, and a case's
progress page, the link the assistant gives a family."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from api.catalog.loader import get_catalog
from api.web.bundles import bundle_ready
from api.web.case_page import CASE_PAGE as _CASE_PAGE

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index() -> str:
    catalog = get_catalog()
    rows = "".join(
        f"<tr><td><a href='/api/v1/items/{escape(i.key)}'>{escape(i.colloquial_name)}</a></td>"
        f"<td>{escape(i.name)}</td><td>{escape(catalog.departments[i.department].short_name)}</td>"
        f"<td>{catalog.time_limit(i.key)} 个工作日</td></tr>"
        for i in catalog.items.values()
    )
    # the website chat widget (web/widget): the same one script tag any page of the provincial site uses
    if bundle_ready("widget"):
        widget = (
            '<div id="gz-chat"></div>'
            '<script src="/static/widget/widget.js" data-target="gz-chat" '
            'data-title="身后事在线咨询"></script>'
        )
    else:
        widget = "<p>在线咨询窗口还没有构建（运行 <code>make web</code>），可以先拨打 12345 咨询。</p>"
    referrals = "".join(
        f"<li><b>{escape(r.name)}</b>：{escape(r.where)}</li>" for r in catalog.referrals.values()
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>个人身后“一件事”</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left}}small{{color:#666}}</style></head><body>
<h1>贵州省个人身后“一件事”</h1>
<p>亲人离世后的证明开具、户口注销、养老金和医保、公积金、存款等事项，一次申请、一套材料、各部门并行办理。</p>
<p><a href="/docs">接口文档（OpenAPI）</a> · <a href="/api/v1/items">事项目录 JSON</a> ·
<a href="/healthz">运行状态</a> · <a href="/hotline">12345 热线工作台</a></p>
<h2>在线咨询</h2>
<p>直接打字问，比如“我爸走了，要办些什么”；助手会列出清单、帮您一次提交申请，之后也能在这里查进度。</p>
{widget}
<h2>可以一起办的事项</h2>
<table><tr><th>通俗名称</th><th>正式名称</th><th>部门</th><th>默认时限</th></tr>{rows}</table>
<h2>不在本次“一件事”里、需要另外去办的</h2><ul>{referrals}</ul>
<p><small>办结时限为默认值，各地以当地公布为准；事项编码为暂定编码。</small></p>
</body></html>"""


@router.get("/cases/{case_no}", response_class=HTMLResponse)
def case_page(case_no: Annotated[str, Path(max_length=40)]) -> str:
    """The link the assistant gives a family: the progress of one case.

    The access code travels in the URL fragment (#token=...), which browsers never send to a server, so
    it appears in no log; the page's script reads it and asks GET /api/v1/cases/{case_no} with it.
    The page itself carries no case data: without a credential it shows the forms to enter the case
    number and the 6-character progress code, or the applicant's phone for an SMS code
    (api/web/case_page.py).
    """
    return _CASE_PAGE.replace("__CASE_NO__", escape(case_no))
