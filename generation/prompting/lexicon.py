"""Classical (and English) poetic imagery, and what a landscape model can draw of each image.

Each entry names an image as poems write it (明月, 孤舟, 寒江 …; "moon", "daffodils" …), the
words a person reads for it, and the part of a landscape selection it becomes — in the terms of
the model's own vocabulary (`time`, `body`, `water`, `season` …; see
generation/training/synthetic/vocabulary.py). Images the model has no picture of (a boat, a
bird, a desert) say so in `note` and become the nearest thing it does draw, or nothing.

Longer forms win over the characters inside them: 寒江 is read before 江, 明月 before 月.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["LEXICON", "Image"]


@dataclass(frozen=True)
class Image:
    forms: tuple[str, ...]  # as poems write it; Chinese forms match anywhere, English whole words
    en: str  # the image, in words
    zh: str
    selection: dict[str, Any] = field(default_factory=dict)  # landscape vocabulary: group -> term id
    note_en: str = ""  # what the model cannot draw of it
    note_zh: str = ""


def _i(forms: str, en: str, zh: str, note: tuple[str, str] = ("", ""), **selection: Any) -> Image:
    return Image(tuple(forms.split("|")), en, zh, dict(selection), note[0], note[1])


NO_BOAT = ("the model draws no boats: the water they sail on", "模型画不出船，只画出船所在的水")
NO_BIRD = ("the model draws no birds", "模型画不出鸟")
NO_DESERT = (
    "the model knows no desert: an open summer land without trees",
    "模型不认识沙漠：画成没有树的夏日原野",
)
NO_FLOWER = ("the model draws no single flowers: spring trees in blossom", "模型画不出单独的花：画成春天开花的树")

LEXICON: tuple[Image, ...] = (
    # the moon and the night
    _i("明月|月明|月光|月色|皓月|婵娟|玉盘|素月|明月光", "the bright moon", "明月", body="moon", time="night"),
    _i(
        "正月|一月|二月|三月|四月|五月|六月|七月|八月|九月|十月|冬月|腊月|岁月",
        "a month",
        "月份",
        ("a month of the year, not the moon", "是月份，不是月亮"),
    ),
    _i("月|moon|moonlight|moonlit", "the moon", "月", body="moon", time="night"),
    _i("星|星河|银河|星辰|stars|star|starry", "stars", "星", time="night"),
    _i("夜|宵|夜半|夜深|night|midnight|darkness", "night", "夜", time="night"),
    # the sun and the hours
    _i(
        "落日|夕阳|斜阳|残阳|夕照|日暮|暮色|黄昏|日落|sunset|dusk|evening|twilight",
        "the setting sun",
        "落日",
        time="sunset",
    ),
    _i("暮|晚|夕|sundown", "evening", "暮", time="sunset"),
    _i("旭日|朝阳|日出|晨曦|拂晓|黎明|破晓|清晨|dawn|sunrise|daybreak|morning", "sunrise", "日出", time="dawn"),
    _i("晓|朝|晨", "morning", "晓", time="dawn"),
    _i("白日|烈日|骄阳|艳阳|正午|noon|noonday|midday", "the midday sun", "白日", time="noon", body="sun"),
    _i("日|sun|sunshine|sunlight", "the sun", "日", body="sun"),
    # water
    _i("寒江", "the cold river", "寒江", water="river", season="winter"),
    _i(
        "长江|大江|黄河|长河|江水|江流|河水|川流|江|河|川|溪|涧|流水|river|stream|brook|rill",
        "the river",
        "江河",
        water="river",
    ),
    _i("湖|潭|池|塘|lake|pond|pool|mere", "the lake", "湖", water="lake"),
    _i("沧海|大海|海|洋|潮|浪|sea|ocean|waves|tide|shore", "the sea", "海", water="sea"),
    _i("孤舟|扁舟|小舟|舟|孤帆|帆|船|渔船|boat|ship|sail|sails", "a boat", "孤舟", NO_BOAT),
    _i("渔翁|钓", "a fisherman", "渔翁", ("the model draws no people", "模型画不出人")),
    # mountains
    _i("雪山|千山|寒山|雪岭", "snowy mountains", "雪山", mountains="snowy", season="winter"),
    _i(
        "山|峰|岭|峦|岳|嶂|青山|群山|mountain|mountains|hill|hills|peak|peaks", "the mountains", "山", mountains="plain"
    ),
    # trees and plants
    _i("森林|树林|林|丛林|forest|forests|woods|wood", "the woods", "林", trees="forest"),
    _i("杨柳|垂柳|柳|柳枝|willow|willows", "willows", "柳", trees="few", season="spring"),
    _i("松|竹|树|木|枝|pine|pines|tree|trees|bamboo", "trees", "树", trees="few"),
    _i("枫|红叶|霜叶|落叶|黄叶|leaves|maple", "autumn leaves", "红叶", trees="few", season="autumn"),
    _i(
        "桃花|杏花|梨花|花|blossom|blossoms|flowers|daffodils|roses|flower",
        "blossom",
        "花",
        NO_FLOWER,
        trees="few",
        season="spring",
    ),
    _i(
        "荷|莲|芙蓉|lotus",
        "lotus",
        "荷",
        ("the model draws no lotus: a summer lake", "模型画不出荷花：画成夏天的湖"),
        season="summer",
        water="lake",
    ),
    # seasons and weather
    _i("春|spring", "spring", "春", season="spring"),
    _i("夏|蝉|summer", "summer", "夏", season="summer"),
    _i("秋|菊|霜|autumn|fall", "autumn", "秋", season="autumn"),
    _i("冬|冰|winter|frost|ice", "winter", "冬", season="winter"),
    _i("雪|飞雪|白雪|snow|snowy|snowflakes", "snow", "雪", season="winter"),
    _i("白云|云|clouds|cloud", "clouds", "云", clouds="few"),
    _i("雨|烟雨|乌云|阴|rain|storm|mist|mists|fog|烟", "rain and mist", "雨", clouds="many"),
    _i("晴|碧空|晴空|clear", "a clear sky", "晴", clouds="none"),
    # what the model has no picture of
    _i("大漠|沙漠|荒漠|塞外|desert|sand|sands", "the desert", "大漠", NO_DESERT, season="summer", trees="none"),
    _i("鸟|雁|鸿|燕|莺|鹭|鹤|鸦|bird|birds|swallow|geese|crow", "birds", "鸟", NO_BIRD),
)
