"""Natural persons' names (publishing.privacy.names): what a reader of the open data would notice,
a name found or left alone, on the detection copy of a text (publishing.privacy.normalise).

Each capability has its test (a rare surname after a strong role word, compound surnames, dotted
minority names, Tibetan and Mongolian names, Latin names after a cue, the pinyin forms of the
record's own name, the register and its poisoning, the organisation form), and so does each
precision case (brands, villages, ordinary words, phrases after role words, organisations).
"""

from __future__ import annotations

import pytest

from publishing.privacy import names
from publishing.privacy.names import (
    KnownPeople,
    mask_name,
    may_hold_name,
    pinyin_variants,
    record_name_variants,
)
from publishing.privacy.normalise import normalise


@pytest.fixture(scope="module", autouse=True)
def _loaded():
    names.load()


def found(text: str) -> list[str]:
    """The names `context_names` finds in the detection copy of `text`, in order."""
    norm = normalise(text).text
    return [norm[s:e] for s, e, _score, _how in sorted(names.context_names(norm))]


def masked(text: str) -> str:
    """The detection copy of `text` with every name found masked (overlapping names as one), as
    the desensitiser publishes it."""
    norm = normalise(text).text
    spans: list[list[int]] = []
    for s, e, _score, _how in sorted(names.context_names(norm)):
        if spans and s < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    out, pos = [], 0
    for s, e in spans:
        out += [norm[pos:s], mask_name(norm[s:e])]
        pos = e
    return "".join(out) + norm[pos:]


def known(register: KnownPeople, text: str) -> list[str]:
    norm = normalise(text).text
    return [norm[s:e] for s, e in register.find(norm)]


# --- names by context, as before ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法定代表人王伟，电话13812345678", ["王伟"]),
        ("当事人：张三丰（男，1985年出生）", ["张三丰"]),
        ("现场负责人刘强未能提供进货凭证", ["刘强"]),
        ("员工张伟、李娜和王芳签字确认。", ["张伟", "李娜", "王芳"]),
        ("当事人委托刘建国办理相关手续。", ["刘建国"]),
        ("以上事实有马雯的询问笔录为证。", ["马雯"]),
        ("当事人向张红梅返还货款", ["向张红梅"]),  # 向: a surname or "to", both readings masked
        ("邱**支付陶平劳动报酬26600元", ["陶平"]),  # no cue: the name statistics
        ("经查，黄杰翰未经许可销售白酒。", ["黄杰翰"]),
        ("该店员工为邓琼睿和都梅辉在场", ["邓琼睿", "都梅辉"]),  # 员工 inside 店员工
        ("以上事实有马雯签字，马雯未提出异议", ["马雯", "马雯"]),  # repeated
    ],
)
def test_names_found_by_context(text, expected):
    assert found(text) == expected


# --- new capabilities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("当事人禤国强未能提供进货票据。", "禤国强"),
        ("法定代表人笪丽萍到场。", "笪丽萍"),
        ("负责人巢志刚在询问笔录上签字。", "巢志刚"),
        ("经营者逄军承认上述事实。", "逄军"),
        ("被执行人厍文斌拒不履行", "厍文斌"),
        ("联系人：钭晓燕，电话", "钭晓燕"),
        ("负责人遆建华未到场", "遆建华"),  # a surname no list has: any Han character after a strong role word
        ("当事人铫明签字确认", "铫明"),
    ],
)
def test_rare_and_unlisted_surnames_after_a_strong_role_word(text, name):
    assert found(text) == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("店员郦娜未佩戴口罩", "郦娜"),  # an ordinary role word: a rare surname
        ("执业药师荀雅琴不在岗", "荀雅琴"),
        ("骑手蓟强在配送途中", "蓟强"),
        ("禤国强（男，1980年出生）", "禤国强"),  # a described person
    ],
)
def test_rare_surnames_after_any_role_word_or_a_description(text, name):
    assert found(text) == [name]


def test_rare_surnames_count_only_where_the_context_says_a_person():
    assert found("经查，禤国强未到场。") == []  # no cue: rare surnames are not for the statistics
    # a list after a found name
    assert found("当事人巢志刚、笪丽萍和逄军共同经营") == ["巢志刚", "笪丽萍", "逄军"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("联系人：司马懿，", "司马懿"),
        ("负责人上官婉儿到场", "上官婉儿"),
        ("员工端木蓉未到岗", "端木蓉"),
        ("当事人呼延庆称", "呼延庆"),
        ("经理令狐冲在场", "令狐冲"),
        ("当事人申屠刚未到场", "申屠刚"),
        ("负责人尉迟恭签字", "尉迟恭"),
        ("当事人完颜亮未到场", "完颜亮"),  # a rare compound surname, after a role word
        ("货款由欧阳娜娜收取。", "欧阳娜娜"),
        ("经查，诸葛明亮未经许可销售白酒。", "诸葛明亮"),  # no cue
    ],
)
def test_compound_surnames(text, name):
    assert found(text) == [name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("当事人买买提·艾力销售过期食品", "当事人买*****销售过期食品"),
        ("古丽娜尔•吐尔逊在店内", "古*******在店内"),
        ("经查，阿依古丽·买买提未办理健康证", "经查,阿*******未办理健康证"),
        ("阿依古丽・买买提・艾力签字", "阿**********签字"),
        ("由艾力．吐尔逊收取货款", "由艾*****收取货款"),  # full-width full stop: NFKC makes it "."
    ],
)
def test_dotted_minority_names_anywhere(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("员工扎西顿珠未持证上岗", "扎西顿珠"),
        ("次仁卓玛在店内销售", "次仁卓玛"),  # two components: anywhere
        ("央金拉姆在场", "央金拉姆"),
        ("负责人旦增平措签字", "旦增平措"),
        ("店员格桑未到岗", "格桑"),  # one component: after a role word
        ("当事人多吉称", "多吉"),
    ],
)
def test_tibetan_names(text, name):
    assert found(text) == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("额尔敦巴特尔驾驶车辆", "额尔敦巴特尔"),
        ("乌兰图雅到场", "乌兰图雅"),
        ("骑手巴特尔在配送途中", "巴特尔"),
        ("当事人乌力吉未到场", "乌力吉"),
    ],
)
def test_mongolian_names(text, name):
    assert found(text) == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("法定代表人Zhang Wei到场", "Zhang Wei"),
        ("联系人：ZHANG San，电话", "ZHANG San"),
        ("负责人 Li Xiaoming 未到场", "Li Xiaoming"),
        ("外籍员工John Smith未办理工作许可", "John Smith"),
        ("法定代表人Mr John Smith到场", "John Smith"),
    ],
)
def test_latin_names_after_a_cue(text, name):
    assert found(text) == [name]


@pytest.mark.parametrize("text", ["当事人ABC Trading Co Ltd", "负责人Tel：0431-88886666", "联系人：Manager"])
def test_latin_words_that_are_no_names(text):
    assert found(text) == []


def test_names_never_cross_the_batch_separator():
    joined = "\x00".join(["当事人", "禤国强到场", "以上事实有巢志刚签字", "巢志刚"])
    spans = [joined[s:e] for s, e, _score, _how in sorted(names.context_names(joined))]
    assert spans == ["巢志刚"]  # no role word from the text before; the repeat stays in its text
    assert found("以上事实有巢志刚签字，巢志刚未提出异议") == ["巢志刚", "巢志刚"]


# --- precision ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "当事人销售王老吉凉茶未索证",
        "店内销售周黑鸭卤制品",
        "货架上摆放李宁牌运动鞋",
        "当事人经营的张裕葡萄酒",
        "马应龙痔疮膏",
        "王致和腐乳标签不合格",
        "张小泉剪刀",
        "杨国福麻辣烫店",
        "周大福珠宝",
        "李锦记酱油过期",
    ],
)
def test_brands_are_not_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "当事人在何家沟经营",
        "运往王家庄",
        "李家屯镇",
        "途经张家口",
        "石家庄的经销商",
        "范家屯镇",
        "当事人住所位于何家沟村",
    ],
)
def test_villages_and_towns_are_not_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "店内销售林蛙油",
        "由监理单位负责验收",
        "于车间内发现过期原料",
        "当事人向社会公开承诺整改",
        "当事人于当日补办了相关手续。",
        "负责人安排员工清理现场",
        "当事人陈述申辩意见不成立",
        "经营者张贴的价签不实",
        "当事人持有的许可证已过期",
        "当事人拒不配合检查",
        "当事人称其不知情",
        "当事人擅自更改生产日期",
        "当事人申辩称",
        "顾客来店购买",
        "工人到场作业",
        "患者服用后出现不适",
        "员工和顾客均在场",
        "员工张*在场，当事人李某某证实，负责人王某到场。",  # already masked
        "中国·长春国际汽车节",
        "乌兰浩特市某超市",
    ],
)
def test_ordinary_words_and_phrases_are_not_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "当事人长春市张伟商贸有限公司，法定代表人未到场。",
        "当事人文华房地产开发股份有限公司",
        "朝阳区华泰小吃部未明码标价。",
    ],
)
def test_organisations_are_not_names(text):
    assert found(text) == []


# --- the register ---------------------------------------------------------------------------------


def test_the_register_finds_its_people_anywhere_but_in_an_organisation_of_that_form():
    register = KnownPeople(["马力", "张伟", "侯玉"], ["长春市张伟商贸有限公司"])
    assert known(register, "当事人已于当日补缴，马力未到场。") == ["马力"]  # a word, but a known person
    assert known(register, "长春市张伟商贸有限公司支付张伟货款。") == ["张伟"]  # the organisation's one stays
    assert known(register, "偿还申请执行人侯玉英借款") == ["侯玉"]
    assert register.occurs_in(normalise("长春市张伟商贸有限公司").text)
    assert len(register) == 3


def test_register_poisoning_exempts_nothing():
    """A bare personal name sent as an organisation, or an organisation's name without the
    form of one, exempts no occurrence of a known person."""
    register = KnownPeople(["王伟", "张伟"], ["王伟", "张伟商贸", "长春市王伟商贸有限公司", None])
    assert register.organisations == {"长春市王伟商贸有限公司"}
    assert known(register, "王伟支付货款") == ["王伟"]
    assert known(register, "张伟商贸的老板张伟") == ["张伟", "张伟"]  # 张伟商贸 has no organisation form
    assert known(register, "长春市王伟商贸有限公司") == []


def test_a_known_person_is_never_an_exempt_organisation():
    register = KnownPeople(["王伟超市"], ["王伟超市"])  # the form of a shop, but known as a person's name
    assert register.organisations == frozenset()
    assert known(register, "王伟超市到场") == ["王伟超市"]


def test_the_register_reads_names_as_the_text_is_read():
    register = KnownPeople(["張 偉", "艾力·吐尔逊", "李*", "", "王"])
    assert len(register) == 2
    assert known(register, "张伟到场") == ["张伟"]
    assert known(register, "偿还艾力•吐尔逊借款") == ["艾力•吐尔逊"]  # another dot
    assert known(register, "偿还艾力吐尔逊借款") == ["艾力吐尔逊"]  # no dot


@pytest.mark.parametrize("dot", list("·•・.‧∙⋅"))
def test_a_registered_name_occurs_with_any_middle_dot_and_none_else(dot):
    """Whether a text needs preparing again (`publishing.privacy.remembered`) asks `occurs_in`:
    every look-alike of the middle dot is the register's own, and a dot alone names no one."""
    register = KnownPeople(["艾力·吐尔逊"])
    assert register.occurs_in(f"偿还艾力{dot}吐尔逊借款")
    assert known(register, f"偿还艾力{dot}吐尔逊借款") == [f"艾力{dot}吐尔逊"]
    assert not register.occurs_in(f"偿还艾力{dot}买买提借款")


# --- the record's own names -----------------------------------------------------------------------


def test_pinyin_forms_of_the_record_name():
    variants = record_name_variants("张伟")
    assert variants[0] == "张伟"
    for form in "Zhang Wei|ZHANG Wei|ZHANG WEI|zhang wei|Wei Zhang|Wei ZHANG|Zhangwei|ZHANGWEI".split("|"):
        assert form in variants, form


def test_pinyin_forms_read_surnames_as_surnames():
    assert "Ouyang Nana" in record_name_variants("欧阳娜娜")
    assert "Nana Ouyang" in record_name_variants("欧阳娜娜")
    assert "Shan Xiongxin" in record_name_variants("单雄信")  # not Dan
    assert "Zeng Guofan" in record_name_variants("曾国藩")  # not Ceng
    assert {"Lyu Bu", "Lv Bu", "Lu Bu"} <= set(record_name_variants("吕布"))


def test_pinyin_variants_from_syllables():
    forms = pinyin_variants(["zhang"], ["san", "feng"])
    for form in "Zhang Sanfeng|ZHANG Sanfeng|Sanfeng Zhang|Zhang San Feng|Zhang San-feng|zhangsanfeng".split(
        "|"
    ):
        assert form in forms, form
    assert pinyin_variants([], ["wei"]) == ()


def test_variants_of_dotted_and_latin_names():
    variants = record_name_variants("艾力·吐尔逊")
    assert {"艾力·吐尔逊", "艾力•吐尔逊", "艾力吐尔逊", "Aili Tuerxun"} <= set(variants)
    assert record_name_variants("张*") == ()
    assert "John Smith" in record_name_variants("JohnSmith")


# --- masks and the pre-filter ----------------------------------------------------------------------


def test_mask_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("王伟") == "王*"
    assert mask_name("艾力·吐尔逊") == "艾*****"
    assert mask_name("Zhang Wei") == "Z**** ***"
    assert mask_name("ZHANG San") == "Z**** ***"


def test_the_pre_filter():
    for text in ("超标排放大气污染物。", "销售超过保质期的食品"):
        assert not may_hold_name(normalise(text).text)
        assert found(text) == []
    for text in ("当事人禤国强", "买买提·艾力", "扎西顿珠", "法定代表人Zhang Wei", "张三（男，"):
        assert may_hold_name(normalise(text).text), text


# --- the lexicon ----------------------------------------------------------------------------------


def test_lexicon_files_say_what_they_are_and_read_as_the_text_does():
    for path in sorted(names.LEXICON.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), path.name  # a header says what the list is and where it comes from
        entries = names.read_lexicon(path.stem)
        assert entries and len(entries) == len(set(entries)), path.name
        if path.stem not in ("latin_not_names", "surname_readings"):
            assert all(normalise(e).text == e for e in entries), path.name  # simplified, as the text is


def test_lexicon_sizes():
    assert set("禤亓巢逄佴滑訾郇隗厍钭笪郦浑蓟暨荀靖揭") <= names.SURNAMES | names.RARE_SURNAMES
    assert len(names.SURNAMES | names.RARE_SURNAMES) >= 550
    assert len(names.COMPOUND_SURNAMES | names.RARE_COMPOUND_SURNAMES) >= 80
    assert len(names.ROLE_CUES) >= 500
    roles = "现场负责人 店员 收银员 保洁员 配送员 骑手 快递员 厨师长 药剂师 执业药师 质量负责人 项目负责人 实际经营者 挂靠人"
    roles += " 承租人 押运员 监护人 法定代理人 患者 顾客 学员 工人 见证人"
    assert set(roles.split()) <= names.ROLE_CUES


# --- recall and precision rules (2nd tuning) --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # two rules at one start: the longer span (role word, then the dotted name)
        ("户主：伊卜拉欣·阿不来提，电话", ["伊卜拉欣·阿不来提"]),
        ("骑手乌力吉·朝格图在送餐", ["乌力吉·朝格图"]),
        # spaces around the dot, and a hyphen between runs of three or more
        ("买买提江 · 艾合买提（摊主）称", ["买买提江 · 艾合买提"]),
        ("被执行人阿不都拉-买买提未履行", ["阿不都拉-买买提"]),
    ],
)
def test_dotted_names_with_spaces_hyphens_and_role_words(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text", ["哈密-阿克苏段", "乌鲁木齐-喀什航线", "编号AB-12 · 阿"])
def test_hyphens_between_places_are_no_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("经核实，Ms. Laura Chen未办理", ["Laura Chen"]),  # a title anywhere
        ("Dr. Karl Meyer称", ["Karl Meyer"]),
        ("驾驶人Sean O'Neill持", ["Sean O'Neill"]),
        ("意大利籍人员Marco Rossi在", ["Marco Rossi"]),  # nationality + person
        ("外来务工人员常喜林在", ["常喜林"]),
    ],
)
def test_latin_names_after_titles_and_nationalities(text, expected):
    assert found(text) == expected


def test_the_comma_form_of_a_pinyin_name():
    assert "Li, Na" in record_name_variants("李娜")
    assert "LI, NA" in record_name_variants("李娜")


@pytest.mark.parametrize(
    "text",
    ["检查人员出具了检查记录", "执法人员出示证件", "工作人员到场", "XMr. Ab"],  # 人员: 人 starts a word
)
def test_a_role_word_whose_last_character_starts_a_word_is_no_cue(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("韦春花、蓝玉莲二人在", ["韦春花", "蓝玉莲"]),  # people counted after their names
        ("欧阳雪与司徒娟等人", ["欧阳雪", "司徒娟"]),
        ("平措与索朗二人", ["平措", "索朗"]),  # Tibetan components
        ("向覃桂兰、韦秀芝两户发放", ["覃桂兰", "韦秀芝"]),
        ("次仁卓玛、格桑在场", ["次仁卓玛", "格桑"]),  # a list after name components
    ],
)
def test_groups_counted_after_names(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("夫妻二人在", []),
        ("母女两人", []),
        ("当事人钟林、钟林兄弟二人", ["钟林", "钟林"]),  # the names, not 兄弟
        ("其余五人", []),
        ("共计三户", []),
    ],
)
def test_groups_of_relatives_are_no_names(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("仓管员韩卫东未登记", "韩卫东"),  # given names that are words, after a role word
        ("负责人程建国未到场", "程建国"),
        ("经吴建军介绍", "吴建军"),  # after a weak cue
        ("当事人与宋海燕签订门面租赁协议", "宋海燕"),  # 签订 breaks an organisation's name (门面)
        ("顾客阮雅婷反映该店", "阮雅婷"),  # 反映 and 该 break it too
        ("投诉人江山称该店", "江山"),  # a word that is a name, before what the person says
        ("举报人黎明反映", "黎明"),
        ("日本籍投资人佐藤健一，护照", "佐藤健一"),  # Japanese surnames after a role word
        ("厨师妫建新未", "妫建新"),
    ],
)
def test_names_that_are_words_by_their_context(text, name):
    assert name in found(text)


@pytest.mark.parametrize(
    "text",
    ["当事人单位称", "当事人当场称", "当事人陈述称", "负责人明确称", "当事人方面表示", "负责人代表称"],
)
def test_what_follows_a_role_word_before_said_is_not_always_a_name(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "销售的杨梅干、李子干",  # fruits
        "收购的玉米、高粱",  # grains
        "鲍鱼、海参等干货",  # sea food
        "朱砂、雄黄等药材",  # medicines
        "熊胆粉、鹿茸",
        "杜鹃花、月季等苗木",  # plants
        "黎明时分",  # times of day
        "白雪覆盖的山林",
        "田野调查",
        "屠宰及肉类加工",
        "乌鸡白凤丸",
        "省份：吉林。",  # a place jieba tags as one
        "经葛洲坝船闸运抵",
        "吉林大路与人民大街交会处",
        "位于哈达湾工业园区",
        "在刘家馆子村附近",  # surname + 家 + ... + 村
        "销售蔡林记热干面",  # X记: a shop's sign
        "假冒“赵一鸣零食”包装",  # a trade name in quotes
        "标有“武大郎烧饼”字样",
        "公证书编号：（2024）吉长证内字第12345号",  # document numbers
        "许可证：吉网文〔2023〕1234号",
        "当事人门头招牌",
    ],
)
def test_ordinary_words_that_start_with_a_surname_are_no_names(text):
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("经查，杨梅芳未经许可", "杨梅芳"),  # a given character typical of names after an ordinary word
        ("当事人杨梅称", "杨梅"),  # after a role word a name all the same
        ("“张伟”", "张伟"),  # a quoted name alone stays a name
    ],
)
def test_ordinary_word_guards_leave_names(text, name):
    assert name in found(text)
