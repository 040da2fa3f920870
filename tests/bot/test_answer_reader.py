"""What families type at each question, read into the catalog's values (issue 10: seen failing).

Every case here was typed by a family at the question named (or given up front); none is a button.
"""

from __future__ import annotations

import pytest

from actions.answer_reader import control_of, dont_know, has_question, read_facts

BELONGINGS = ["driving_license_gz", "has_housing_fund", "receives_assistance", "has_equity"]


@pytest.mark.parametrize(
    ("typed", "asked", "expected"),
    [
        # a button's own words, typed
        ("没有", ["has_equity"], {"has_equity": "no"}),
        ("没得", ["has_equity"], {"has_equity": "no"}),
        ("否", ["has_equity"], {"has_equity": "no"}),
        ("有的", ["has_equity"], {"has_equity": "yes"}),
        ("不清楚", ["has_equity"], {"has_equity": "unknown"}),
        ("不清楚", ["deposits"], {"deposits": "unknown"}),
        ("有的，不多", ["deposits"], {"deposits": "small"}),
        ("没什么存款", ["deposits"], {"deposits": "none"}),
        ("新農保", ["pension_scheme"], {"pension_scheme": "resident"}),
        ("有", ["driving_license_gz"], {"driving_license_gz": True}),
        ("要得", ["receives_assistance"], {"receives_assistance": True}),
        ("没有驾驶证", ["driving_license_gz"], {"driving_license_gz": False}),
        # the loan question asks about a debt: a plain 没有 is no debt, i.e. settled
        ("没有", ["housing_fund_loan_settled"], {"housing_fund_loan_settled": True}),
        ("还有贷款没还完", ["housing_fund_loan_settled"], {"housing_fund_loan_settled": False}),
        ("早就还清了", ["housing_fund_loan_settled"], {"housing_fund_loan_settled": True}),
        # plain answers
        ("医院", ["death_place"], {"death_place": "hospital"}),
        ("在医院", ["death_place"], {"death_place": "hospital"}),
        ("在屋头", ["death_place"], {"death_place": "home"}),
        ("在贵州", ["hukou_in_guizhou"], {"hukou_in_guizhou": True}),
        ("在贵阳", ["hukou_in_guizhou"], {"hukou_in_guizhou": True}),
        ("户口在遵义", ["hukou_in_guizhou"], {"hukou_in_guizhou": True}),
        ("赤水的", ["hukou_in_guizhou"], {"hukou_in_guizhou": True}),
        ("在四川", ["hukou_in_guizhou"], {"hukou_in_guizhou": False}),
        ("年纪大了", ["death_nature"], {"death_nature": "normal"}),
        ("在领", ["pension_status"], {"pension_status": "retired"}),
        ("已经在领了", ["pension_status"], {"pension_status": "retired"}),
        ("在领的，每个月一百多块", ["pension_status"], {"pension_status": "retired"}),
        ("农村合作医疗", ["medical_scheme"], {"medical_scheme": "resident"}),
        ("我是她女儿", ["relationship"], {"relationship": "child"}),
        ("土葬", ["funeral"], {"funeral": "burial"}),
        # several facts in one answer to a question asked together
        (
            "生病，在医院走的",
            ["death_nature", "death_place"],
            {"death_nature": "normal", "death_place": "hospital"},
        ),
        (
            "火化，户口在遵义",
            ["funeral", "hukou_in_guizhou"],
            {"funeral": "cremation", "hukou_in_guizhou": True},
        ),
        (
            "新农保在领，新农合",
            ["pension_scheme", "pension_status", "medical_scheme"],
            {"pension_scheme": "resident", "pension_status": "retired", "medical_scheme": "resident"},
        ),
        (
            "有公积金，别的都没有",
            BELONGINGS,
            {
                "has_housing_fund": True,
                "driving_license_gz": False,
                "receives_assistance": False,
                "has_equity": "no",
            },
        ),
        (
            "都没有",
            BELONGINGS,
            {
                "has_housing_fund": False,
                "driving_license_gz": False,
                "receives_assistance": False,
                "has_equity": "no",
            },
        ),
        (
            "只有驾照",
            BELONGINGS,
            {
                "driving_license_gz": True,
                "has_housing_fund": False,
                "receives_assistance": False,
                "has_equity": "no",
            },
        ),
    ],
)
def test_typed_answers_to_the_question_asked(typed, asked, expected):
    assert read_facts(typed, asked) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "我爸企业退休的，有职工医保和公积金，没有驾照，户口在遵义",
            {
                "relationship": "child",
                "pension_scheme": "enterprise",
                "pension_status": "retired",
                "medical_scheme": "employee",
                "has_housing_fund": True,
                "driving_license_gz": False,
                "hukou_in_guizhou": True,
            },
        ),
        ("我老公出车祸走了", {"relationship": "spouse", "death_nature": "abnormal"}),
        ("我儿子走了", {"relationship": "parent"}),
        ("老伴前天走了", {"relationship": "spouse"}),
        ("刚才选错了，不是病死的，是摔死的", {"death_nature": "abnormal"}),
        # a question tells no facts: 车祸 and 医院 here are what is asked about
        ("车祸的死亡证明是医院开还是交警开？", {}),
        ("我爸昨天走了，户口咋个销", {"relationship": "child"}),
        # a word alone does not answer an unasked question
        ("我要注销户口", {}),
    ],
)
def test_facts_given_unasked_are_kept(typed, expected):
    assert read_facts(typed) == expected


def test_control_words_leave_restart_or_hand_off():
    assert control_of("谢谢") == "thanks"
    assert control_of("算了") == control_of("不办了") == control_of("不查了") == "exit"
    assert control_of("重新开始") == "restart"
    assert control_of("转人工") == "handoff"
    assert control_of("我要申请") is None and control_of("没有") is None


def test_questions_and_dont_know():
    assert has_question("注销户口要带啥") and has_question("车祸的死亡证明是医院开还是交警开？")
    assert not has_question("在医院") and not has_question("没什么存款")
    assert dont_know("不晓得") and dont_know("搞不清楚") and not dont_know("知道")
