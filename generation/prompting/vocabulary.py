"""A model's vocabulary, read from its package: composing prompts in its grammar and finding the
words of a prompt it does not know."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generation.engine.manifest import ModelManifest

from .schema import problem

__all__ = ["PromptCheck", "Vocabulary", "VocabularyInvalid", "VocabularyMissing", "Selection"]

# group -> term id, or for a counted group (food's ingredients) a list of [term id, count]
Selection = dict[str, Any]

_EN_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_SLOT = re.compile(r"\{([a-z_]+)\}")
_ARTICLE = re.compile(r"^(?:a|an|the|some)\s+")


class VocabularyMissing(LookupError):
    """The package has no vocabulary (a model imported from elsewhere, or exported before it)."""


class VocabularyInvalid(ValueError):
    """The package's vocabulary is there but wrong (schema.problem says where and what)."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name, self.problem = name, problem


@dataclass(frozen=True)
class PromptCheck:
    """Which words of a prompt the model knows. `unknown` keeps the prompt's own spelling and
    order, each once; `only_unknown` is true when the prompt has words and none is known."""

    known: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def only_unknown(self) -> bool:
        return bool(self.unknown) and not self.known

    def to_dict(self) -> dict[str, Any]:
        return {"known": self.known, "unknown": self.unknown, "only_unknown": self.only_unknown}


class Vocabulary:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.category: str = data.get("category", "")
        self.groups: list[dict[str, Any]] = list(data.get("groups", []))
        self._groups = {g["name"]: g for g in self.groups}
        self._terms = {(g["name"], t["id"]): t for g in self.groups for t in g["terms"]}
        words = data.get("words", {})
        self._en = {w.lower() for w in words.get("en", [])}
        for g in self.groups:  # a term's own forms count even if sampling missed one
            for t in g["terms"]:
                for form in t.get("en", []):
                    self._en.update(w.lower() for w in _EN_WORD.findall(form))
        self._zh = sorted(set(words.get("zh", [])), key=len, reverse=True)
        self._zh_set = set(self._zh)
        self._zh_max = max((len(p) for p in self._zh), default=1)

    @classmethod
    def of(cls, manifest: ModelManifest) -> Vocabulary:
        data = manifest.extra.get("vocabulary")
        if not isinstance(data, dict) or not data.get("groups"):
            raise VocabularyMissing(manifest.name)
        wrong = problem(data)
        if wrong:
            raise VocabularyInvalid(manifest.name, wrong)
        return cls(data)

    # -- looking up --------------------------------------------------------------------------------
    def group(self, name: str) -> dict[str, Any] | None:
        return self._groups.get(name)

    def term(self, group: str, term_id: str) -> dict[str, Any] | None:
        return self._terms.get((group, term_id))

    def word(self, group: str, term_id: str, lang: str) -> str:
        """The term's first form in `lang` (English when it has none there), else its id."""
        term = self._terms.get((group, term_id)) or {}
        forms = term.get(lang) or term.get("en") or [term_id]
        return str(forms[0])

    def mentions(self, prompt: str) -> set[tuple[str, str]]:
        """(group, term id) of every term one of whose forms the prompt contains: English forms
        as whole words without their article ("a river" in "river at night"), in the singular or
        the plural ("snowy mountain" for "snowy mountains"); Chinese forms anywhere in the text.
        A phrase a term takes beside other terms is a form of it and names those terms too
        ("mountains with purple snow", 紫色积雪的山峰: snow-capped mountains, purple snow)."""
        text = prompt.lower()

        def says(en: list[str], zh: list[str]) -> bool:
            return any(
                (core := _ARTICLE.sub("", form.lower()).strip().removesuffix("s"))
                and re.search(rf"(?<![a-z]){re.escape(core)}(?:e?s)?(?![a-z])", text)
                for form in en
            ) or any(form and form in prompt for form in zh)

        found: set[tuple[str, str]] = set()
        for (group, term_id), term in self._terms.items():
            en, zh = term.get("en", []), term.get("zh", [])
            if says(en, zh):
                found.add((group, term_id))
            for beside in term.get("phrase_when", []):
                # a phrase of its own (not one of the forms above) also names the terms it goes with
                own_en = [f for f in [beside.get("en", "")] if f not in en]
                own_zh = [f for f in [beside.get("zh", "")] if f not in zh]
                if says(own_en, own_zh):
                    found.add((group, term_id))
                    found |= {(g, str(v[0])) for g, v in beside.get("when", {}).items() if len(v) == 1}
        return found

    @property
    def compose_rules(self) -> dict[str, Any]:
        return dict(self.data.get("compose", {}))

    def objects(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(group, term) of every term with a picture of its own (an absence has none)."""
        return [(g, t) for g in self.groups for t in g["terms"] if t.get("example")]

    # -- composing ---------------------------------------------------------------------------------
    def complete(self, selection: Selection) -> Selection:
        """The selection with each slot filled: what the person chose, else what a chosen term
        implies (a moon: night), else the model's default."""
        rules = self.compose_rules
        out: Selection = {}
        for name, value in selection.items():
            group = self._groups.get(name)
            if group is None:
                continue
            if group.get("counted"):
                out[name] = [[k, int(n)] for k, n in value if (name, k) in self._terms]
            elif (name, value) in self._terms:
                out[name] = value
        for name, value in list(out.items()):
            implied = self._groups[name].get("implies", {}).get(value) if isinstance(value, str) else None
            for key, allowed in (implied or {}).items():
                if out.get(key) not in allowed:
                    out[key] = allowed[0]
        for name, default in rules.get("slots", {}).items():
            out.setdefault(name, default)
        return out

    def compose(self, selection: Selection, lang: str) -> str:
        """The prompt for a selection in the model's grammar (its canonical caption)."""
        rules = self.compose_rules
        sel = self.complete(selection)
        variant = next(v for v in rules["variants"] if _matches(v["when"], sel))
        numbers = self.data.get("numbers", {}).get(lang, [])
        items: list[str] = []
        total = 0
        for name in rules.get("items", []):
            group = self._groups[name]
            if group.get("counted"):
                for term_id, n in sel.get(name, []):
                    total += n
                    phrase = self._terms[(name, term_id)]["phrase"]
                    if n == 1 and f"{lang}_1" in phrase:
                        items.append(phrase[f"{lang}_1"])
                    else:
                        word = numbers[n] if 0 <= n < len(numbers) else str(n)
                        items.append(phrase[lang].replace("{n}", word))
            elif name in sel:
                text = self._phrase(name, sel, lang)
                if text:
                    items.append(text)
        listed = _join(items, lang)
        wrap = rules.get("list", {}).get(lang, {}).get("wrap", "{items}")

        def slot(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "items":
                return wrap.replace("{items}", listed) if items else ""
            group = self._groups.get(name, {})
            if total < group.get("min_items", 0):
                return ""
            return self._phrase(name, sel, lang) if name in sel else ""

        return _SLOT.sub(slot, variant[lang])

    def _phrase(self, name: str, sel: Selection, lang: str) -> str:
        term = self._terms[(name, sel[name])]
        for alt in term.get("phrase_when", []):
            if _matches(alt["when"], sel):
                return str(alt[lang])
        return str(term["phrase"].get(lang, ""))

    # -- checking ----------------------------------------------------------------------------------
    def check(self, prompt: str) -> PromptCheck:
        """The words of `prompt` this model knows and does not know (English words, and Chinese
        split greedily into the pieces its captions use)."""
        known: list[str] = []
        unknown: list[str] = []
        for word in _EN_WORD.findall(prompt):
            (known if self._knows_en(word.lower()) else unknown).append(word)
        for run in _CJK_RUN.findall(prompt):
            k, u = self._segment(run)
            known += k
            unknown += u
        return PromptCheck(known=_unique(known), unknown=_unique(unknown))

    def _knows_en(self, word: str) -> bool:
        if word in self._en:
            return True
        for suffix in ("es", "s"):  # plural of a known singular or the other way round
            if word.endswith(suffix) and word[: -len(suffix)] in self._en:
                return True
            if word + suffix in self._en:
                return True
        return False

    def _segment(self, run: str) -> tuple[list[str], list[str]]:
        """Split a run of Chinese characters into known pieces, leaving as few characters
        unknown as possible (then as few pieces): dynamic programming over the run, since a
        greedy longest match can take a glue piece (有紫色) that strands the next word (雪)."""
        n = len(run)
        best: list[tuple[int, int] | None] = [None] * (n + 1)
        step: list[tuple[int, bool]] = [(0, False)] * (n + 1)
        best[0] = (0, 0)
        for i in range(n):
            cost = best[i]
            if cost is None:
                continue
            moves = [(1, False)] + [
                (size, True) for size in range(1, min(self._zh_max, n - i) + 1) if run[i : i + size] in self._zh_set
            ]
            for size, known in moves:
                new = (cost[0] + (0 if known else size), cost[1] + 1)
                if best[i + size] is None or new < best[i + size]:  # type: ignore[operator]
                    best[i + size] = new
                    step[i + size] = (size, known)
        pieces: list[tuple[str, bool]] = []
        i = n
        while i > 0:
            size, known = step[i]
            pieces.append((run[i - size : i], known))
            i -= size
        pieces.reverse()
        known_words: list[str] = []
        unknown: list[str] = []
        pending = ""
        for text, known in pieces:
            if known:
                if pending:
                    unknown.append(pending)
                    pending = ""
                known_words.append(text)
            else:
                pending += text
        if pending:
            unknown.append(pending)
        return known_words, unknown

    def is_chinese(self, text: str) -> bool:
        return bool(_CJK.search(text))


def _matches(when: dict[str, list[str]], sel: Selection) -> bool:
    return all(sel.get(key) in allowed for key, allowed in when.items())


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    if lang == "en":
        return ", ".join(items[:-1]) + " and " + items[-1]
    return "、".join(items[:-1]) + "和" + items[-1]


def _unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))
