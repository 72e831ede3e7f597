# ruff: noqa: E501 (word lists and templates)
"""The triage training set, generated: our own templates and hand-written word lists, no outside corpus.

``generate(n, seed)`` returns ``(text, label, topic)`` rows across the six labels of TEXT.md: both scripts
(OpenCC turns about half of the rows Traditional, Taiwan wording), mixed Chinese / English, seven product
families, very short comments, emoji, repeated characters, 哈哈哈 / hhh, platform slang (家人們, 寶寶, 上鏈接,
扣1), negated praise (不太好 is a complaint), sarcasm (好棒喔 等了十天) and insults. Punctuation is added to every
label alike, so no label can be learned from a full stop. Every word list here was written for this project.

The blind set in tests/text/data was written by hand, separately, and is never generated from here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

Row = tuple[str, str, str | None]

# ------------------------------------------------------------------ products, per family: (item, its aspects)

PRODUCTS: dict[str, list[str]] = {
    "beauty": [
        "面霜",
        "精华",
        "口红",
        "粉底液",
        "面膜",
        "防晒",
        "洗面奶",
        "眼霜",
        "卸妆油",
        "香水",
        "气垫",
        "眉笔",
        "化妆水",
        "身体乳",
        "洗发水",
    ],
    "food": [
        "牛肉干",
        "饼干",
        "坚果",
        "蜂蜜",
        "咖啡",
        "茶叶",
        "辣酱",
        "面包",
        "水果",
        "螺蛳粉",
        "零食",
        "月饼",
        "牛奶",
        "果干",
        "泡面",
    ],
    "clothing": [
        "外套",
        "裙子",
        "裤子",
        "T恤",
        "毛衣",
        "衬衫",
        "鞋子",
        "袜子",
        "内衣",
        "羽绒服",
        "卫衣",
        "牛仔裤",
        "帽子",
        "包包",
        "围巾",
    ],
    "electronics": [
        "耳机",
        "充电宝",
        "手机壳",
        "数据线",
        "音箱",
        "键盘",
        "鼠标",
        "手表",
        "平板",
        "充电器",
        "相机",
        "吹风机",
        "台灯",
        "路由器",
        "电动牙刷",
    ],
    "home": [
        "锅",
        "床单",
        "枕头",
        "收纳盒",
        "拖把",
        "毛巾",
        "杯子",
        "碗",
        "洗衣液",
        "香薰",
        "沙发垫",
        "菜刀",
        "保温杯",
        "窗帘",
        "地毯",
    ],
    "books": ["这本书", "绘本", "小说", "教材", "练习册", "漫画", "词典", "笔记本", "书", "故事书"],
    "travel": ["行李箱", "旅行包", "门票", "酒店券", "机票套餐", "旅行枕", "颈枕", "自由行套餐", "景点票", "民宿券"],
}
EN_PRODUCTS = [
    "cream",
    "lipstick",
    "jacket",
    "dress",
    "headphones",
    "charger",
    "phone case",
    "book",
    "bag",
    "shoes",
    "mask",
]

PEOPLE = [
    "主播",
    "小姐姐",
    "老板",
    "姐妹们",
    "家人们",
    "宝宝们",
    "宝子们",
    "老铁们",
    "大家",
    "各位",
    "亲",
    "主播姐姐",
    "助播",
    "你们家",
]
SELF = ["我", "我家", "我妈", "我老公", "孩子", "我女儿", "我朋友", "同事"]

# ------------------------------------------------------------------ sentiment words (our own lists)

POS_ADJ = [
    "好", "好看", "好用", "好吃", "好闻", "好穿", "舒服", "漂亮", "美", "可爱", "精致", "实用", "方便", "划算", "值",
    "香", "软", "保湿", "清爽", "显瘦", "显白", "耐用", "结实", "稳", "快", "清楚", "仔细", "专业", "用心", "满意",
    "喜欢", "爱", "惊艳", "高级", "细腻", "顺滑", "好听", "有质感", "暖和", "透气", "轻便", "靠谱", "贴心", "耐心", "正",
    "好喝", "新鲜", "酥脆", "入味", "不错", "棒", "赞", "优秀", "完美", "到位", "合身", "百搭", "清晰", "给力", "好玩",
]  # fmt: skip
POS_FIXED = [
    "太好看了", "好好用", "绝了", "爱了爱了", "yyds", "真香", "回购", "无限回购", "种草了", "宝藏", "超值", "物超所值",
    "性价比高", "性价比超高", "没毛病", "没话说", "无可挑剔", "五星好评", "好评", "推荐", "强烈推荐", "大推", "超推",
    "太爱了", "爱死了", "好喜欢", "超喜欢", "一级棒", "牛", "太牛了", "厉害", "666", "优秀", "神仙", "美哭了", "美炸了",
    "好吃到哭", "香迷糊了", "超赞", "讚啦", "讚讚", "很可以", "可以的", "挺好", "还不错", "蛮好的", "满分", "值得",
    "超级好", "质量杠杠的", "品质很好", "做工精细", "包装精美", "发货神速", "物流超快", "隔天就到", "客服很好",
    "态度超好", "讲解很清楚", "讲得好", "好会讲", "声音好好听", "颜值高", "高颜值", "质感好", "手感好", "很舒服",
    "不后悔", "没踩雷", "买对了", "超出预期", "比想象中好", "比预期好", "跟描述一样", "跟直播一样", "和图片一样",
]  # fmt: skip
NEG_ADJ = [
    "差", "烂", "难用", "难吃", "难看", "难闻", "丑", "贵", "慢", "假", "粗糙", "廉价", "刺鼻", "油腻", "闷", "硬", "薄",
    "透", "起球", "掉色", "褪色", "缩水", "变形", "发霉", "过期", "漏", "破", "坏", "脏", "臭", "腥", "咸", "苦", "酸",
    "卡", "烫", "吵", "重", "小气", "敷衍", "失望", "糟糕", "恶心", "麻烦", "坑", "垃圾", "劣质", "难穿", "显胖", "显黑",
    "磨脚", "扎", "痒", "刺痛", "过敏", "闷痘", "卡粉", "脱妆", "搓泥", "不清楚", "不专业", "不耐用",
]  # fmt: skip
NEG_FIXED = [
    "质量太差", "质量很差", "差评", "太差了", "很差劲", "垃圾东西", "什么破玩意", "什么鬼", "智商税", "踩雷", "踩坑",
    "被坑了", "上当了", "被骗了", "骗人", "骗子", "货不对板", "图文不符", "跟描述不符", "和直播不一样", "色差很大",
    "色差太大", "一洗就掉色", "穿一次就起球", "用两天就坏", "充不进电", "没声音", "连不上", "打不开", "卡顿", "死机",
    "漏液", "漏水", "包装破损", "压扁了", "碎了", "少发", "漏发", "发错了", "寄错了", "还没发货", "还没到", "还没收到",
    "等了一个星期", "物流太慢", "快递太慢", "客服不回", "客服不理人", "没人理", "退款退不了", "不给退", "不给换",
    "退货好麻烦", "态度好差", "态度恶劣", "后悔买了", "后悔死了", "再也不买了", "不会再买", "别买", "千万别买", "大家别买",
    "别上当", "失望透顶", "太失望了", "气死了", "无语", "无语了", "心累", "服了", "醉了", "呵呵", "烂透了", "难用死了",
    "贵死了", "太贵了", "好贵", "涨价了", "比别家贵", "比上次贵", "不值", "不值这个价", "割韭菜", "黑心", "水军", "托儿",
    "全是托", "假货", "山寨", "三无产品", "过敏了", "烂脸了", "长痘了", "起疹子", "红肿", "没效果", "没什么效果",
    "一点用都没有", "白买了", "浪费钱", "一般般", "很一般", "太一般了", "不怎么样", "不咋地", "凑合", "还行吧", "鸡肋",
    "无聊", "好无聊", "听不清", "看不清", "好卡", "一直卡", "有异味", "味道怪怪的", "线头很多", "开线了", "掉毛",
]  # fmt: skip
NEGATORS = [
    "不",
    "不太",
    "不怎么",
    "没",
    "没有",
    "并不",
    "一点都不",
    "一点也不",
    "根本不",
    "完全不",
    "没那么",
    "不够",
    "不算",
]
DEGREE = [
    "很",
    "太",
    "超",
    "超级",
    "非常",
    "特别",
    "好",
    "真",
    "真的",
    "巨",
    "贼",
    "蛮",
    "挺",
    "相当",
    "十分",
    "有点",
    "比较",
    "好好",
]
SOFT_POS_AFTER_NEG = [
    "贵",
    "油",
    "腻",
    "闷",
    "刺激",
    "难用",
    "差",
    "掉色",
    "起球",
    "粘",
    "重",
    "吵",
    "硬",
    "假",
    "慢",
    "麻烦",
    "后悔",
    "失望",
]
ASPECTS = [
    "质量", "做工", "颜色", "味道", "气味", "包装", "物流", "快递", "客服", "服务", "价格", "尺码", "版型", "面料", "效果",
    "口感", "音质", "续航", "手感", "质感", "上身效果", "设计", "材质", "印刷", "纸张", "内容", "售后", "态度", "讲解",
    "品质", "画质", "屏幕", "信号", "电池", "香味", "颜值", "款式", "配色", "性价比",
]  # fmt: skip
INSULTS = [
    "王八蛋", "混蛋", "杂种", "狗日的", "干你娘", "操他妈", "傻逼", "sb", "cnm", "nmsl", "草泥马", "脑残", "智障", "白痴",
    "废物", "贱人", "滚", "去死", "狗东西", "神经病", "你妈的", "他妈的", "畜生", "人渣", "蠢货", "死骗子", "靠北", "机掰",
    "北七", "低能", "猪头", "傻叉", "狗屎", "垃圾", "fuck", "idiot", "stupid", "滚蛋", "神经",
]  # fmt: skip

# ------------------------------------------------------------------ topics: question and complaint material

Q_TOPIC: dict[str, list[str]] = {
    "size": [
        "{h}穿什么码",
        "{h}{w}斤穿多大",
        "M还是L",
        "S和M选哪个",
        "偏大还是偏小",
        "尺码准吗",
        "有XL吗",
        "有大码吗",
        "腰围{n}穿几号",
        "脚{n}码穿哪个",
        "多长",
        "有多宽",
        "这个多大尺寸",
        "码数正吗",
        "胖一点能穿吗",
        "what size for {h}cm",
        "尺码怎么选",
        "我{h}穿哪个码",
        "均码吗",
        "裤长多少",
        "袖子长不长",
        "能装下{n}寸电脑吗",
        "尺寸多少",
        "多重",
    ],
    "colour": [
        "有什么颜色",
        "还有别的颜色吗",
        "黑色还是白色好看",
        "哪个颜色显白",
        "实物颜色一样吗",
        "有没有粉色",
        "白色透吗",
        "几个色",
        "米色和杏色哪个好",
        "颜色会不会很暗",
        "any other colours",
        "有蓝色吗",
        "这是什么色",
    ],
    "price": [
        "多少钱",
        "什么价",
        "价格多少",
        "几块钱",
        "怎么卖",
        "两件多少",
        "今天什么价",
        "能便宜点吗",
        "一套多少",
        "多少米",
        "how much",
        "价格怎么算",
        "比平时便宜吗",
        "是到手价吗",
        "含运费吗多少",
    ],
    "shipping": [
        "什么时候发货",
        "多久能到",
        "几天到",
        "能寄香港吗",
        "寄台湾吗",
        "发什么快递",
        "包邮吗",
        "运费多少",
        "今天下单明天能发吗",
        "预售要等多久",
        "能超商取货吗",
        "do you ship to {place}",
        "发顺丰吗",
        "到{place}要几天",
        "可以寄到{place}吗",
    ],
    "stock": [
        "还有货吗",
        "还有库存吗",
        "会补货吗",
        "什么时候补货",
        "还有几件",
        "卖完了吗",
        "还能拍吗",
        "明天还有吗",
        "in stock?",
    ],
    "usage": [
        "敏感肌能用吗",
        "孕妇能用吗",
        "怎么用",
        "一天用几次",
        "小孩可以吃吗",
        "能机洗吗",
        "保质期多久",
        "怎么保存",
        "要冷藏吗",
        "油皮适合吗",
        "干皮能用吗",
        "能带上飞机吗",
        "能用电磁炉吗",
        "适合几岁",
        "老人能用吗",
        "要充电吗",
        "怎么洗",
        "how to use",
        "能防水吗",
        "可以微波炉加热吗",
        "适合送人吗",
        "是中文版吗",
        "支持苹果手机吗",
        "好不好用",
    ],
    "quality": [
        "会起球吗",
        "会掉色吗",
        "是纯棉的吗",
        "什么材质",
        "质量怎么样",
        "耐用吗",
        "容易坏吗",
        "有味道吗",
        "是正品吗",
        "会不会缩水",
        "是真皮吗",
        "结实吗",
        "续航多久",
        "降噪怎么样",
        "is it real leather",
        "会不会漏",
        "防水吗",
        "成分是什么",
    ],
    "after_sales": [
        "可以退吗",
        "能换码吗",
        "有保修吗",
        "保修多久",
        "七天无理由吗",
        "有运费险吗",
        "坏了怎么办",
        "能开发票吗",
        "怎么退货",
        "能退换吗",
    ],
    "promotion": [
        "有优惠券吗",
        "有赠品吗",
        "满减吗",
        "有活动吗",
        "新人有优惠吗",
        "买二送一吗",
        "有折扣吗",
        "抽奖什么时候",
        "福袋怎么抢",
        "有没有满额送",
    ],
    "other": [
        "主播多高",
        "主播哪里人",
        "这是几号链接",
        "今天播到几点",
        "背景音乐是什么",
        "主播用的什么手机",
        "明天还播吗",
        "刚才那个是什么",
        "这个是什么牌子",
        "主播叫什么名字",
        "怎么关注",
        "在哪里下单",
        "链接在哪",
        "几号链接",
        "几点开始抽",
    ],
}
Q_PRED = [
    "有{col}色的", "是什么材质", "多重", "有几种颜色", "是哪一款", "是哪里产的", "是什么牌子", "几号链接", "几块", "是真的",
    "适合{who}", "能用多久", "保质期到什么时候", "是新款", "跟上次的一样", "和{item}比哪个好", "是正品", "是现货", "有中文说明",
    "有赠品", "能便宜点", "能寄到{place}", "刚才讲的是哪个", "要怎么搭配", "跟哪个颜色好搭", "怎么卖", "一盒几个", "一包几片",
    "能用几次", "多大容量", "几毫升", "几克", "有没有小样", "适不适合{who}", "会不会闷", "容不容易坏", "能不能机洗", "是什么味道",
]  # fmt: skip
ANOTA = [
    "厚",
    "薄",
    "耐",
    "好",
    "贵",
    "重",
    "大",
    "软",
    "甜",
    "辣",
    "香",
    "透",
    "闷",
    "紧",
    "长",
    "亮",
    "好用",
    "好穿",
    "好吃",
]
WHO = ["孕妇", "小孩", "老人", "学生", "敏感肌", "油皮", "干皮", "男生", "上班族", "宝宝"]


def _question_grammar(rnd: random.Random) -> Row:
    subject = _pick(rnd, ["", "", "这个", "这款", "那个", "{item}", "刚才那个", "这件", "这套", "{n}号"])
    if rnd.random() < 0.3:
        adj = _pick(rnd, ANOTA)
        head = adj[0]
        core = subject + _pick(rnd, ["", "会"]) + head + "不" + adj + _pick(rnd, ["", "啊", "呀", "呢"])
    else:
        core = (
            subject
            + _pick(rnd, Q_PRED).replace("{who}", _pick(rnd, WHO))
            + _pick(rnd, ["吗", "吗", "呢", "？", "啊", "嘛", ""])
        )
    text = _fill(rnd, _pick(rnd, ["", "", "请问", "主播", "{p}", "想问下"]) + core)
    pred = text
    topic = "quality" if any(w in pred for w in ("材质", "正品", "真的", "坏", "闷", "厚", "薄", "耐")) else "other"
    if any(w in pred for w in ("色", "搭")):
        topic = "colour"
    elif any(w in pred for w in ("几块", "便宜", "怎么卖", "贵")):
        topic = "price"
    elif "寄" in pred:
        topic = "shipping"
    elif any(w in pred for w in ("适合", "用", "洗", "搭配", "保质期", "说明")):
        topic = "usage"
    return text, "question", topic


Q_PREFIX = [
    "",
    "",
    "",
    "请问",
    "请问一下",
    "问下",
    "想问",
    "{p}",
    "{p}请问",
    "主播",
    "姐妹们",
    "求问",
    "那个",
    "这款",
    "这个{item}",
]
Q_SUFFIX = ["", "", "", "呀", "啊", "呢", "哦", "？", "?", "？？", "吖"]

C_TOPIC: dict[str, list[str]] = {
    "shipping": [
        "等了{n}天还没到",
        "还没发货",
        "怎么还不发货",
        "物流一直没动",
        "快递太慢了",
        "说好48小时发货到现在没发",
        "还没收到",
        "拍了{n}天还没发货",
        "买了{n}天还没到",
        "下单一周了还没发",
        "付款{n}天了还没动静",
        "已经拍了还不发",
        "包裹压扁了",
        "发错货了",
        "少发了一件",
        "寄错颜色了",
        "物流信息不更新",
        "my order never arrived",
        "still not shipped",
    ],
    "quality": [
        "{item}{neg}",
        "{item}质量太差",
        "用了{n}天就坏了",
        "洗一次就缩水了",
        "穿一次就起球",
        "收到就是坏的",
        "味道好刺鼻",
        "跟直播里不一样",
        "色差太大了",
        "做工好粗糙",
        "线头好多",
        "一股怪味",
        "{item}漏了",
        "包装都破了",
        "用了过敏了",
        "擦完脸好痒",
        "吃起来好咸",
        "一点都不新鲜",
        "都发霉了",
        "充不进电",
        "一边没声音",
        "掉漆了",
        "the {en} broke after a week",
        "{aspect}{neg}",
        "{aspect}太差了",
        "{aspect}很一般",
        "没有想象中好",
        "不值这个价",
        "假货吧",
        "和图片差太多",
    ],
    "size": ["尺码偏小太多", "裤子短了一截", "码数不准", "买大了穿不了", "太紧了穿不上", "鞋子磨脚", "衣服太大了"],
    "colour": ["颜色和图片不一样", "颜色好暗沉", "掉色好严重", "色差严重", "实物颜色好丑"],
    "price": [
        "太贵了吧",
        "这么贵",
        "比别家贵好多",
        "昨天买还更便宜 好气",
        "刚买就降价",
        "涨价了吧",
        "价格虚高",
        "贵死了",
        "too expensive",
    ],
    "after_sales": [
        "客服不回消息",
        "退款一直不到",
        "不给退货",
        "退货好麻烦",
        "客服态度好差",
        "申请售后没人理",
        "说好的七天无理由不给退",
        "换货换了一个月",
        "售后踢皮球",
        "退钱！",
    ],
    "usage": ["用了没效果", "一点用都没有", "完全没效果", "用了更干了", "越用越油", "说明书看不懂", "不会用也没人教"],
    "promotion": ["说好的赠品没送", "优惠券用不了", "抽奖是假的吧", "满减没减", "福袋全是垃圾", "活动规则太坑"],
    "other": [
        "主播态度好差",
        "主播讲话好啰嗦",
        "直播好无聊",
        "一直卡",
        "全是托",
        "又是水军",
        "骗子直播间",
        "割韭菜",
        "主播不理人",
        "讲了半天没讲重点",
        "声音太小听不清",
        "画面好糊",
        "这场太水了",
        "what a scam",
    ],
}
C_SUFFIX = ["", "", "", "了", "啊", "吧", "！", "。", "😡", "😤", "🙄", "...", "，无语", "，差评", "，失望", "，退钱"]
SARCASM = [
    "好棒喔 等了{n}天还没发货", "真是好质量啊 用一天就坏", "太好了 又发错了", "呵呵 好评 用两次就坏", "真棒 客服又不回",
    "感谢主播 让我交了智商税", "厉害了 {item}收到就是碎的", "真是谢谢你们 退款等了一个月", "好极了 第三次发错货",
    "买了不后悔？我后悔死了", "说好的防水 一下水就坏", "说好的不过敏 脸都烂了", "好一个正品 logo都是歪的", "好会讲啊 可惜都是假的",
    "质量真好 穿一次就破洞", "绝了 又降价了 刚买的", "great, broken again", "wow thanks for the fake {en}",
]  # fmt: skip

# ------------------------------------------------------------------ purchase, spam, chatter

PURCHASE = [
    "扣1", "扣{n}", "+1", "+{n}", "1", "{n}", "要", "我要", "我要我要", "想要", "要了", "要一件", "要{n}件", "要两件", "来一件", "来{n}份",
    "已拍", "拍了", "拍了拍了", "已下单", "下单了", "已付款", "付款了", "上链接", "上链接上链接", "求链接", "链接链接", "蹲链接",
    "蹲", "冲", "冲冲冲", "冲了", "已入手", "入手了", "买了", "已买", "拿下", "直接拿下", "秒了", "抢到了", "已抢", "加购了",
    "给我留一件", "帮我留{n}件", "{col}色{sz}码一件", "{col}{sz}", "{sz}码+1", "a{n}+1", "{n}号链接要一个", "{n}号要两个",
    "我也要", "给我来一套", "我妈也要一份", "再来一单", "回购了", "老粉下单了", "已经拍了{n}单", "下单下单", "剁手了",
    "付了付了", "要黑色的", "我要{col}色", "want one", "add to cart", "ordered", "i'll take two", "take my money", "拍了{n}件",
    "上车", "已上车", "想买", "想买想买", "必须买", "买它", "买买买", "等上架", "求上架", "什么时候上链接我要", "给我上链接",
]  # fmt: skip
SPAM = [
    "加我{div}看更多{perk}", "{div}：{handle} 有{perk}", "私聊我 兼职日赚{money}", "兼职打字员 日结{money}", "在家就能赚钱 私我",
    "招代理 {div}{handle}", "点我头像有{perk}", "看我主页有惊喜", "关注我主页天天抽奖", "代刷点赞 私我", "刷单兼职 一单一结",
    "低价出售粉丝 点头像", "外面便宜一半 加{div}", "网红同款批发 私聊", "同城交友 看头像", "招聘宝妈 手机就能做",
    "免费领{perk} www.{site}.com", "http://{site}.cc/{handle} 免费送", "加群领{perk} 群号{qq}", "代购{div}{handle}",
    "follow me for free followers", "dm me for cheap {en}", "check my profile for {perk}", "赚钱群 扣扣{qq}",
    "出售二手{item} 私我 09{n8}", "电话1{n10}", "加{div}{handle}领{perk}", "想要更便宜的私我", "全网最低价代购 联系我",
]  # fmt: skip
DIV = ["vx", "v", "薇", "威信", "微", "line", "LINE", "q", "wx", "威❤", "徽信", "tg"]
PERK = ["福利", "好货", "优惠", "红包", "资源", "折扣", "赠品", "内部价"]
CHAT = [
    "主播晚上好", "大家好", "来了来了", "来啦", "晚上好", "早上好", "下午好", "晚安", "我来了", "第一次来", "又来了", "回来了",
    "打卡", "签到", "路过", "围观", "看看", "刚下班", "下班了", "好累", "今天好冷", "今天好热", "下雨了", "外面好吵", "吃饭了吗",
    "吃饭中", "刚吃完饭", "我在地铁上看", "在上班偷看", "网卡了", "刚刚卡了一下", "主播今天换发型了", "主播的猫好可爱",
    "背景好看", "明天周末", "周五啦", "终于放假了", "我妈也在看", "我先去洗澡", "等下回来", "去接孩子了", "收到", "好的",
    "好的好的", "嗯嗯", "知道了", "明白", "原来如此", "这样啊", "哦哦", "好吧", "行吧", "ok", "okay", "hello", "hi", "hey",
    "good evening", "good morning everyone", "lol", "haha", "hhh", "hhhh", "哈哈", "哈哈哈", "哈哈哈哈哈", "233", "笑死",
    "笑死我了", "主播好搞笑", "好好笑", "我也是", "同款", "+", "在的", "在", "有人吗", "人好多", "人好少", "今天人好多啊",
    "从台南来的", "我是广东的", "香港的姐妹在吗", "马来西亚来报到", "我在看", "继续继续", "下一个", "换下一个", "讲下一个",
    "家人们晚上好", "宝宝们好", "宝子们晚安", "老铁们好", "家人们来了", "刚出差回来", "出差中偷看", "一般的游戏我不玩",
    "委托朋友帮我看", "我朋友推荐我来的", "主播你好", "主播辛苦", "主播喝口水", "主播慢慢讲", "等我一下", "我去拿卡",
    "我去问问我老公", "我再想想", "我考虑一下", "看看再说", "先看看", "只是来看看", "随便看看", "听歌", "这首歌好听",
    "今天是几号", "农历初一", "我明天生日", "恭喜恭喜", "新年快乐", "中秋快乐", "周末愉快", "早点睡", "熬夜中",
]  # fmt: skip
PLACES = ["香港", "台湾", "澳门", "新加坡", "马来西亚", "美国", "日本", "canada", "malaysia"]
COLOURS = ["黑", "白", "红", "蓝", "粉", "灰", "绿", "紫", "杏", "米"]
SIZES = ["S", "M", "L", "XL", "XXL", "均"]
EMOJI_POS = ["😍", "🥰", "👍", "❤️", "💯", "👏", "🔥", "✨", "😘", "💕"]
EMOJI_NEG = ["😡", "👎", "😤", "🙄", "😠", "🤮", "💢", "😒"]
EMOJI_NEUTRAL = ["😂", "🤣", "😄", "🙂", "😊", "🙈", "🤔", "😅", "🌹", "🎉"]
PUNCT = ["", "", "", "", "。", "！", "!", "~", "～", "…", "...", "！！", "，", ".", " "]


def _pick(rnd: random.Random, items: Sequence[str]) -> str:
    return items[rnd.randrange(len(items))]


def _fill(rnd: random.Random, template: str, family: str | None = None) -> str:
    family = family or _pick(rnd, list(PRODUCTS))
    values: dict[str, Any] = {
        "item": _pick(rnd, PRODUCTS[family]),
        "en": _pick(rnd, EN_PRODUCTS),
        "p": _pick(rnd, PEOPLE),
        "n": rnd.randint(2, 9),
        "h": rnd.randint(150, 185),
        "w": rnd.randint(85, 160),
        "place": _pick(rnd, PLACES),
        "aspect": _pick(rnd, ASPECTS),
        "neg": _pick(rnd, NEG_FIXED) if rnd.random() < 0.5 else _pick(rnd, DEGREE) + _pick(rnd, NEG_ADJ),
        "col": _pick(rnd, COLOURS),
        "sz": _pick(rnd, SIZES),
        "div": _pick(rnd, DIV),
        "perk": _pick(rnd, PERK),
        "handle": "".join(rnd.choice("abcdefxyz0123456789") for _ in range(rnd.randint(5, 8))),
        "site": "".join(rnd.choice("abcdefghkmnpqrstuvwxyz") for _ in range(rnd.randint(4, 8))),
        "money": _pick(rnd, ["300", "五百", "1000", "两千", "3000"]),
        "qq": str(rnd.randint(10_000_000, 999_999_999)),
        "n8": str(rnd.randint(10_000_000, 99_999_999)),
        "n10": str(rnd.randint(3_000_000_000, 9_999_999_999)),
    }
    return template.format(**values)


# ------------------------------------------------------------------ one generator per label


def _praise(rnd: random.Random) -> Row:
    family = _pick(rnd, list(PRODUCTS))
    item = _pick(rnd, PRODUCTS[family])
    kind = rnd.random()
    if kind < 0.25:
        text = _pick(rnd, POS_FIXED)
    elif kind < 0.5:
        text = _pick(rnd, ["", item, _pick(rnd, ASPECTS), "这个", "主播", "上次买的", "你们家的"]) + _pick(rnd, DEGREE)
        text += _pick(rnd, POS_ADJ) + _pick(rnd, ["", "", "了", "啊", "呀", "哦", "的", "耶"])
    elif kind < 0.62:
        # a negated complaint is praise: 不贵, 一点都不油, 不会起球
        neg = _pick(rnd, ["不", "一点都不", "完全不", "不会", "没有", "不会", "也不"])
        text = _pick(rnd, ["", item, "这个", "用起来", "穿起来", "吃起来"]) + neg + _pick(rnd, SOFT_POS_AFTER_NEG)
        text += _pick(rnd, ["", "，很满意", "，好评", "，推荐", "，喜欢", " 回购", "，很好"])
    elif kind < 0.74:
        text = _pick(
            rnd,
            [
                "回购第{n}次了",
                "用了{n}年了还是很好",
                "已经推荐给{s}了",
                "{s}很喜欢",
                "{s}说很好用",
                "买了{n}次了 一直用",
            ],
        )
        text = text.format(n=rnd.randint(2, 5), s=_pick(rnd, SELF[2:]))
    elif kind < 0.8:
        text = _pick(
            rnd,
            [
                "谢谢主播",
                "感谢主播",
                "谢谢",
                "辛苦了",
                "主播辛苦啦",
                "谢谢你们",
                "感谢推荐",
                "比外面便宜",
                "比实体店便宜好多",
                "便宜好多",
                "比别家便宜",
                "老顾客了一直支持",
                "一直支持",
                "支持支持",
                "被种草了",
                "有被种草到",
                "❤️",
                "❤️❤️❤️",
                "💯",
            ],
        )
        if rnd.random() < 0.5:
            text = _pick(rnd, ["", "太", "好", "超"]) + _pick(rnd, POS_ADJ) + "了"
    elif kind < 0.86:
        text = _pick(rnd, PEOPLE[:4]) + _pick(
            rnd,
            [
                "好会讲",
                "讲得好清楚",
                "辛苦了",
                "好漂亮",
                "声音好好听",
                "好专业",
                "太会选了",
                "好耐心",
                "好可爱",
                "人美心善",
                "选品好",
            ],
        )
    elif kind < 0.92:
        text = _pick(
            rnd,
            [
                "love it",
                "so good",
                "amazing",
                "great quality",
                "nice",
                "perfect",
                "beautiful",
                "the best",
                "super cute",
                "worth it",
                "love this {en}",
                "good quality",
            ],
        )
        text = text.format(en=_pick(rnd, EN_PRODUCTS)) + _pick(rnd, ["", "!", " 好喜欢", " 推荐", " 👍"])
    else:
        text = _pick(
            rnd,
            [
                "666",
                "6666",
                "赞赞赞",
                "好好好",
                "绝绝子",
                "真的绝",
                "爱了",
                "牛牛牛",
                "太棒啦",
                "棒棒哒",
                "👍👍",
                "❤️❤️",
                "yyds",
                "nb",
            ],
        )
    if rnd.random() < 0.2:
        text += _pick(rnd, EMOJI_POS)
    if rnd.random() < 0.15:
        text = _pick(rnd, ["哈哈", "哈哈哈", "真的", "天哪", "hhh", "家人们", "宝宝们", "姐妹们"]) + text
    return text, "praise", None


def _complaint(rnd: random.Random) -> Row:
    family = _pick(rnd, list(PRODUCTS))
    kind = rnd.random()
    topic: str | None
    if kind < 0.45:
        topic = _pick(rnd, list(C_TOPIC))
        text = _fill(rnd, _pick(rnd, C_TOPIC[topic]), family)
    elif kind < 0.65:
        # negated praise: 不太好, 很不好用, 一点都不好吃, 没有想象中好
        text = _pick(rnd, ["", _pick(rnd, PRODUCTS[family]), _pick(rnd, ASPECTS), "这个", "感觉", "说实话", "真的"])
        text += (
            _pick(rnd, ["很", "", "", "真的", "感觉"])
            + _pick(rnd, NEGATORS)
            + _pick(rnd, [*POS_ADJ[:30], "好", "好", "喜欢"])
        )
        text += _pick(rnd, ["", "", "了", "啊", "吧", "，退了", "，失望"])
        topic = "quality"
    elif kind < 0.7:
        text = _pick(
            rnd, ["用起来", "穿起来", "吃起来", "听起来", "看起来", "闻起来", "摸起来", "戴起来", "实物", "收到的"]
        )
        text += _pick(rnd, [*DEGREE, "", ""]) + _pick(rnd, NEG_ADJ) + _pick(rnd, ["", "", "了", "的", "啊"])
        topic = "quality"
    elif kind < 0.77:
        text = _fill(rnd, _pick(rnd, SARCASM), family)
        topic = "other"
    elif kind < 0.85:
        target = _pick(rnd, ["主播", "你", "你们", "这主播", "客服", "老板", ""])
        text = target + _pick(rnd, ["你这个", "真是", "", "就是个", ""]) + _pick(rnd, INSULTS)
        text += _pick(rnd, ["", "", "！", " 滚", " 骗钱", "，退钱"])
        topic = "other"
    else:
        text = _pick(rnd, NEG_FIXED)
        if rnd.random() < 0.4:
            text = _pick(rnd, PRODUCTS[family] + ASPECTS) + text
        topic = "quality"
    text += _pick(rnd, C_SUFFIX) if rnd.random() < 0.4 else ""
    return text, "complaint", topic


def _question(rnd: random.Random) -> Row:
    if rnd.random() < 0.35:
        return _question_grammar(rnd)
    topic = _pick(rnd, list(Q_TOPIC))
    family = _pick(rnd, list(PRODUCTS))
    core = _fill(rnd, _pick(rnd, Q_TOPIC[topic]), family)
    prefix = _fill(rnd, _pick(rnd, Q_PREFIX), family)
    suffix = _pick(rnd, Q_SUFFIX)
    if core.isascii():
        prefix = "" if rnd.random() < 0.7 else prefix
    return prefix + core + suffix, "question", topic


def _purchase(rnd: random.Random) -> Row:
    text = _fill(rnd, _pick(rnd, PURCHASE))
    if rnd.random() < 0.15:
        text = _pick(rnd, ["家人们", "姐妹们", "宝宝", "主播", "老板"]) + text
    if rnd.random() < 0.1:
        text += _pick(rnd, ["😆", "🛒", "💰", "🔥"])
    return text, "purchase", None


def _spam(rnd: random.Random) -> Row:
    text = _fill(rnd, _pick(rnd, SPAM))
    if rnd.random() < 0.2:
        text = _pick(rnd, ["🈲", "👉", "【福利】", "🎁", "‼️"]) + text
    return text, "spam", None


def _other(rnd: random.Random) -> Row:
    text = _pick(rnd, CHAT)
    if rnd.random() < 0.2:
        text = _pick(rnd, ["", "哈哈", "嗯", "啊", "哦", "家人们", "宝宝们", "主播"]) + text
    if rnd.random() < 0.15:
        text += _pick(rnd, EMOJI_NEUTRAL)
    return text, "other", None


GENERATORS: dict[str, Callable[[random.Random], Row]] = {
    "question": _question,
    "purchase": _purchase,
    "complaint": _complaint,
    "praise": _praise,
    "spam": _spam,
    "other": _other,
}
SHARE = {"question": 0.2, "purchase": 0.14, "complaint": 0.24, "praise": 0.2, "spam": 0.08, "other": 0.14}


def _repeat_chars(rnd: random.Random, text: str) -> str:
    """哈哈哈哈 / 好好好 / 太太太: stretch one CJK character the way people type when excited."""
    spots = [i for i, ch in enumerate(text) if "\u4e00" <= ch <= "\u9fff"]
    if not spots:
        return text
    i = _pick(rnd, [str(s) for s in spots])
    at = int(i)
    return text[: at + 1] + text[at] * rnd.randint(1, 3) + text[at + 1 :]


@cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("s2twp")


def _decorate(rnd: random.Random, row: Row) -> Row:
    text, label, topic = row
    if rnd.random() < 0.12:
        text = _repeat_chars(rnd, text)
    if label != "question" or text[-1:] not in "?？":
        text += _pick(rnd, PUNCT)
    if rnd.random() < 0.08:
        text = text.upper() if text.isascii() else text
    if rnd.random() < 0.45:
        text = _converter().convert(text)
    if rnd.random() < 0.05:
        text = text.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # full-width
    return " ".join(text.split()), label, topic


def generate(n: int, seed: int) -> list[Row]:
    """``n`` labelled comments, reproducible from ``seed``; duplicates are dropped."""
    rnd = random.Random(seed)
    labels = list(SHARE)
    weights = [SHARE[label] for label in labels]
    seen: set[str] = set()
    rows: list[Row] = []
    attempts = 0
    while len(rows) < n and attempts < n * 20:
        attempts += 1
        label = rnd.choices(labels, weights)[0]
        row = _decorate(rnd, GENERATORS[label](rnd))
        if row[0] and row[0] not in seen:
            seen.add(row[0])
            rows.append(row)
    return rows
