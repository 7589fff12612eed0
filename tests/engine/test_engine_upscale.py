"""Size planning, cover-crop, the super-resolution slot, and the small configs for training."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from generation.engine import Engine, GenerationRequest
from generation.engine.archs import build_networks, get_arch
from generation.engine.clip import CLIPImageEncoder, CLIPTextEncoder, CLIPTokenizer
from generation.engine.package import write_package
from generation.engine.upscale import SRConfig, SRNet, cover_crop, plan_grid, upscale_to


@pytest.mark.parametrize(
    ("size", "grid"),
    [((512, 512), (7, 7)), ((768, 512), (7, 11)), ((512, 768), (11, 7)), ((1024, 256), (7, 28)), ((320, 960), (21, 7))],
)
def test_plan_grid_keeps_the_short_side_and_follows_the_aspect(size, grid):
    assert plan_grid(*size, grid=7) == grid


def test_plan_grid_caps_the_aspect():
    assert plan_grid(1024, 256, grid=7, max_aspect=2.0) == (7, 14)


@pytest.mark.parametrize(
    ("native", "target"), [((224, 320), (512, 768)), ((64, 256), (256, 1024)), ((224, 224), (1024, 1024))]
)
def test_cover_crop_scales_both_axes_by_the_same_factor(native, target):
    h, w = native
    th, tw = target
    # A diagonal ramp: a stretched image would change its slope differently along x and y.
    ys = torch.linspace(-1, 1, h).view(h, 1)
    xs = torch.linspace(-1, 1, w).view(1, w)
    img = (ys * 0 + xs).expand(h, w).repeat(1, 3, 1, 1)
    out = cover_crop(img, tw, th)
    assert tuple(out.shape) == (1, 3, th, tw)
    scale = max(tw / w, th / h)
    # Interior slope along x per output pixel = (2 / (w - 1)) / scale, whatever the aspect.
    row = out[0, 0, th // 2]
    slope = float((row[tw // 2 + 10] - row[tw // 2 - 10]) / 20)
    assert slope == pytest.approx(2 / (w - 1) / scale, rel=0.05)


def test_untrained_sr_net_is_exactly_bicubic():
    net = SRNet(SRConfig(scale=2, channels=8, blocks=1))
    x = torch.rand(1, 3, 16, 24) * 2 - 1
    expected = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
    torch.testing.assert_close(net(x), expected)


def test_upscale_uses_the_sr_net_and_reports_it():
    net = SRNet(SRConfig(scale=4, channels=8, blocks=1))
    out, method = upscale_to(torch.zeros(2, 3, 64, 96), 768, 512, net)
    assert tuple(out.shape) == (2, 3, 512, 768)
    assert method.startswith("sr-x4")


def test_upscale_on_the_cpu_passes_a_few_pictures_at_a_time_with_the_same_result():
    torch.manual_seed(0)
    net = SRNet(SRConfig(scale=4, channels=8, blocks=1))
    for p in net.parameters():  # an SR net that is not just bicubic
        p.data.normal_(0, 0.05)
    x = torch.rand(5, 3, 160, 160) * 2 - 1  # 640 px out: one picture per pass
    out, _ = upscale_to(x, 640, 640, net)
    with torch.inference_mode():
        whole = net(x).clamp(-1, 1)
    torch.testing.assert_close(out, whole, rtol=1e-4, atol=1e-4)


def test_package_with_a_super_resolution_net_generates_exact_sizes(tmp_path):
    arch = get_arch("galip-tiny")
    torch.manual_seed(0)
    netg, _, _, clip_model = build_networks(arch)
    folder = tmp_path / "with-sr"
    write_package(
        folder, name="with-sr", category="general", description="", trained=False, arch=arch,
        netG=netg, clip_model=clip_model, sr_net=SRNet(SRConfig(scale=4, channels=8, blocks=1)),
    )  # fmt: skip
    engine = Engine.load(folder, device="cpu")
    [result] = engine.generate(GenerationRequest("a tree", width=704, height=448, seed=1))
    assert result.image.size == (704, 448)
    assert "sr-x4" in result.settings["method"]


def test_tokenizer_truncates_at_the_context_length_and_keeps_the_end_token():
    tok = CLIPTokenizer(context_length=16)
    ids, truncated = tok(["a cat", " ".join(["word"] * 40)])
    assert truncated == [False, True]
    assert ids.shape == (2, 16)
    assert int(ids[1, -1]) == tok._bpe.eot_token_id
    assert int(ids[0].argmax()) == 3  # start, "a", "cat", end


def test_folded_vocabulary_keeps_the_end_token_the_largest_id():
    tok = CLIPTokenizer(context_length=77, vocab_size=4096)
    ids, _ = tok("an astronaut riding a horse")
    assert int(ids.max()) == 4095
    assert int(ids[0, 0]) == 4094
    assert int(ids[0].argmax()) == int((ids[0] == 4095).nonzero()[0])


@pytest.mark.parametrize("name", ["galip-tiny", "galip-small"])
def test_small_configs_train_end_to_end(name):
    """What the training engineer builds: G, D, C, CLIP encoders; one loss backward works."""
    arch = get_arch(name)
    torch.manual_seed(0)
    netg, netd, netc, clip_model = build_networks(arch)
    text = CLIPTextEncoder(clip_model)
    image = CLIPImageEncoder(clip_model, arch.netD.tap_layers)
    with torch.no_grad():
        sent, _ = text.encode(["a red apple", "a blue car"])
    noise = torch.randn(2, arch.netG.nz)
    fake = netg(noise, sent)
    size = arch.netG.out_size
    assert tuple(fake.shape) == (2, 3, size, size)
    taps, global_emb = image(fake)
    g = arch.clip.grid
    assert tuple(taps.shape) == (2, len(arch.netD.tap_layers), arch.clip.vision_width, g, g)
    logits = netc(netd(taps), sent)
    assert tuple(logits.shape) == (2, 1, 1, 1)
    loss = -logits.mean() - F.cosine_similarity(global_emb, sent).mean()
    loss.backward()
    assert netg.fc_code.weight.grad is not None
    assert all(p.grad is None for p in netg.mapping.CLIP_ViT.parameters())  # CLIP stays frozen
    assert math.isfinite(loss.detach().item())
