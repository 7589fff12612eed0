"""Prompt help built on what a model knows: its vocabulary (read from the package), the words of
a prompt it does not know, poems read as imagery, counterfactual combinations and recipes.

Plain Python: no Django, no torch. The vocabulary comes from `model.json` (written at export by
generation/training/synthetic/vocabulary.py); the site (generation/creative) turns what these
functions find into pages, API answers and errors.
"""

from __future__ import annotations

from .vocabulary import PromptCheck, Vocabulary, VocabularyInvalid, VocabularyMissing

__all__ = ["PromptCheck", "Vocabulary", "VocabularyInvalid", "VocabularyMissing"]
