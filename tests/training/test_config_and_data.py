from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from generation.training.augment import diff_augment
from generation.training.config import Stage, load_config
from generation.training.data import Pair, load_image, pair_weights, read_pairs
from generation.training.trainer import stage_at

DEMO = Path(__file__).resolve().parents[2] / "generation" / "training" / "configs" / "demo.toml"


def test_demo_config_names_the_three_packages_and_a_multi_stage_schedule():
    cfg = load_config(DEMO)
    assert [p.name for p in cfg.packages] == ["demo-landscape", "demo-food", "demo-anime"]
    assert len(cfg.gan.stages) >= 2
    assert all(s.lr_g == 1e-4 and s.lr_d == 4e-4 and s.gp_w == 2.0 and s.gp_p == 6.0 for s in cfg.gan.stages)
    assert cfg.gan.stages[-1].sim_w == 4.0


def test_the_fine_tune_config_continues_the_shipped_packages():
    """configs/demo-finetune.toml starts G from the package demo.toml exports: same names,
    the generator shape written in the package (bilinear blocks included), its CLIP and SR net."""
    from generation.engine.package import read_manifest
    from generation.training.clip_train import ClipBundle
    from generation.training.trainer import make_arch

    first, tune = load_config(DEMO), load_config(DEMO.with_name("demo-finetune.toml"))
    assert [p.name for p in tune.packages] == [p.name for p in first.packages]
    assert tune.gan.init_package == tune.clip_package == tune.sr.package == "demo-landscape"
    assert tune.gan.d_warmup > 0 and tune.gan.stages[-1].pix_attr_w > 0
    manifest = read_manifest(Path(tune.models_dir) / tune.gan.init_package)
    # (the shipped packages have since grown word attention: configs/demo-words.toml)
    shipped = dataclasses.replace(manifest.arch.netG, word_attn=False)
    assert make_arch(tune, ClipBundle(manifest.arch.clip, None)).netG == shipped


def test_the_word_attention_config_grows_it_on_the_fine_tuned_packages():
    """configs/demo-words.toml starts from the packages demo-finetune.toml exports (the same
    names, G's shape plus word attention) and exports the packages that are shipped."""
    from generation.engine.package import read_manifest
    from generation.training.clip_train import ClipBundle
    from generation.training.trainer import make_arch

    tune, words = load_config(DEMO.with_name("demo-finetune.toml")), load_config(DEMO.with_name("demo-words.toml"))
    assert [p.name for p in words.packages] == [p.name for p in tune.packages]
    assert words.gan.init_package == words.clip_package == words.sr.package == "demo-landscape"
    manifest = read_manifest(Path(words.models_dir) / words.gan.init_package)
    clip = ClipBundle(manifest.arch.clip, None)
    assert make_arch(words, clip).netG == dataclasses.replace(make_arch(tune, clip).netG, word_attn=True)
    assert make_arch(words, clip).netG == manifest.arch.netG


def test_unknown_config_keys_are_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[gan]\nema_decai = 0.9\n")
    with pytest.raises(ValueError, match="ema_decai"):
        load_config(bad)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("gan.stages", [{"name": "main", "steps": -3}], r"stages\[0\]\.steps must be at least 0 \(got -3\)"),
        ("gan.stages", [{"name": "a", "steps": 5, "pix_attr_w": -1}], r"pix_attr_w must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "batch_size": 1}], r"batch_size must be at least 2"),
        ("gan.stages", [{"name": "a"}], r"stages\[0\]: missing keys \['steps'\]"),
        ("gan.stages", [{"name": "a", "steps": 5, "upsample": "cubic"}], r"upsample must be one of \['', 'nearest'"),
        ("gan.stages", [], r"at least one stage"),
        ("gan.ema_decay", 1.5, r"ema_decay must be between 0 and"),
        ("gan.pixd_warmup", -10, r"pixd_warmup must be at least 0"),
        ("gan.d_warmup", -1, r"d_warmup must be at least 0"),
        ("gan.init_package", 3, r"init_package must be of type str"),
        ("sr.package", ["demo-food"], r"package must be of type str"),
        ("gan.stages", [{"name": "a", "steps": 5, "reset_pixel_d": 1}], r"reset_pixel_d must be of type bool"),
        ("gan.text_retune", {"keep_w": -1}, r"gan\.text_retune\.keep_w must be at least 0"),
        ("gan.text_retune", {"batch_size": 1}, r"text_retune\.batch_size must be at least 2"),
        ("gan.text_retune", {"steps": 10, "lr": 0}, r"text_retune\.lr must be above 0"),
        ("gan.text_retune", {"rounds": 3}, r"text_retune: unknown keys \['rounds'\]"),
        ("gan.stages", [{"name": "a", "steps": 5, "retune_text": "yes"}], r"retune_text must be of type bool"),
        ("clip.lr", 0, r"clip\.lr must be above 0"),
        ("clip.lr", float("nan"), r"finite"),
        ("screen.threshold", 2, r"threshold must be between -1 and 1"),
        ("run.num_threads", "2", r"num_threads must be of type int \(got str"),
        ("sr.enabled", 1, r"enabled must be of type bool"),
        ("clip.steps", True, r"steps must be of type int"),
        ("gan.tap_layers", [1, "a"], r"tap_layers must be of type list\[int\]"),
        ("gan", 5, r"gan must be a table"),
        ("packages", [{"name": "x"}], r"missing keys \['category'\]"),
        ("synthetic.categories", ["food", "cars"], r"synthetic\.categories must be a non-empty list"),
        ("synthetic.categories", [], r"synthetic\.categories must be a non-empty list"),
        ("synthetic.workers", -1, r"workers must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "rec_w": -1}], r"rec_w must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "kl_w": "x"}], r"kl_w must be of type float"),
        ("gan.stages", [{"name": "a", "steps": 5, "rec_feat_w": -0.5}], r"rec_feat_w must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "lat_w": -1}], r"lat_w must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "lat_w": 0.5}], r"stages\[0\]\.lat_w needs the reconstruction path"),
        (
            "gan.stages",
            [{"name": "a", "steps": 5, "rec_adv_w": 1}],
            r"stages\[0\]\.rec_adv_w needs the reconstruction path",
        ),
        ("gan.e_warmup", -3, r"e_warmup must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "ms_layout_w": -2}], r"ms_layout_w must be at least 0"),
        ("gan.stages", [{"name": "a", "steps": 5, "ms_layout_w": 1}], r"\(a\)\.ms_layout_w reads one category's parts"),
        ("gan.layout_steps", 0, r"layout_steps must be at least 1"),
        ("sr.blur", 9.0, r"sr\.blur must be between 0 and 4"),
        ("data.oversample", {"snow": 4}, r"data\.oversample\.snow must map values to weights above 0"),
        ("data.oversample", {"snow": {"purple": 0}}, r"data\.oversample\.snow must map values to weights above 0"),
        ("data.oversample", {"snow": {"purple": "4"}}, r"data\.oversample\.snow must map values to weights above 0"),
        ("data.oversample", ["snow"], r"data\.oversample must be of type dict"),
    ],
)
def test_bad_config_values_are_errors_that_name_the_key(key, value, message):
    with pytest.raises(ValueError, match=message):
        load_config(DEMO, {key: value})


def test_an_int_where_a_float_is_asked_is_a_float():
    assert load_config(DEMO, {"clip.lr": 1}).clip.lr == 1.0


def test_the_cli_reports_a_bad_config_without_a_traceback(capsys):
    from generation.training.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["train", "--config", str(DEMO), "--set", "gan.ema_decay=-0.5"])
    assert str(exit_.value).startswith("config ") and "gan.ema_decay must be between 0 and" in str(exit_.value)
    with pytest.raises(SystemExit, match="No such file"):
        main(["train", "--config", "no/such/config.toml"])


def test_json_configs_and_overrides_work(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"gan": {"stages": [{"name": "only", "steps": 7}]}}))
    cfg = load_config(path, {"run.out_dir": "elsewhere", "clip.steps": 3})
    assert cfg.gan.stages == [Stage("only", 7)]
    assert cfg.run.out_dir == "elsewhere" and cfg.clip.steps == 3


def test_an_override_can_pick_a_stage_by_its_number(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"gan": {"stages": [{"name": "a", "steps": 7}, {"name": "b", "steps": 5}]}}))
    cfg = load_config(path, {"gan.stages.1.steps": 1800})
    assert cfg.gan.stages == [Stage("a", 7), Stage("b", 1800)]
    for key in ("gan.stages.2.steps", "gan.stages.x.steps", "gan.stages.-1.steps"):
        with pytest.raises(ValueError, match="is not an entry of a list of 2"):
            load_config(path, {key: 3})
    with pytest.raises(ValueError, match="stepz"):  # a wrong key inside the entry is named as before
        load_config(path, {"gan.stages.0.stepz": 3})


def test_stages_run_back_to_back():
    stages = [Stage("a", 10), Stage("b", 5)]
    assert [stage_at(stages, s).name for s in (0, 9, 10, 14, 99)] == ["a", "a", "b", "b", "b"]


def _img(path: Path, colour) -> None:
    Image.new("RGB", (40, 30), colour).save(path)


def test_a_folder_of_images_with_caption_sidecars_is_a_data_set(tmp_path):
    _img(tmp_path / "a.png", (255, 0, 0))
    (tmp_path / "a.txt").write_text("a red square\n一个红色方块\n", encoding="utf-8")
    _img(tmp_path / "b.jpg", (0, 0, 255))
    (tmp_path / "b.txt").write_text("a blue square\n", encoding="utf-8")
    _img(tmp_path / "no_caption.png", (0, 255, 0))
    pairs = read_pairs(tmp_path)
    assert [p.image.name for p in pairs] == ["a.png", "b.jpg"]
    assert pairs[0].captions == ["a red square", "一个红色方块"]
    x = torch.from_numpy(load_image(pairs[0].image, 16)).permute(2, 0, 1).float().div(127.5).sub(1)
    assert x.shape == (3, 16, 16) and x.min() >= -1 and x.max() <= 1
    assert x[0].mean() > 0.9 and x[2].mean() < -0.9  # red stays red after the square crop


def test_jsonl_pairs_resolve_images_relative_to_the_file(tmp_path):
    (tmp_path / "img").mkdir()
    _img(tmp_path / "img" / "x.png", (10, 20, 30))
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"image": "img/x.png", "caption": "dark", "source": "t"}) + "\n")
    [pair] = read_pairs(tmp_path / "pairs.jsonl")
    assert pair.image == tmp_path / "img" / "x.png" and pair.captions == ["dark"] and pair.meta == {"source": "t"}


def test_bad_data_sources_say_what_is_wrong(tmp_path):
    with pytest.raises(FileNotFoundError, match="no data set"):
        read_pairs(tmp_path / "missing")
    (tmp_path / "p.jsonl").write_text('{"image": "x.png"}\n')
    with pytest.raises(ValueError, match="p.jsonl:1"):
        read_pairs(tmp_path / "p.jsonl")


def test_diffaugment_keeps_shape_and_changes_content():
    torch.manual_seed(0)
    x = torch.rand(8, 3, 32, 32) * 2 - 1
    y = diff_augment(x, "translation,cutout")
    assert y.shape == x.shape and not torch.equal(x, y)
    assert torch.equal(diff_augment(x, ""), x)
    with pytest.raises(ValueError, match="colour"):
        diff_augment(x, "colour")


def test_a_generator_ladder_must_have_one_entry_per_block_and_one_more():
    from generation.engine.configs import NetGConfig

    with pytest.raises(ValueError, match="block_channels needs 5 positive entries for imsize 64"):
        NetGConfig(imsize=64, out_size=63, grid=7, block_channels=(8, 8))
    with pytest.raises(ValueError, match="block_channels needs 6 positive entries"):
        NetGConfig(imsize=128, out_size=128, grid=8, block_channels=(8, 8, 8, 8, 8, 0))
    cfg = NetGConfig.from_dict({**NetGConfig(imsize=128, out_size=128, grid=8).to_dict(), "block_channels": [9] * 6})
    assert cfg.channels() == [9] * 6 and cfg.block_channels == (9,) * 6


def test_the_reconstruction_config_builds_one_category_from_its_own_package():
    """configs/demo-recon.toml, run per category as the Makefile does: the data, the package it
    starts from and the package it exports are that category's alone, and its G has the shape
    of the shipped packages (anime's then grows to 128 px: demo-128.toml, the Makefile's last build)."""
    from generation.engine.package import read_manifest
    from generation.training.clip_train import ClipBundle
    from generation.training.trainer import grown_blocks, make_arch

    words = load_config(DEMO.with_name("demo-words.toml"))
    for category in ("landscape", "food", "anime"):
        cfg = load_config(
            DEMO.with_name("demo-recon.toml"),
            {"synthetic.categories": [category], "gan.init_package": f"demo-{category}"},
        )
        assert cfg.synthetic.categories == [category]
        assert any(s.rec_w > 0 and s.kl_w > 0 for s in cfg.gan.stages)
        assert cfg.sr.package == "" and cfg.sr.blur > 0  # a restoring SR net of its own
        assert [p.name for p in cfg.packages if p.category in cfg.synthetic.categories] == [f"demo-{category}"]
        manifest = read_manifest(Path(cfg.models_dir) / f"demo-{category}")
        clip = ClipBundle(manifest.arch.clip, None)
        recon = make_arch(cfg, clip).netG
        assert recon == make_arch(words, clip).netG
        if category == "anime":
            grown = make_arch(load_config(DEMO.with_name("demo-128.toml")), clip).netG
            assert manifest.arch.netG == grown and grown_blocks(recon, grown) == [recon.n_blocks]
        else:
            assert recon == manifest.arch.netG


def test_the_128_config_grows_the_reconstruction_packages_by_one_block():
    from generation.engine.package import read_manifest
    from generation.training.clip_train import ClipBundle
    from generation.training.trainer import grown_blocks, make_arch

    cfg = load_config(DEMO.with_name("demo-128.toml"))
    manifest = read_manifest(Path(cfg.models_dir) / cfg.gan.init_package)
    grown = make_arch(cfg, ClipBundle(manifest.arch.clip, None)).netG
    assert grown.native_size() == (128, 128) and cfg.data.size == cfg.synthetic.size == 128
    assert grown_blocks(manifest.arch.netG, grown) == [manifest.arch.netG.n_blocks]


def test_oversample_weights_multiply_and_read_list_attributes_entry_by_entry():
    def dish(*ingredients: tuple[str, int], vessel: str = "plate") -> Pair:
        attrs = {"vessel": vessel, "ingredients": [list(i) for i in ingredients]}
        return Pair(Path("x.png"), ["a dish"], {"scene": {"attrs": attrs}})

    pairs = [dish(("egg", 2)), dish(("egg", 1), ("shrimp", 3)), dish(("tomato", 1), vessel="bowl"), dish()]
    weights = pair_weights(pairs, {"ingredients": {"egg": 2, "shrimp": 3}, "vessel": {"bowl": 5}})
    assert weights.tolist() == [2.0, 6.0, 5.0, 1.0]
    assert pair_weights(pairs, {}).tolist() == [1.0] * 4
    with pytest.raises(ValueError, match=r"data\.oversample\.ingredients\.rice: no scene of the data has"):
        pair_weights(pairs, {"ingredients": {"rice": 2}})
    with pytest.raises(ValueError, match=r"data\.oversample\.vessel\.2: no scene"):
        pair_weights([Pair(Path("x.png"), ["no scene"])] + pairs, {"vessel": {"2": 2}})
