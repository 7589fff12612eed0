"""The layout nets (generation/training/layout.py): the seed spread in an embedding that tells a
new layout from the same picture wobbled, with its anchor."""

from __future__ import annotations

import pytest
import torch

from generation.training.fidelity import FidelityReader, fidelity_of, fidelity_path, render_variants, shrink
from generation.training.layout import layout_path, load_layout, save_layout, spread, train_layout_net, wobble
from generation.training.synthetic import eval_items


@pytest.mark.parametrize("category", ["landscape", "food", "anime"])
def test_one_render_wobbled_is_the_same_picture_and_other_layouts_are_not(category):
    """Renders standing in for a model's pictures score the renders' own spread (1); one render
    per caption, warped a few per cent, tinted and blurred for every seed, scores far below: the
    8 x 8 feature map of the fidelity net gave such copies half a new layout or more."""
    net, reader = load_layout(layout_path(category)), FidelityReader.load(fidelity_path(category))
    items = eval_items(category, n_regular=6, per_holdout=1)
    seeds = 2
    g = torch.Generator().manual_seed(1)
    renders, wobbled = {}, {}
    for i, item in enumerate(items):
        x = render_variants(item.scene, 2 * seeds, salt=2)  # the same renders the measure compares with
        renders[(i, "en")], renders[(i, "zh")] = x[:seeds], x[seeds:]
        one = wobble(shrink(x[:1]).expand(2 * seeds, -1, -1, -1).clone(), g)
        wobbled[(i, "en")], wobbled[(i, "zh")] = one[:seeds], one[seeds:]
    as_renders = fidelity_of("renders", renders, items, reader, seeds, net)
    assert as_renders.layout_spread == pytest.approx(1.0, abs=0.25)  # 7 captions, 2 seeds: a rough 1
    assert as_renders.layout_same < 0.4
    same = fidelity_of("one picture", wobbled, items, reader, seeds, net)
    assert same.layout_spread < 0.4, same.layout_spread
    assert same.spread_ratio > same.layout_spread  # the old measure reads the wobble as more of a new picture


def test_a_layout_net_trains_and_embeds_the_same_after_a_save(tmp_path):
    net = train_layout_net("food", n_train=12, steps=3, batch=4, log=lambda msg: None)
    save_layout(net, tmp_path / "l.safetensors", "food")
    again = load_layout(tmp_path / "l.safetensors")
    x = shrink(render_variants(eval_items("food", n_regular=1, per_holdout=0)[0].scene, 3, salt=4))
    assert torch.allclose(net(x), again(x), atol=0.02)  # stored in fp16
    assert spread(again, [x]) > 0.0 and spread(again, [x[:1]]) == 0.0


def test_a_missing_layout_net_names_the_path_and_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-layout"):
        load_layout(tmp_path / "nope.safetensors")
