"""The catalog item marker and the text normaliser (assistant/components), on phrases written for these
tests: none of them is in the dev set (../shared/eval/dev_questions.jsonl, a check below keeps it so).

Needs assistant/generated/catalog.json (``make generate``); runs with the bot interpreter.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "assistant" / "generated" / "catalog.json"
DEV = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"

pytestmark = pytest.mark.skipif(not CATALOG.exists(), reason="run `make generate` first")


@pytest.fixture(scope="module")
def marker():
    from assistant.components.item_marker import ItemMarker

    return ItemMarker.from_files(CATALOG)


SINGLE = [
    ("销户口", "hukou_cancel"),
    ("户口咋个销", "hukou_cancel"),
    ("我屋头老人的户籍要不要注销", "hukou_cancel"),
    ("抚恤金咋领", "survivor_benefits"),
    ("丧葬费找哪个要", "survivor_benefits"),
    ("我爸的退休金咋个还在打，要不要停", "social_insurance_suspend"),
    ("多领的养老金会不会追回", "social_insurance_suspend"),
    ("养老保险交了十几年，人没了能退不", "pension_account_refund"),
    ("医保卡里头还有两千多块钱咋个取", "medical_account_withdraw"),
    ("新农合要去注销吗", "medical_insurance_cancel"),
    ("老汉儿的驾驶证交到哪里", "driving_license_cancel"),
    ("不晓得老人留没留遗嘱", "will_notary_check"),
    ("查一下她名下的股权", "equity_query"),
    ("公积金里的钱咋个拿出来", "housing_fund_withdraw"),
    ("存折上的钱不多，咋个取出来", "small_deposit_withdraw"),
    ("高龄补贴是不是要停", "welfare_stop"),
    ("火化费能不能减免", "funeral_subsidy"),
    ("殡仪馆的火化证明丢了", "cremation_cert"),
    ("在家里头老了的，死亡证明咋个开", "death_cert_normal"),
    ("工地上出事走的，死亡证明哪个开", "death_cert_abnormal"),
]


@pytest.mark.parametrize(("text", "key"), SINGLE)
def test_single_item(marker, text, key):
    assert marker.items(text) == [key]


SEVERAL = [
    ("户口要销，退休金也要停", ["hukou_cancel", "social_insurance_suspend"]),
    (
        "公积金、医保卡里的钱、还有存折都要弄",
        ["housing_fund_withdraw", "medical_account_withdraw", "small_deposit_withdraw"],
    ),
    ("驾照和户口一起销了", ["driving_license_cancel", "hukou_cancel"]),
    ("丧葬费领了以后，低保还要去停不", ["survivor_benefits", "welfare_stop"]),
]


@pytest.mark.parametrize(("text", "keys"), SEVERAL)
def test_several_items_in_order_of_appearance(marker, text, keys):
    assert marker.items(text) == keys


OUT_OF_SCOPE = [
    "明天贵阳下不下雨",
    "护照过期了咋个换",
    "我想交灵活就业的社保",
    "生娃娃的准生证去哪办",
    "考驾照要好多钱",
    "给我讲个笑话嘛",
    "我想申请低保",
    "身份证丢了补办",
    "",
]


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope_has_no_item(marker, text):
    assert marker.items(text) == []


TRADITIONAL = [
    ("戶口要註銷", "hukou_cancel"),
    ("撫恤金咋個領", "survivor_benefits"),
    ("醫保卡裡的錢咋個取", "medical_account_withdraw"),
    ("養老金要停發", "social_insurance_suspend"),
    ("阿爺過身咗，除戶要帶乜嘢證件", "hukou_cancel"),
]


@pytest.mark.parametrize(("text", "key"), TRADITIONAL)
def test_traditional_characters(marker, text, key):
    assert marker.items(text) == [key]


def test_referral_topics_are_topics_not_items(marker):
    marks = marker.find("房子过户和换户主去哪里办")
    assert [(m.entity, m.value) for m in marks] == [
        ("topic", "real_estate_inheritance"),
        ("topic", "householder_change"),
    ]
    # a large deposit is a referral to 继承权公证, not the small-deposit item
    assert marker.items("存款太多取不出来咋办") == []


def test_marks_point_at_the_text(marker):
    text = "请问一下，我妈的公积金咋个取"
    (mark,) = marker.find(text)
    assert text[mark.start : mark.end] == mark.text
    assert "公积金" in mark.text


def test_these_phrases_are_not_in_the_dev_set():
    if not DEV.exists():
        pytest.skip("dev set not present")
    dev = {json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()}
    ours = [t for t, _ in SINGLE + TRADITIONAL] + [t for t, _ in SEVERAL + AREA_NOUNS + SCHEME_WORDS]
    ours += OUT_OF_SCOPE
    assert not dev.intersection(ours + GENERAL_AREA_QUESTIONS)


def test_these_phrases_are_not_in_the_test_part_of_the_real_questions():
    real = ROOT / "bench" / "real_questions.jsonl"
    rows = [json.loads(line) for line in real.read_text(encoding="utf-8").splitlines() if line.strip()]
    test_part = {r["text"] for r in rows if r["split"] == "test"}
    ours = [t for t, _ in SINGLE + TRADITIONAL + SEVERAL + AREA_NOUNS + SCHEME_WORDS] + GENERAL_AREA_QUESTIONS
    assert not test_part.intersection(ours)


def test_normaliser_keeps_offsets():
    from assistant.components.text_normalizer import to_simplified

    assert to_simplified("戶口簿上隻有爺爺") == "户口簿上只有爷爷"
    assert to_simplified("销户口") == "销户口"
    assert to_simplified("") == ""


def test_component_merges_dedups_orders_and_drops(tmp_path):
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})
    text = "医保要注销，户口也要销"
    message = Message(
        data={
            "text": text,
            "intent": {"name": "ask_howto", "confidence": 0.9},
            "entities": [
                # DIET found the hukou item too (duplicate), a garbage value and a phone
                {
                    "entity": "item",
                    "start": 6,
                    "end": 8,
                    "value": "hukou_cancel",
                    "extractor": "DIETClassifier",
                },
                {"entity": "item", "start": 0, "end": 2, "value": "医保啥子", "extractor": "DIETClassifier"},
                {"entity": "phone", "start": 0, "end": 1, "value": "x", "extractor": "RegexEntityExtractor"},
            ],
        }
    )
    component.process([message])
    entities = message.get("entities")
    items = [e["value"] for e in entities if e["entity"] == "item"]
    assert items == ["medical_insurance_cancel", "hukou_cancel"]
    assert [e["start"] for e in entities] == sorted(e["start"] for e in entities)
    assert any(e["entity"] == "phone" for e in entities)

    # out of scope with a confident intent: weak (cue) items are dropped, exact phrasings stay
    oos = Message(data={"text": "户口咋个销", "intent": {"name": "out_of_scope", "confidence": 0.95}})
    component.process([oos])
    assert [e for e in oos.get("entities") if e["entity"] == "item"] == []
    exact = Message(data={"text": "销户口", "intent": {"name": "out_of_scope", "confidence": 0.95}})
    component.process([exact])
    assert [e["value"] for e in exact.get("entities") if e["entity"] == "item"] == ["hukou_cancel"]
    # ... unless the message speaks of a death: DIET reads many real stories about one as out of
    # scope, and the marked item is what they ask about
    oos_intent = {"name": "out_of_scope", "confidence": 0.95}
    died = Message(data={"text": "老汉走了，户口咋个销", "intent": oos_intent})
    component.process([died])
    assert [e["value"] for e in died.get("entities") if e["entity"] == "item"] == ["hukou_cancel"]


def test_circumstance_rules_apply_only_when_nothing_is_named(marker):
    # a retired person's death, no item named: stop the pension and the survivor benefits
    assert marker.items("我妈是退休教师，上周过世了，要跑哪些地方") == [
        "social_insurance_suspend",
        "survivor_benefits",
    ]
    # the same circumstances with an item named: only that item
    assert marker.items("我妈是退休教师，上周过世了，公积金咋个取") == ["housing_fund_withdraw"]


def test_bare_xiaohu_means_hukou_unless_something_else_is_named(marker):
    assert marker.items("人走了，要去派出所销户不") == ["hukou_cancel"]
    assert marker.items("公积金销户要带啥子") == ["housing_fund_withdraw"]


# Issue 10 item 5: area nouns after a death name the area's items. The issue's own examples
# (those not in the test part of bench/real_questions.jsonl) and phrases written for these tests.
AREA_NOUNS = [
    ("医保人死了怎么办", ["medical_insurance_cancel"]),
    ("人死后医保卡多久冻结", ["medical_insurance_cancel"]),
    ("人死了养老保险怎么领", ["pension_account_refund"]),
    ("养老保险人死了怎么办", ["pension_account_refund"]),
    (
        "我老汉过世了，社保那边要办啥子手续",
        ["social_insurance_suspend", "pension_account_refund", "survivor_benefits"],
    ),
    ("老伴走了，社保能领哪些钱", ["pension_account_refund", "survivor_benefits"]),
    ("人去世了存折还能用吗", ["small_deposit_withdraw"]),
    ("農保的人死了咋個辦", ["pension_account_refund"]),
    # the pension trio: the stop, the account balance, the survivor benefits
    ("我爸过世了，养老金咋个办", ["social_insurance_suspend", "pension_account_refund"]),
    ("老汉儿走了，退休金要去停吗", ["social_insurance_suspend"]),
    ("我妈没退休就走了，社保交的钱能退不", ["pension_account_refund"]),
    ("老伴走了，他养老金账户里还有钱咋个领", ["pension_account_refund"]),
    ("参保的人去世了，个人账户的余额咋个领", ["pension_account_refund"]),
    ("我爸是退休职工，走了以后丧葬费是不是去社保领", ["survivor_benefits"]),
    ("老人走了，社保和丧葬费都咋个领", ["pension_account_refund", "survivor_benefits"]),
    ("老伴走了，有没有丧葬费这些待遇可以领", ["survivor_benefits"]),
    ("我妈上个月过世了，她的退休金发到哪个月", ["social_insurance_suspend"]),
    ("老汉儿交了十五年农保就走了，钱咋个整", ["pension_account_refund"]),
    ("我爷爷走了，八十岁补贴要去哪里停", ["welfare_stop"]),
    ("参保人身亡以后个人账户储存额咋个处理", ["pension_account_refund"]),
    (
        "我老汉去逝了，社保要不要注销",
        ["social_insurance_suspend", "pension_account_refund", "survivor_benefits"],
    ),
    # medical: what becomes of the insurance vs the account money
    ("我妈走了，她的医保能退不", ["medical_insurance_cancel"]),
    ("参加职工医疗保险的人死了以后，他的个人账户咋个办", ["medical_account_withdraw"]),
    # deposits of the deceased
    ("死者遗留的银行存款要咋个查询", ["small_deposit_withdraw"]),
    # a retiree's 工资 is the pension; paid on after the death means the stop, not the account
    ("我爸是退休工人，上个月走了，工资发到哪个月", ["social_insurance_suspend"]),
    ("老汉走了三个月了，养老金一直在打，要退不", ["social_insurance_suspend"]),
    ("我妈过世半年了，退休金还在发，要退回去吗", ["social_insurance_suspend"]),
    # not retired yet, or the money paid in / claimed: the account, nothing to stop
    ("还没退休人就走了，交的养老金咋个办", ["pension_account_refund"]),
    ("人死后养老金怎么领取", ["pension_account_refund"]),
    ("养老金算不算遗产", ["pension_account_refund"]),
    ("人死了社保交的钱能拿回来不", ["pension_account_refund"]),
    # 还能领 asks for the monthly pension (the stop), not for the scheme (the account)
    ("人死了养老金还能领不", ["social_insurance_suspend"]),
    ("人死了养老保险还能领不", ["pension_account_refund"]),
    # what money is left after a retiree's death
    ("退休老人病逝，家属还能领取什么费用", ["survivor_benefits", "pension_account_refund"]),
    # 养老保险 after a death stays marked beside another area
    ("人死了医保和养老保险怎么处理", ["medical_insurance_cancel", "pension_account_refund"]),
    # 社保卡 with the pension on it is not the medical card
    ("老人去世后社保卡里的养老金怎么办", ["social_insurance_suspend", "pension_account_refund"]),
    # 除户 and 死亡登记 strike the deceased off the household register
    ("老汉儿走了，派出所那边除户要带啥子", ["hukou_cancel"]),
    ("我妈前天老了，死亡登记去哪里办", ["hukou_cancel"]),
    # the medical account named without 医保 (个人医疗帐户) and its money inherited
    ("我爸走了，他的医疗帐户里的钱能继承不", ["medical_account_withdraw"]),
    # a pensioner's death reported to the scheme: the pension stops
    ("领退休金的老人死亡了，家属要马上向社保报告吗", ["social_insurance_suspend"]),
    ("領緊退休金嘅老人家死亡，要唔要通報社保", ["social_insurance_suspend"]),
    # the deceased described as a pensioner (领取养老金期间) and what to do: the stop and the account
    ("我妈在领取养老金期间过世了，家里要办啥子手续", ["social_insurance_suspend", "pension_account_refund"]),
    # the deceased's medical card still used by the family: it must be stopped
    ("我爸走了，他的医保卡我妈还在用，要不要紧", ["medical_insurance_cancel"]),
    # Taiwan's schemes (劳保, 国保) and their 给付 after a death: the survivor benefits, not the account
    ("勞保的老人家過身咗，可以領幾個月", ["survivor_benefits"]),
    ("國保的人死亡了，家屬能領什麼給付", ["survivor_benefits"]),
    # a 五保/低保 member's death and the help it brings: the funeral subsidy, not the allowance stop
    ("五保老人走了，有哪些补助可以领", ["funeral_subsidy"]),
    ("低保户走了，低保要去停不", ["welfare_stop"]),
    # benefits drawn in a dead person's name (死人领, 死人吃): the pension or the allowance must stop
    ("村里有死人领养老金的事，社保查不查", ["social_insurance_suspend"]),
    ("这个县死人吃低保的多得很", ["welfare_stop"]),
]


@pytest.mark.parametrize(("text", "keys"), AREA_NOUNS)
def test_area_nouns_after_a_death(marker, text, keys):
    assert sorted(marker.items(text)) == sorted(keys)


# whose scheme, whose document, still usable: the same nouns name different items (item_cues.yml)
SCHEME_WORDS = [
    # 丧葬费 of a farmer or a villager is the residents' funeral subsidy; of a unit's retiree, the benefits
    ("农村的老人走了，丧葬费找哪个领", ["funeral_subsidy"]),
    ("村里的老人过世了，安葬费哪个出", ["funeral_subsidy"]),
    ("我爸是厂里退休的，户口在农村，丧葬费咋个领", ["survivor_benefits"]),
    # died while still working: nothing to stop, the account and the benefits remain
    ("我妈在职期间走了，社保咋个处理", ["pension_account_refund", "survivor_benefits"]),
    # the deceased's identity card is surrendered when the hukou is cancelled
    ("老汉儿走了，他的身份证要不要交", ["hukou_cancel"]),
    ("老人去世了，银行卡还可以继续使用不", ["small_deposit_withdraw"]),
    ("养老保险个人账户能不能继承", ["pension_account_refund"]),
    ("退休金走了还发几个月", ["social_insurance_suspend"]),
    ("老伴走了，遗孀每个月有生活费领吗", ["survivor_benefits"]),
    # Taiwan: the labour pension account (勞退) goes to the survivors; the death told long before the
    # labour insurance (勞保) is asked about still names its death benefits
    ("阿公還沒退休就過世了，勞退專戶的錢遺屬要怎麼請領", ["pension_account_refund"]),
    (
        "我爸上個月在醫院過世了，喪事辦完以後家裡才想起來，不曉得他的勞保有哪些給付可以申請",
        ["survivor_benefits"],
    ),
]


@pytest.mark.parametrize(("text", "keys"), SCHEME_WORDS)
def test_the_scheme_and_the_document_decide_the_item(marker, text, keys):
    assert sorted(marker.items(text)) == sorted(keys)


def test_a_replaced_item_applies_to_diet_items_too():
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})
    text = "农村老人的丧葬费"
    diet = {
        "entity": "item",
        "start": 5,
        "end": 8,
        "value": "survivor_benefits",
        "extractor": "DIETClassifier",
        "confidence_entity": 0.99,
    }
    message = Message(data={"text": text, "intent": {"name": "ask_howto"}, "entities": [diet]})
    component.process([message])
    assert [e["value"] for e in message.get("entities") if e["entity"] == "item"] == ["funeral_subsidy"]


# the same areas asked about in general: not a service after a death (scopes in item_cues.yml)
GENERAL_AREA_QUESTIONS = [
    "酒驾了驾驶证咋个处理",
    "买房了公积金咋个提取",
    "驾照过期了要不要重考",
    "医保卡报销要带啥子",
    "低保申请要什么条件",
    "工伤死亡的抚恤金标准是好多",
    "社保卡哪些情况要注销",
    "社保断交了会不会停掉",
    "公积金每个月交好多比例",
    "驾驶证注销是啥子意思",
    "医保卡咋个显示注销了",
    "低保每年报销的上限是好多",
    "养老金是按个人账户的余额算的吗",
    "出国了养老保险能退不",
    "退休人员工资什么时候发",
    "医疗帐户怎么转移到外地",
    # a cancelled hukou restored, a living elder surrendering the licence: not a death
    "户口被误注销了，咋个恢复",
    "七十几岁了，自愿把驾照交回去要咋个办",
    # a 五保户's estate is an inheritance question; 丧葬费 won in a lawsuit is compensation
    "五保户的遗产归哪个",
    "官司赢了赔的丧葬费，要分给兄弟姊妹不",
    # a living member's card (激活), own contributions (不想再交), the allowance's own paperwork (取消, 纳入)
    "社保卡半年没激活，是不是作废了",
    "我不想再交医保了，咋个停掉",
    "低保被取消了，要办啥子手续才能恢复",
    "低保咋个纳入，要评好久",
    "低保停发了咋个办",
    # a living member's pension or allowance stopped as if he had died
    "我老汉儿还活得好好的，养老金突然被停了，社保说他已经去世了",
    "我妈人还活着，高龄补贴被误停了，说是登记成死亡",
]


@pytest.mark.parametrize("text", GENERAL_AREA_QUESTIONS)
def test_an_area_asked_about_in_general_is_not_an_item(marker, text):
    assert marker.items(text) == []


def test_the_same_general_words_after_a_death_keep_the_item(marker):
    assert marker.items("我爸走了，他的公积金提取要几天到账") == ["housing_fund_withdraw"]
    assert marker.items("老汉儿走了，他的驾照上个月才体检过，还要注销不") == ["driving_license_cancel"]
    assert marker.items("我妈走了，低保要取消，要办啥子手续") == ["welfare_stop"]
    assert marker.items("老汉儿走了，他的医保卡密码都不晓得，咋个注销") == ["medical_insurance_cancel"]


def test_a_document_already_held_or_a_step_already_done_is_not_asked_for(marker):
    assert marker.items("我拿着火化证去银行取我妈存折里的钱，银行不给") == ["small_deposit_withdraw"]
    assert marker.items("火化证明在哪里开") == ["cremation_cert"]
    assert marker.items("老汉儿走了，户口已经注销了，他的存折还能用不") == ["small_deposit_withdraw"]


def test_scopes_apply_to_diet_items_too():
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})
    text = "考驾照要好多钱"
    diet = {
        "entity": "item",
        "start": 1,
        "end": 3,
        "value": "driving_license_cancel",
        "extractor": "DIETClassifier",
    }
    message = Message(data={"text": text, "intent": {"name": "ask_howto"}, "entities": [diet]})
    component.process([message])
    assert [e for e in message.get("entities") if e["entity"] == "item"] == []


def test_diet_items_the_marker_did_not_find_need_a_high_confidence():
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})

    def items(confidence):
        diet = {
            "entity": "item",
            "start": 6,
            "end": 8,
            "value": "hukou_cancel",
            "extractor": "DIETClassifier",
            "confidence_entity": confidence,
        }
        message = Message(
            data={"text": "明年天津停止办户口", "intent": {"name": "ask_howto"}, "entities": [diet]}
        )
        component.process([message])
        return [e["value"] for e in message.get("entities") if e["entity"] == "item"]

    assert items(0.8) == []  # a bare 户口 that no phrasing or cue rule marked
    assert items(0.97) == ["hukou_cancel"]


def test_component_drops_weak_diet_guesses_and_keeps_items_without_a_topic():
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})
    text = "公积金账户里还有三万多，家属能提吗"
    message = Message(
        data={
            "text": text,
            # DIET took the question for a referral, and a digit for an ID number
            "intent": {"name": "ask_referral", "confidence": 0.61},
            "entities": [
                {
                    "entity": "id_number",
                    "start": 9,
                    "end": 10,
                    "value": "三",
                    "extractor": "DIETClassifier",
                    "confidence_entity": 0.22,
                },
            ],
        }
    )
    component.process([message])
    entities = message.get("entities")
    assert [e["entity"] for e in entities] == ["item"]  # no topic marked: the item stays
    assert entities[0]["value"] == "housing_fund_withdraw"


def test_an_answer_to_a_situation_question_is_not_an_item_request():
    from rasa.shared.nlu.training_data.message import Message

    from assistant.components.item_marker import CatalogItemMarker

    component = CatalogItemMarker({**CatalogItemMarker.get_default_config(), "catalog_path": str(CATALOG)})
    answer = {"entity": "pension_status", "start": 0, "end": 7, "value": "retired"}
    message = Message(
        data={
            "text": "已经在领养老金",
            "intent": {"name": "inform", "confidence": 0.9},
            "entities": [{**answer, "extractor": "RegexEntityExtractor"}],
        }
    )
    component.process([message])
    assert [e["entity"] for e in message.get("entities")] == ["pension_status"]
    # the same words in a question, with no answer entity around them, still name the item
    question = Message(data={"text": "已经在领养老金，人走了要停吗", "intent": {"name": "ask_howto"}})
    component.process([question])
    assert "social_insurance_suspend" in [e["value"] for e in question.get("entities")]


def test_action_answers_are_still_validated_against_rasas_schema():
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    import assistant.components  # noqa: F401 — installs the compiled validator

    action = RemoteAction("action_answer_item", None)
    assert RemoteAction._validate_action_result.__module__ == "assistant.action_response_schema"
    good = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "好的"}]}
    assert action._validate_action_result(good)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}], "responses": []})
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_an_entity_found_by_two_extractors_is_kept_once():
    from assistant.components.entity_dedup import without_duplicates

    case = {"entity": "case_no", "start": 0, "end": 18, "value": "SH20261129-48273-5"}
    item = {"entity": "item", "start": 0, "end": 2, "value": "hukou_cancel"}
    assert without_duplicates([case, item, {**case, "extractor": "RegexEntityExtractor"}]) == [case, item]
    piece = {"entity": "case_no", "start": 0, "end": 11, "value": "SH20261129-"}
    assert without_duplicates([piece, case, item]) == [case, item]  # DIET's piece of the number goes
