# ruff: noqa: E501 (word lists)
"""Build the triage model's data files from the generated training set.

    .venv/bin/python -m livecrew.text.build [--rows 16000] [--seed 1]

Writes, in ``src/livecrew/text/data``: ``train.jsonl`` (the generated training rows), ``heldout.jsonl`` (generated
rows the model never trains on: the "test set" of bench/text_eval.py), ``words.json`` (segmentation words,
negators, sentiment words) and ``triage_model.json`` (the weights). jieba's dictionary (MIT) supplies the common
words that guard our cue words inside longer words; it is needed here only, never when the model runs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from livecrew.text import corpus
from livecrew.text.model import LABELS, features, train, vocabulary_from
from livecrew.text.normalize import fold, normalize

DATA = Path(__file__).resolve().parent / "data"

# Sentiment words beyond the ones the generator writes with: their polarity features carry what the model
# learned from the generated words over to words it never saw in training. Our own lists.
MORE_POSITIVE = [
    "赞叹", "满意度高", "舒适", "柔软", "亲肤", "好评如潮", "值回票价", "超划算", "实惠", "经济实惠", "好上手", "易用",
    "流畅", "灵敏", "清脆", "饱满", "浓郁", "鲜美", "嫩", "香甜", "爽口", "好消化", "不腻", "温和", "不刺激", "服帖",
    "持久", "防水好", "显气色", "提亮", "水润", "滋润", "补水", "紧致", "有光泽", "挺括", "有型", "修身", "不显胖",
    "不掉色", "不起球", "没异味", "无异味", "结实耐用", "做工好", "用料足", "分量足", "量足", "大份", "好大一包", "精美",
    "大方", "洋气", "时髦", "高档", "有档次", "气质", "减压", "治愈", "暖心", "感动", "开心", "惊喜", "幸福", "安心", "放心",
    "省心", "省事", "贴合", "稳定", "耐看", "实在", "良心", "良心商家", "厚道", "诚信", "快速", "及时", "神速", "迅速",
    "周到", "热情", "有耐心", "负责", "nice", "great", "good", "love", "like", "awesome", "amazing", "perfect", "cute",
    "pretty", "beautiful", "excellent", "fantastic", "comfortable", "worth", "recommend", "best", "fast", "soft",
    "讚", "超讚", "好讚", "正點", "很正", "超正", "好康", "划得来", "cp值高", "平价", "物美价廉", "好好吃", "好好看",
]  # fmt: skip
MORE_NEGATIVE = [
    "差劲", "糟", "烂货", "破烂", "残次", "次品", "瑕疵", "划痕", "磨损", "裂开", "断了", "松了", "掉了", "歪了", "脱线",
    "起毛", "掉渣", "发黄", "发黑", "变色", "生锈", "霉味", "馊", "变质", "过期了", "硬邦邦", "干巴巴", "难以下咽", "齁",
    "腻", "辣过头", "太甜", "太咸", "闷热", "不透气", "勒", "紧", "夹脚", "挤脚", "刺痒", "红疹", "爆痘", "拔干", "假白",
    "卡顿", "发烫", "断连", "杂音", "延迟", "死机", "黑屏", "闪退", "耗电", "不准", "失灵", "异响", "漏电", "鼓包", "虚标",
    "缺页", "印错", "盗版", "折角", "污渍", "破损", "受潮", "错发", "迟迟不发", "拖延", "推脱", "敷衍了事", "冷漠", "傲慢",
    "不耐烦", "甩锅", "忽悠", "欺骗", "坑人", "宰客", "乱收费", "贵得离谱", "性价比低", "不划算", "亏了", "吃亏", "心疼钱",
    "后悔", "遗憾", "生气", "愤怒", "崩溃", "郁闷", "伤心", "难过", "糟心", "闹心", "头疼", "烦", "烦死", "气人", "离谱",
    "bad", "terrible", "awful", "horrible", "worst", "broken", "fake", "poor", "scam", "disappointed", "useless",
    "cheap", "ugly", "late", "slow", "refund", "sucks", "hate", "wrong", "damaged", "expensive", "rude",
    "爛", "超爛", "雷", "踩雷", "地雷", "盤子", "被當盤子", "傻眼", "扯", "很扯", "瞎", "靠北", "靠杯", "母湯",
]  # fmt: skip
SLANG = [
    "家人们", "宝宝们", "宝子们", "宝子", "姐妹们", "集美们", "老铁", "老铁们", "上链接", "求链接", "扣1", "扣2", "蹲", "冲鸭",
    "绝绝子", "yyds", "真香", "种草", "拔草", "踩雷", "翻车", "割韭菜", "智商税", "哈哈", "哈哈哈", "嘿嘿", "呵呵",
    "笑死", "无语", "离谱", "破防", "内卷", "躺平", "打call", "安利", "回购", "囤货", "剁手", "上车", "拿下", "秒杀",
]  # fmt: skip


def jieba_words(min_freq: int = 30) -> list[str]:
    """Common two- to four-character words of jieba's dictionary."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")  # its dictionary file only: nothing of jieba runs
    if spec is None or spec.origin is None:
        raise SystemExit("jieba is needed to build the model: pip install jieba")
    path = Path(spec.origin).resolve().parent / "dict.txt"
    out = []
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        cjk = len(parts) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in parts[0])
        if cjk and int(parts[1]) >= min_freq and 2 <= len(parts[0]) <= 4:
            out.append(parts[0])
    return out


def _ours() -> tuple[list[str], list[str], list[str]]:
    positive = [*corpus.POS_ADJ, *corpus.POS_FIXED, *MORE_POSITIVE]
    negative = [*corpus.NEG_ADJ, *corpus.NEG_FIXED, *corpus.INSULTS, *MORE_NEGATIVE]
    return corpus.NEGATORS, positive, negative


def _doc(words: list[str], question: list[str] | None = None) -> dict[str, Any]:
    negators, positive, negative = _ours()

    def keep(ws: list[str]) -> list[str]:
        return sorted({normalize(w) if not w.isascii() else w.lower() for w in ws})

    words = sorted(set(words))
    if question is None:
        cues = [
            normalize(w) for w in json.loads((DATA / "triage.json").read_text("utf-8"))["question"] if not w.isascii()
        ]
        starts = tuple(c for c in cues if c)
        question = [w for w in words if w.startswith(starts) and w not in starts]
    return {
        "degree": keep(corpus.DEGREE),
        "question_prefix": question,
        "about": "Triage segmentation words (jieba's dictionary, MIT, pruned to the words that matter here, plus ours), "
        "negators and sentiment words (ours). Built by livecrew.text.build.",
        "negators": keep(negators),
        "positive": keep(positive),
        "negative": keep(negative),
        "words": words,
    }


def featurize(rows: list[tuple[str, str, str | None]], vocab: Any) -> list[tuple[list[str], int]]:
    return [(features(normalize(t), fold(t), vocab, t), LABELS.index(label)) for t, label, _topic in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=16000)
    parser.add_argument("--heldout", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cue_doc = json.loads((DATA / "triage.json").read_text("utf-8"))
    rows = corpus.generate(args.rows + args.heldout, args.seed)
    random.Random(args.seed).shuffle(rows)
    heldout, training = rows[: args.heldout], rows[args.heldout :]
    # Nothing that an evaluation set holds may be trained on (short common comments like 晚上好 come up in both).
    evaluated: set[str] = set()
    repo = DATA.parents[3]
    for path in [repo / "tests/data/triage.jsonl", *sorted((repo / "tests/text/data").glob("blind*.jsonl"))]:
        if path.exists():
            evaluated |= {normalize(json.loads(line)["text"]) for line in path.read_text("utf-8").splitlines() if line}
    training = [r for r in training if normalize(r[0]) not in evaluated]
    seen = {normalize(t) for t, _l, _tp in training}
    heldout = [r for r in heldout if normalize(r[0]) not in seen]

    extra = [*corpus.NEGATORS, *corpus.DEGREE, *SLANG, *corpus.ASPECTS, *corpus.PEOPLE, *corpus.SELF, *corpus.WHO]
    for family in corpus.PRODUCTS.values():
        extra += family
    full = [*jieba_words(), *extra]
    vocab = vocabulary_from(_doc(full), cue_doc)
    model = train(featurize(training, vocab))
    # Keep the words that carry weight and the longer words that contain one (the guards: 出差 for 差).
    weighted = {f.lstrip("!^").rstrip("$") for f in model.weights if not f.startswith(("#", "en:", "C:", "+", "-"))}
    kept = []
    for word in dict.fromkeys(normalize(w) for w in full):
        if word in weighted or any(
            word[i:j] in weighted for i in range(len(word)) for j in range(i + 1, len(word) + 1) if j - i < len(word)
        ):
            kept.append(word)
    pruned = vocabulary_from(_doc(kept), cue_doc)
    same = sum(
        features(normalize(t), fold(t), vocab, t) == features(normalize(t), fold(t), pruned, t) for t, *_ in rows
    )
    model = train(featurize(training, pruned))
    right = sum(model.predict(f)[0] == LABELS[g] for f, g in featurize(heldout, pruned))
    print(
        f"{len(training)} training rows, {len(heldout)} held out; {len(kept)} segmentation words "
        f"(pruning kept {same / len(rows):.1%} of feature lists unchanged); {len(model.weights)} features; "
        f"held-out accuracy {right / len(heldout):.3f}"
    )
    (DATA / "words.json").write_text(json.dumps(_doc(kept), ensure_ascii=False, indent=0) + "\n", "utf-8")
    (DATA / "triage_model.json").write_text(
        json.dumps({"labels": LABELS, "bias": model.bias, "weights": model.weights}, ensure_ascii=False) + "\n",
        "utf-8",
    )
    for name, part in (("train.jsonl", training), ("heldout.jsonl", heldout)):
        lines = [
            json.dumps({"text": t, "label": label, "topic": topic}, ensure_ascii=False) for t, label, topic in part
        ]
        (DATA / name).write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
