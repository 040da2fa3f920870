"""The shape of the knowledge/ files.

Every model forbids unknown fields so that a typo in a YAML file fails on load instead of
being silently ignored. Cross-references (material keys, prerequisites, condition fields)
are checked by the loader once all files are read.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Key = str  # lower_snake_case, ASCII; checked by the validator below
Condition = dict[str, list[str | bool]]  # {situation_field: [allowed values]}, all must hold


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_key(value: str) -> str:
    if not value or not value.replace("_", "").isalnum() or not value.isascii() or value.lower() != value:
        raise ValueError(f"键 '{value}' 必须是小写 ASCII 字母、数字和下划线")
    return value


# ---------------------------------------------------------------- situation.yaml


class SituationValue(Strict):
    value: str | bool
    label: str
    # other words a family types for this answer; they mark it wherever they appear in a message,
    # so only words that mean this answer whoever says them (老伴 yes; 儿子 no: "我儿子走了")
    phrasings: list[str] = Field(default_factory=list)
    # more words the assistant's answer reader takes for this value inside an answer (not fed to the
    # NLU: short words like 医院 would mark questions too); a word preceded by 不是/没 does not count
    answer_words: list[str] = Field(default_factory=list)


class PlaceWords(Strict):
    """The places of knowledge/regions.yaml under `under` are yes words too, as people say them
    (遵义市 → 遵义, 湄潭县 → 湄潭: api/catalog/places.py); the export adds them to yes_words."""

    under: str  # a region code of regions.yaml
    # official names whose short form is an everyday word or another province's place (大方, 白云)
    in_full: list[str] = Field(default_factory=list)


class SituationField(Strict):
    key: Key
    label: str
    question: str  # how the assistant asks it, in plain words
    type: Literal["enum", "bool"]
    values: list[SituationValue] = Field(default_factory=list)  # for enum; bool gets 是/否
    asked: bool = True  # False for fields that come from shared data, never asked
    # bool fields: words that mean true / false wherever they appear in an answer (a Guizhou place
    # for hukou_in_guizhou), and the thing the field is about ("有公积金" / "没有驾照")
    yes_words: list[str] = Field(default_factory=list)
    no_words: list[str] = Field(default_factory=list)
    nouns: list[str] = Field(default_factory=list)
    yes_places: PlaceWords | None = None
    # the question is asked so that a plain "有/是" means this value ("还有没还完的贷款吗？" → false)
    yes_means: bool = True
    example: str | None = None  # an answer shown as an example when an answer was not understood

    _key = field_validator("key")(_check_key)


class QuestionGroup(Strict):
    """Questions asked together in one message ("亲人生前有下面这些吗：驾驶证、公积金……")."""

    key: Key
    question: str
    fields: list[Key]
    # "有的说一下": a field of the group that the answer does not mention is a no
    unmentioned_means_no: bool = False
    # for such a group, the word for each field: the question lists only the ones still needed
    # ("{things}" in the question), so nothing already answered is asked again
    things: dict[Key, str] = Field(default_factory=dict)
    example: str | None = None

    _key = field_validator("key")(_check_key)


class SituationFile(Strict):
    fields: list[SituationField]
    groups: list[QuestionGroup] = Field(default_factory=list)


# ---------------------------------------------------------------- departments.yaml


class Department(Strict):
    key: Key
    name: str  # 省公安厅 / 公安机关 ...
    short_name: str  # 公安
    shares_death_records: bool = False  # may push records to POST /death-records

    _key = field_validator("key")(_check_key)


class DepartmentsFile(Strict):
    departments: list[Department]


# ---------------------------------------------------------------- items.yaml


class Basis(Strict):
    title: str  # 《社会保险法》第十四条
    source: str  # where the text can be read, or the issuing body and document number
    note: str | None = None


class Requirement(Strict):
    """One eligibility rule: `when` must hold, otherwise the item is ineligible."""

    when: Condition
    reason: str  # why it does not apply, in plain words
    instead: str  # what to do instead


class Step(Strict):
    title: str
    detail: str


class ResultField(Strict):
    """One field a department fills in when it completes the item (办理结果), shown to the family with
    its label and printed on the result document. Only what the item's 办理结果 names; no figure is
    preset (amounts are entered by the department from its own system)."""

    key: Key
    label: str  # 户口注销证明编号, 发放金额（元）, 查询结果 ...
    kind: Literal["text", "amount", "date", "month", "yes_no", "choice"] = "text"
    required: bool = True
    options: list[str] = Field(default_factory=list)  # kind choice: the answers
    hint: str | None = None  # a plain note for the clerk

    _key = field_validator("key")(_check_key)

    @model_validator(mode="after")
    def _options(self) -> ResultField:
        if (self.kind == "choice") != bool(self.options):
            raise ValueError("options are given exactly when kind is choice")
        return self


class Item(Strict):
    key: Key
    code: str  # 事项编码; provisional until the province publishes codes
    code_provisional: bool = True
    name: str  # official name
    colloquial_name: str
    phrasings: list[str]  # other ways people say it; feed NLU and the hotline lookup
    department: Key
    co_departments: list[Key] = Field(default_factory=list)
    extended: bool = False  # plan task 十, 延长服务链条
    payout_or_query: bool = False  # needs an heir, a will beneficiary or an agent of one
    payout: bool = False  # money is paid out (a will beneficiary must show the will)
    basis: list[Basis]
    conditions: list[str]  # 受理条件, for the guide
    requirements: list[Requirement] = Field(default_factory=list)
    already_done_when: Condition | None = None  # shared data makes the item unnecessary
    time_limit_days: int = Field(ge=0)  # working days, 0 = 即办
    time_limit_note: str | None = None
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    result: str  # 办理结果
    result_fields: list[ResultField] = Field(
        default_factory=list
    )  # what the department records on completion
    paper_original: bool = False  # the result is a paper certificate that can be mailed (证照送达)
    steps: list[Step]  # 办事流程
    fee: str = "不收费"
    where: str  # 办理地点 in general terms
    faq: list[str] = Field(default_factory=list)  # plain notes families need (e.g. overpaid pension)

    _key = field_validator("key")(_check_key)


class Prerequisite(Strict):
    """This item waits for `item` (or, with `any_of`, for whichever of them the case uses)."""

    any_of: list[Key]  # one key, or the alternatives (the two death certificates)
    when: Condition | None = None  # the edge exists only in this situation
    reason: str


Item.model_rebuild()


class ItemsFile(Strict):
    items: list[Item]


# ---------------------------------------------------------------- materials.yaml


class Exemption(Strict):
    when: Condition | None = None  # situation that exempts it
    case_includes: list[Key] | None = None  # or: the case itself issues it
    reason: str


class RequiredBy(Strict):
    scope: Literal["case", "items"]
    items: list[Key] | Literal["all"] = Field(default_factory=list)  # with scope items
    except_items: list[Key] = Field(default_factory=list)
    payout_or_query_items: bool = False  # every item flagged payout_or_query
    payout_items: bool = False  # every item flagged payout
    when: Condition | None = None  # only in this situation


class Promise(Strict):
    """告知承诺 / 容缺: the family may sign a statement instead of producing it now."""

    allowed: bool
    note: str
    not_when_case_includes: list[Key] = Field(default_factory=list)


class ReviewPoint(Strict):
    """审查要点: what the window officer checks on a material, in a given situation, with its basis
    (catalog.md §3–§5 or the province's plan; a generic check says so in its basis note)."""

    check: str  # what to check, in plain words
    when: Condition | None = None  # only in this situation
    items: list[Key] = Field(default_factory=list)  # only when the case includes one of these items
    basis: Basis


class Material(Strict):
    key: Key
    name: str
    description: str
    required_by: RequiredBy
    form: str  # 原件 / 复印件 / 电子证照 / 系统生成
    medium: Literal["electronic", "paper", "any"]
    paper_for_items: list[Key] = Field(default_factory=list)  # paper is legally required for these
    copies: int = Field(default=1, ge=1)
    copies_by_item: dict[Key, int] = Field(default_factory=dict)
    generated: bool = False  # the system fills it in for the family
    exemptions: list[Exemption] = Field(default_factory=list)
    promise: Promise | None = None
    review_points: list[ReviewPoint] = Field(default_factory=list)  # 审查要点 at the window

    _key = field_validator("key")(_check_key)


class MaterialsFile(Strict):
    # the bases the review points cite, written once as YAML anchors (&cat4) and used as *cat4
    review_basis: dict[str, Basis] = Field(default_factory=dict, alias="x-review-basis")
    materials: list[Material]


# ---------------------------------------------------------------- referrals.yaml


class Referral(Strict):
    key: Key
    name: str
    phrasings: list[str]
    where: str  # where to go
    what_to_bring: str | None = None
    not_covered: str  # what the one-stop service does not do here
    basis: list[Basis] = Field(default_factory=list)

    _key = field_validator("key")(_check_key)


class ReferralsFile(Strict):
    referrals: list[Referral]


# ---------------------------------------------------------------- figures.yaml


class FigureValue(Strict):
    value: float | int | None  # None: in force but not yet configured (answer in words)
    effective_from: dt.date
    effective_to: dt.date | None = None
    basis: Basis
    note: str | None = None


class Figure(Strict):
    key: Key
    name: str
    unit: str  # 元 / 元每月 / 个月 / 工作日
    values: list[FigureValue]
    history_note: str | None = None

    _key = field_validator("key")(_check_key)


class Band(Strict):
    """抚恤金 months by full contribution years: from_years <= y < to_years."""

    from_years: int = Field(ge=0)
    to_years: int | None = None
    months: int = Field(ge=0)


class SurvivorRule(Strict):
    funeral_grant_months: int
    pension_bands: list[Band]
    extra_month_per_year_over: int
    max_months: int
    retiree_deduction_per_year: int
    retiree_floor_months: int
    effective_from: dt.date
    basis: Basis


class FiguresFile(Strict):
    figures: list[Figure]
    survivor_rule: SurvivorRule


# ---------------------------------------------------------------- regions.yaml


class Override(Strict):
    """A region's own time limit or figure, in force from a date."""

    effective_from: dt.date
    basis: Basis
    time_limits: dict[Key, int] = Field(default_factory=dict)
    figures: dict[Key, float | int] = Field(default_factory=dict)


class Region(Strict):
    code: str  # 行政区划代码, 6 digits
    name: str
    level: Literal["province", "city", "county"]
    parent: str | None = None
    overrides: list[Override] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit():
            raise ValueError("行政区划代码必须是 6 位数字")
        return value


class RegionsFile(Strict):
    regions: list[Region]
