"""The simulator's personas, as data: who they are, what they say first, how they answer.

Each persona answers by *topic* (the thing a bot question asks about, see ``run.TOPICS``). An
``Answer`` has a short form, used when a question asks only that topic ("没得"), and a full form
that names the thing, used when one question asks several topics at once ("没得驾照"), and may
have an ``again`` form, said when the same thing is asked a second time (the bot showed an example).

``Move``s are the scripted turns that are not plain answers: a side question asked instead of
answering, an item added after choosing only some, a correction. A move fires at the first bot
question that asks one of its ``when`` topics (``"*"``: any question), after the move named in
``after`` has fired and, with ``after_topic``, after the persona has answered that topic. It may
change later answers (``sets``) and checks the bot's reply (``expect``: every pattern must occur).

Identity numbers are valid GB 11643 numbers with Guizhou area codes, generated here; the deceased
were born in the 1940s-50s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_digit(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number(area: str, birth: dt.date, seq: int) -> str:
    """A GB 11643 citizen number: area code, birth date, 3-digit sequence (odd = male), check digit."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    assert len(first17) == 17 and first17.isdigit(), first17
    return first17 + check_digit(first17)


def valid_id_number(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        dt.datetime.strptime(value[6:14], "%Y%m%d")
    except ValueError:
        return False
    return value[17].upper() == check_digit(value[:17])


@dataclass(frozen=True)
class Answer:
    short: str
    full: str = ""
    no: bool = False  # a plain "no"; several at once become "都没有" / "有X，别的都没有"
    again: str = ""  # said when the same thing is asked a second time (after the bot's example)

    def text(self, alone: bool, retry: bool = False) -> str:
        if retry:
            return self.again or self.full or self.short
        return self.short if alone or not self.full else self.full


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    phone: str = ""


@dataclass(frozen=True)
class Move:
    key: str
    say: str
    when: tuple[str, ...]
    after: str = ""
    after_topic: str = ""
    sets: dict[str, Answer] = field(default_factory=dict)
    expect: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    opening: str
    answers: dict[str, Answer]
    deceased: Person
    applicant: Person
    account: str
    relationship: str  # the value the case must hold (catalog.md §3)
    died_days_ago: int
    # how the persona types the death date: "relative" (昨天/前天), "month_day" (11月26号), "full"
    date_style: str
    want_items: tuple[str, ...]
    not_items: tuple[str, ...] = ()
    told_in_opening: tuple[str, ...] = ()
    moves: tuple[Move, ...] = ()
    typical: bool = True


def _ids(area: str, birth: dt.date, seq: int) -> str:
    number = id_number(area, birth, seq)
    assert valid_id_number(number)
    return number


def _answers(common: dict[str, Answer], deceased: Person, applicant: Person, account: str, **extra) -> dict:
    out = dict(common)
    out.setdefault("all_no", Answer("都没有"))
    out.setdefault("others_no", Answer("别的都没有"))
    out.setdefault("deceased_name", Answer(deceased.name))
    out.setdefault("deceased_id", Answer(deceased.id_number))
    out.setdefault("applicant_name", Answer(applicant.name))
    out.setdefault("applicant_id", Answer(applicant.id_number))
    out.setdefault("applicant_phone", Answer(applicant.phone))
    out.setdefault("account", Answer(account))
    out.update(extra)
    return out


# 1. An elderly widow: short answers in Guizhou speech.
_widow_dead = Person("李明贵", _ids("520102", dt.date(1946, 3, 15), 231))
_widow = Person("王秀英", _ids("520102", dt.date(1949, 8, 2), 142), "13985012345")
WIDOW = Persona(
    key="widow",
    title="elderly widow, short answers",
    opening="老伴前天走了",
    answers=_answers(
        {
            "yes": Answer("要得"),
            "all_no": Answer("都没得"),
            "others_no": Answer("别的都没得"),
            "death_cause": Answer("病死的", "是病死的"),
            "place": Answer("在屋头"),
            "funeral": Answer("火化", "要火化"),
            "hukou": Answer("是的", "户口在贵阳"),
            "driving": Answer("没得", "没得驾照", no=True),
            "housing_fund": Answer("没得", "没得公积金", no=True),
            "loan": Answer("没得", "没得贷款", no=True),
            "welfare": Answer("没得", "没领低保", no=True),
            "equity": Answer("没得", "没得公司", no=True),
            "pension": Answer("新农保，在领的"),
            "medical": Answer("新农合"),
            "deposits": Answer("不晓得", "存款不晓得"),
            "relationship": Answer("老伴", "我是他老伴"),
            "choice": Answer("都办"),
            "checklist": Answer("要得"),
            "summary": Answer("是的"),
        },
        _widow_dead,
        _widow,
        "6217002310001234567",
    ),
    deceased=_widow_dead,
    applicant=_widow,
    account="6217002310001234567",
    relationship="spouse",
    died_days_ago=2,
    date_style="relative",
    want_items=(
        "death_cert_normal",
        "cremation_cert",
        "hukou_cancel",
        "social_insurance_suspend",
        "medical_insurance_cancel",
        "funeral_subsidy",
    ),
    not_items=("death_cert_abnormal", "driving_license_cancel", "housing_fund_withdraw", "welfare_stop"),
)

# 2. A busy son: many facts in the opening, expects not to be asked them again.
_son_dead = Person("陈国华", _ids("520302", dt.date(1951, 11, 4), 517))
_son = Person("陈志刚", _ids("520302", dt.date(1978, 6, 21), 335), "13708519876")
SON = Persona(
    key="son",
    title="busy son, many facts at once",
    opening="我爸昨天在医院走的，企业退休的，有职工医保和公积金，没有驾照，户口在遵义，要火化",
    answers=_answers(
        {
            "yes": Answer("开始吧"),
            "death_cause": Answer("生病走的，肺癌", "是生病走的"),
            "place": Answer("在医院", "在医院走的"),
            "funeral": Answer("火化"),
            "hukou": Answer("户口在遵义"),
            "driving": Answer("没有驾照", no=True),
            "housing_fund": Answer("有公积金"),
            "loan": Answer("没有贷款", "没有公积金贷款", no=True),
            "welfare": Answer("没有", "没有低保和补贴", no=True),
            "equity": Answer("没有", "没有公司股份", no=True),
            "pension": Answer("企业退休的，在领退休金"),
            "medical": Answer("职工医保"),
            "deposits": Answer("有一点，不多", "存款有一点，不多"),
            "relationship": Answer("我是他儿子"),
            "choice": Answer("都办"),
            "checklist": Answer("可以，就这样办"),
            "summary": Answer("没问题，提交"),
            "applicant_name": Answer("我叫陈志刚", "陈志刚"),
        },
        _son_dead,
        _son,
        "6228480402564890018",
    ),
    deceased=_son_dead,
    applicant=_son,
    account="6228480402564890018",
    relationship="child",
    died_days_ago=1,
    date_style="relative",
    want_items=(
        "death_cert_normal",
        "hukou_cancel",
        "social_insurance_suspend",
        "survivor_benefits",
        "medical_insurance_cancel",
        "housing_fund_withdraw",
        "cremation_cert",
        "small_deposit_withdraw",
    ),
    not_items=("death_cert_abnormal", "driving_license_cancel", "welfare_stop", "funeral_subsidy"),
    told_in_opening=(
        "place",
        "pension",
        "medical",
        "housing_fund",
        "driving",
        "hukou",
        "funeral",
        "relationship",
        "death_date",
    ),
)

# 3. A daughter who asks side questions mid-flow, chooses only one item, then adds another.
_dau_dead = Person("杨光明", _ids("520102", dt.date(1955, 1, 9), 93))
_dau = Person("杨丽", _ids("520102", dt.date(1982, 4, 30), 228), "15085123456")
DAUGHTER = Persona(
    key="daughter",
    title="daughter, side questions, adds an item",
    opening="我爸前几天出车祸走了，要办哪些手续",
    answers=_answers(
        {
            "yes": Answer("好的"),
            "death_cause": Answer("车祸，是意外"),
            "place": Answer("在医院", "在医院走的"),
            "funeral": Answer("火化"),
            "hukou": Answer("在贵阳", "户口在贵阳"),
            "driving": Answer("没有驾驶证", no=True),
            "housing_fund": Answer("有公积金"),
            "loan": Answer("没有贷款", no=True),
            "welfare": Answer("没有", "没有低保", no=True),
            "equity": Answer("没有", "没有公司", no=True),
            "pension": Answer("事业单位的，已经退休了"),
            "medical": Answer("职工医保"),
            "deposits": Answer("不清楚", "存款不清楚"),
            "relationship": Answer("我是他女儿"),
            "choice": Answer("只办注销户口"),
            "checklist": Answer("好的，就这样办"),
            "summary": Answer("对的，提交"),
        },
        _dau_dead,
        _dau,
        "6222021234567890123",
    ),
    deceased=_dau_dead,
    applicant=_dau,
    account="6222021234567890123",
    relationship="child",
    died_days_ago=3,
    date_style="month_day",
    want_items=("hukou_cancel", "housing_fund_withdraw", "death_cert_abnormal"),
    not_items=(
        "social_insurance_suspend",
        "medical_insurance_cancel",
        "survivor_benefits",
        "death_cert_normal",
    ),
    moves=(
        Move(
            key="ask_certificate",
            say="车祸的死亡证明是医院开还是交警开？",
            when=("death_cause", "place"),
            expect=(r"公安|交警|派出所",),
            why="a side question about the certificate is answered (公安/交警)",
        ),
        Move(
            key="ask_hukou_materials",
            say="注销户口要带啥",
            when=("deceased_name", "deceased_id", "death_date"),
            expect=(r"户口", r"户口簿|户口本|身份证|死亡证明|居民户口"),
            why="a side question about the hukou materials is answered",
        ),
        Move(key="only_hukou", say="只办注销户口", when=("choice", "checklist"), why="chooses one item"),
        Move(
            key="add_fund",
            say="再加上公积金",
            when=("checklist", "choice"),
            after="only_hukou",
            expect=(r"注销户口", r"公积金"),
            why="adding an item keeps the one chosen before",
        ),
    ),
    typical=False,
)

# 4. An accidental death at a building site, burial in the home village.
_acc_dead = Person("吴世勇", _ids("520302", dt.date(1958, 9, 27), 411))
_acc = Person("吴小军", _ids("520302", dt.date(1984, 12, 3), 157), "18285067788")
ACCIDENT = Persona(
    key="accident",
    title="accidental death, burial",
    opening="我爸在工地上出事走了，要办啥子手续",
    answers=_answers(
        {
            "yes": Answer("好"),
            "death_cause": Answer("是意外，工地上出的事"),
            "place": Answer("在工地上", "在工地上走的"),
            "funeral": Answer("土葬", "土葬，埋在老家"),
            "hukou": Answer("在湄潭", "户口在湄潭"),
            "driving": Answer("有驾照，在贵州考的"),
            "housing_fund": Answer("有公积金"),
            "loan": Answer("没有贷款", no=True),
            "welfare": Answer("没有", "没有低保", no=True),
            "equity": Answer("没有", "没有公司", no=True),
            "pension": Answer("企业的，还在交，没退休"),
            "medical": Answer("职工医保"),
            "deposits": Answer("不清楚", "存款不清楚"),
            "relationship": Answer("我是他儿子"),
            "choice": Answer("全部都办"),
            "checklist": Answer("就按这个办"),
            "summary": Answer("没问题"),
        },
        _acc_dead,
        _acc,
        "6212262402008765432",
    ),
    deceased=_acc_dead,
    applicant=_acc,
    account="6212262402008765432",
    relationship="child",
    died_days_ago=5,
    date_style="full",
    want_items=(
        "death_cert_abnormal",
        "hukou_cancel",
        "driving_license_cancel",
        "housing_fund_withdraw",
        "medical_insurance_cancel",
    ),
    not_items=("death_cert_normal", "cremation_cert", "social_insurance_suspend"),
)

# 5. A widow who corrects answers: the cause of death mid-flow, the deceased's name at the summary.
_cor_dead = Person("张德明", _ids("520102", dt.date(1944, 7, 18), 375))
_cor = Person("刘桂芬", _ids("520102", dt.date(1947, 2, 11), 286), "13608500123")
CORRECTOR = Persona(
    key="corrector",
    title="corrects an answer and a name",
    opening="我老伴昨天走了，要办些啥子",
    answers=_answers(
        {
            "yes": Answer("好的"),
            "death_cause": Answer("病死的"),
            "place": Answer("在家里", "在家里走的"),
            "funeral": Answer("火化"),
            "hukou": Answer("是的", "户口在贵阳"),
            "driving": Answer("没有", "没有驾照", no=True),
            "housing_fund": Answer("没有", "没有公积金", no=True),
            "loan": Answer("没有", "没有贷款", no=True),
            "welfare": Answer("没有", "没有低保", no=True),
            "equity": Answer("没有", "没有公司", no=True),
            "pension": Answer("企业退休的，在领"),
            "medical": Answer("职工医保"),
            "deposits": Answer("有，不多", "存款有，不多"),
            "relationship": Answer("老伴", "我是他老伴"),
            "choice": Answer("都办"),
            "checklist": Answer("好的"),
            "summary": Answer("对的"),
            "deceased_name": Answer("张德民"),
        },
        _cor_dead,
        _cor,
        "6217856100012345678",
    ),
    deceased=_cor_dead,
    applicant=_cor,
    account="6217856100012345678",
    relationship="spouse",
    died_days_ago=1,
    date_style="relative",
    want_items=(
        "death_cert_abnormal",
        "cremation_cert",
        "hukou_cancel",
        "social_insurance_suspend",
        "survivor_benefits",
    ),
    not_items=("death_cert_normal", "housing_fund_withdraw"),
    moves=(
        Move(
            key="fix_cause",
            say="刚才选错了，不是病死的，是摔死的",
            when=("*",),
            after_topic="death_cause",
            sets={"death_cause": Answer("摔死的")},
            why="the cause of death is corrected (the case must have the police death certificate)",
        ),
        Move(
            key="fix_name",
            say="名字填错了，老伴叫张德明",
            when=("summary",),
            sets={"deceased_name": Answer("张德明")},
            expect=(r"姓名|名字|改成|已改|改好",),
            why="the deceased's name is corrected at the summary",
        ),
    ),
    typical=False,
)

# 6. A 12345 hotline operator typing for a caller: terse words.
_op_dead = Person("罗正武", _ids("520302", dt.date(1949, 5, 6), 19))
_op = Person("罗红梅", _ids("520302", dt.date(1975, 10, 16), 408), "13985567890")
OPERATOR = Persona(
    key="operator",
    title="hotline operator, terse",
    opening="来电：父亲病故，办身后事",
    answers=_answers(
        {
            "yes": Answer("是"),
            "all_no": Answer("均无"),
            "others_no": Answer("其余无"),
            "death_cause": Answer("病故"),
            "place": Answer("医院"),
            "funeral": Answer("火化"),
            "hukou": Answer("是", "户口遵义"),
            "driving": Answer("无", "驾照无", no=True),
            "housing_fund": Answer("无", "公积金无", no=True),
            "loan": Answer("无", "贷款无", no=True),
            "welfare": Answer("无", "低保无", no=True),
            "equity": Answer("无", "股份无", no=True),
            "pension": Answer("居民养老，已领", again="城乡居民养老保险，已经在领了"),
            "medical": Answer("居民医保", again="城乡居民医保"),
            "deposits": Answer("小额", "存款小额"),
            "relationship": Answer("子女"),
            "choice": Answer("全部"),
            "checklist": Answer("确认"),
            "summary": Answer("确认提交"),
        },
        _op_dead,
        _op,
        "6230520460001122334",
    ),
    deceased=_op_dead,
    applicant=_op,
    account="6230520460001122334",
    relationship="child",
    died_days_ago=4,
    date_style="full",
    want_items=(
        "death_cert_normal",
        "cremation_cert",
        "hukou_cancel",
        "social_insurance_suspend",
        "funeral_subsidy",
        "small_deposit_withdraw",
    ),
    not_items=("death_cert_abnormal", "driving_license_cancel", "housing_fund_withdraw"),
)

PERSONAS: tuple[Persona, ...] = (WIDOW, SON, DAUGHTER, ACCIDENT, CORRECTOR, OPERATOR)
