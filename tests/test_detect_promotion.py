"""Page-level promotion (detectors/promotion.py, weighed in score.py): sales pages, keyword landing
pages and scraped salad are rejected, doubt is reviewed, news that names a trade is published.

The pages are written for these tests, after the shapes of the Common Crawl sample's spam pages
(see tests/fixtures/README.md); none is copied.
"""

from __future__ import annotations

from newsieve.filters import clean

COURSE_PAGE = "\n".join([
    "零基础Java开发培训课程",
    "1、学历要求：大专以上学历，零基础也可以学。",
    "2、课时：全日制4个月，晚间班8个月，周末班8个月。",
    "3、学费：分期付款，学员就业后再付。",
    "星辰教育是一家专注IT技能培训的机构，以学员就业为宗旨。",
    "名额有限，赶紧拿起电话咨询！免费试听两周，在线报名：",
    "姓名：",
    "手机：",
])

LANDING_PAGE = "\n".join([
    "哪里可以学做面包",
    "列表",
    "学做面包要多久",
    "面包烘焙培训学校学费",
    "在家做面包的简单方法",
    "零基础学做面包",
    "面包师培训班哪家好",
    "做面包用什么面粉",
    "面包的做法大全",
    "哪里可以学做面包:相关图片",
    "example.com/a/%E5%93%AA%E9%87%8C%E5%8F%AF%E4%BB%A5%E5%AD%A6%E5%81%9A%E9%9D%A2%E5%8C%85/",
])

SALAD_PAGE = "\n".join([
    "江苏钢结构二级资质转让专业从事",
    "推动乡村振兴，首要的问题就是因地制宜。，着力提高基层干部解决实际问题的能力，不断提高认识，"
    "加强组织领导，把各项任务落到实处。副总经理要求公司聚焦职工反映强烈的问题，以活动成效助推企业改革发展。",
    "Xq7rTb2kLm9vWz4P技术，施工，管理等方面。学会理事长等出席开班仪式，对工程各个环节的重点作了讲解。"
    "共120余人参加培训。培训班邀请了设计研究院等单位的六位专家，围绕标准规范和质量安全作了授课。",
    "会议指出，要坚持问题导向，聚焦群众反映强烈的突出问题，建立健全长效机制，推动各项工作落地见效，"
    "切实把学习成果转化为推动高质量发展的实际行动。",
])

TRAINING_NEWS = "\n".join([
    "我市举办职业技能培训班",
    "本报讯（记者 王芳）6月12日，市人社局在职业技术学院举办电工职业技能培训班，120名学员参加。",
    "培训为期10天，课时安排理论与实操各半，学员考核合格后可获得职业资格证书。",
    "市人社局负责人表示，今年将继续开展免费培训，有需要的市民可到各区就业服务中心报名。",
])

PROFILE_NEWS = "\n".join([
    "快递员李强：风雨里的摆渡人",
    "李强在这座城市送了六年快递。",
    "每天清晨，李强第一个到站点分拣。",
    "同事们说，李强从没迟到过一次。",
    "疫情期间，李强主动报名当志愿者。",
    "李强说，能帮上忙就好。",
    "去年，李强被评为市劳动模范。",
    "李强的妻子也在站点工作。",
    "如今，李强已是站点主管。",
])

UNSURE_PAGE = "\n".join([
    "Python数据分析培训课程",
    "课程面向零基础学员，课时共48小时，学费按期缴纳。",
    "学员将学习数据清洗、可视化和建模，结课后完成一个项目。",
])


def test_sales_page_is_rejected() -> None:
    v = clean(COURSE_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert v.reasons[0] == "page.promotion.other"
    assert {"page.promotion.signal.cta", "page.promotion.signal.form"} <= set(v.reasons)


def test_keyword_landing_page_is_rejected() -> None:
    v = clean(LANDING_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert "page.promotion.signal.echo" in v.reasons
    assert "page.promotion.signal.title_query" in v.reasons


def test_scraped_salad_is_rejected() -> None:
    v = clean(SALAD_PAGE, content_type="text/plain")
    assert v.action == "reject"
    assert "page.promotion.signal.random_token" in v.reasons


def test_uncertain_offer_goes_to_review() -> None:
    v = clean(UNSURE_PAGE, content_type="text/plain")
    assert v.action == "review"
    assert v.reasons[0] == "page.promotion.suspect"


def test_news_about_a_training_class_is_published() -> None:
    v = clean(TRAINING_NEWS, content_type="text/plain")
    assert v.action == "publish"
    assert not any(r.startswith("page.promotion") for r in v.reasons)


def test_profile_naming_its_subject_in_every_line_is_published() -> None:
    v = clean(PROFILE_NEWS, content_type="text/plain")
    assert v.action == "publish"
    assert "page.promotion.signal.echo" not in v.reasons


def test_keyword_stuffed_title_is_a_signal() -> None:
    html = (
        "<html><head><title>学车_学车报名(最新)_驾校学车_驾校学车</title></head><body>"
        "<h1>学车报名</h1><p>零基础学员随到随学，课时灵活，学费可分期，名额有限，欢迎来电咨询：13800138000。</p>"
        "<p>在线报名：</p><p>姓名：</p><p>手机：</p></body></html>"
    )
    v = clean(html, content_type="text/html")
    assert "page.promotion.signal.title_stuffed" in v.reasons
    assert v.action == "reject"


def test_portal_title_chain_is_not_stuffed() -> None:
    html = (
        "<html><head><title>苹果发布新手机|苹果|新品|手机_科技频道_某某网</title></head><body>"
        "<h1>苹果发布新手机</h1><p>本报讯（记者 张明）9月11日，苹果公司在发布会上推出三款新手机，"
        "起售价与去年持平。</p></body></html>"
    )
    v = clean(html, content_type="text/html")
    assert "page.promotion.signal.title_stuffed" not in v.reasons
    assert v.action == "publish"
