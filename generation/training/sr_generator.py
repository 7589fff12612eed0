"""A restoring ×4 super-resolution net trained on the generator's own pictures (`restore-sr`).

`sr_train.py` teaches the SR net on renders whose low-resolution side is blurred, but blur is not
how G's pictures are wrong: they are soft blobs where the renders are flat, crisp shapes, with
wandering edges and bled colours. Here the low-resolution side *is* G's picture. For a render r
with caption c, a posterior encoder (`encoder.PosteriorEncoder`) reads the noise z = E(r) from
which G redraws r; G(z, c) — from the posterior mean, and from samples around it — is G's attempt
at that very scene at native size, and the target is the same scene rendered at `scale` times
the size (a renderer draws any size with the same layout). Supervised this way, the net learns to
turn G's typical blobs into the flat shapes they stand for, which no model of the damage as a
blur can teach.

The encoder is the reconstruction run's (`sr.encoder`: configs/demo-recon.toml's
`gan/checkpoint.pt`) when there is one; otherwise one is fitted here to the frozen G with the
trainer's reconstruction loss (L1 of G(E(r)) to r, KL to N(0, 1)), only E learning.
"""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from generation.engine.configs import SRConfig
from generation.engine.errors import WeightsCorrupt, WeightsMissing
from generation.engine.package import LoadedModel, load_package, replace_super_resolution, resolve_model
from generation.engine.upscale import SRNet

from .clip_train import ClipBundle
from .config import SRTrainConfig
from .encoder import PosteriorEncoder, kl_to_prior
from .sr_train import degrade
from .synthetic import LANGS, caption, render, sample_scene

Log = Callable[[str], None]

SCENE_SEED = 60_000_000  # far from the training data's, the evaluation's and sr_train.py's scenes


class FrozenGenerator:
    """A package's G and CLIP text tower, frozen: G's pictures for noises and captions."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.loaded = loaded
        self.netG = loaded.netG.float().eval().requires_grad_(False)
        self.clip = ClipBundle(loaded.manifest.arch.clip, loaded.clip_model.float())
        self.nz = loaded.manifest.arch.netG.nz
        self.size = loaded.manifest.arch.netG.native_size()[0]
        self.reads_words = loaded.manifest.arch.netG.word_attn

    def __call__(self, z: torch.Tensor, captions: list[str]) -> torch.Tensor:
        """[B, nz], B captions -> G's pictures [B, 3, size, size] in [-1, 1] (differentiable in z)."""
        sent = self.clip.encode_texts(captions)
        words = self.clip.encode_words(captions) if self.reads_words else ()
        return self.netG(z, sent, None, *words).float()


@dataclass
class Scenes:
    """Renders of one category at native size (what the encoder reads) and at `scale` times
    (the targets), with one caption each (both languages, synonyms drawn)."""

    native: torch.Tensor  # uint8 [N, 3, n, n]
    large: torch.Tensor  # uint8 [N, 3, s*n, s*n]
    captions: list[str]


def _chw(image: Any) -> torch.Tensor:
    return torch.from_numpy(np.array(image)).permute(2, 0, 1).contiguous()


def render_scenes(category: str, n: int, native: int, scale: int, seed: int = 0) -> Scenes:
    rng = np.random.default_rng([seed, 17])
    small, large, captions = [], [], []
    for i in range(n):
        sc = sample_scene(category, SCENE_SEED + seed * 1_000_000 + i, "train")
        small.append(_chw(render(sc, native)))
        large.append(_chw(render(sc, native * scale)))
        captions.append(caption(sc, LANGS[i % len(LANGS)], rng))
    return Scenes(torch.stack(small), torch.stack(large), captions)


def _signed(images: torch.Tensor) -> torch.Tensor:
    return images.float().div(127.5).sub(1)


def load_encoder(path: str | Path, nz: int, size: int) -> PosteriorEncoder:
    """The encoder of a reconstruction run's checkpoint (trainer.GALIPTrainer.save_checkpoint)."""
    path = Path(path)
    if not path.is_file():
        raise WeightsMissing(path, "reconstruction checkpoint with the posterior encoder (sr.encoder)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises several types for truncated or foreign files
        raise WeightsCorrupt(path, f"not a readable checkpoint ({exc})") from exc
    if not isinstance(state, dict) or "netE" not in state:
        raise WeightsCorrupt(path, "has no posterior encoder (netE): was it a reconstruction run?")
    enc = PosteriorEncoder(nz, size)
    try:
        enc.load_state_dict(state["netE"])
    except RuntimeError as exc:
        raise WeightsCorrupt(path, f"its encoder does not fit this generator (nz {nz}, {size} px): {exc}") from exc
    return enc.eval().requires_grad_(False)


def fit_encoder(
    gen: FrozenGenerator, scenes: Scenes, cfg: SRTrainConfig, log: Log = print
) -> tuple[PosteriorEncoder, list[float]]:
    """E learns to read, off a render, the noise from which the frozen G redraws it: L1 of
    G(mu + sigma * eps) to the render plus `encoder_kl_w` * KL to N(0, 1). Returns E and the L1
    of every step."""
    enc = PosteriorEncoder(gen.nz, gen.size)
    opt = torch.optim.Adam(enc.parameters(), lr=1e-3, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(cfg.seed)
    history: list[float] = []
    t0 = time.time()
    for step in range(cfg.encoder_steps):
        idx = torch.randint(0, len(scenes.captions), (cfg.batch_size,), generator=g)
        real = _signed(scenes.native[idx])
        mu, logvar = enc(real)
        z = mu + torch.randn(mu.shape, generator=g) * (0.5 * logvar).exp()
        l1 = (gen(z, [scenes.captions[i] for i in idx.tolist()]) - real).abs().mean()
        loss = l1 + cfg.encoder_kl_w * kl_to_prior(mu, logvar)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history.append(l1.item())
        if step % 100 == 0 or step == cfg.encoder_steps - 1:
            log(f"[restore-sr] encoder step {step} redraw l1 {np.mean(history[-20:]):.4f} {time.time() - t0:.0f}s")
    return enc.eval().requires_grad_(False), history


@dataclass
class Pairs:
    """G's pictures (`draws` + 1 per scene: the posterior mean first) and the scenes' large renders."""

    drawn: torch.Tensor  # uint8 [N, K, 3, n, n]
    large: torch.Tensor  # uint8 [N, 3, s*n, s*n]
    native: torch.Tensor  # uint8 [N, 3, n, n]: the renders G drew them from (sr.render_mix)

    def __len__(self) -> int:
        return self.drawn.shape[0]


def _uint8(images: torch.Tensor) -> torch.Tensor:
    return images.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)


def refine_noise(
    gen: FrozenGenerator, z: torch.Tensor, real: torch.Tensor, captions: list[str], steps: int, lr: float = 0.05
) -> torch.Tensor:
    """`steps` of Adam on the noises themselves, from the encoder's means, towards the noises
    from which G redraws these renders best (L1, and a light pull to the prior's centre): the
    encoder is amortised and places G's blobs only roughly where the render's objects are."""
    z = z.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        loss = (gen(z, captions) - real).abs().mean() + 1e-3 * 0.5 * z.pow(2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return z.detach()


def generator_pairs(
    gen: FrozenGenerator,
    enc: PosteriorEncoder,
    scenes: Scenes,
    draws: int,
    seed: int = 0,
    chunk: int = 64,
    refine_steps: int = 0,
) -> Pairs:
    """For every scene, G's pictures of it: from the encoder's mean (refined by `refine_steps`
    of inversion when asked), and from `draws` samples of the posterior around it."""
    g = torch.Generator().manual_seed(seed + 1)
    out = []
    for start in range(0, len(scenes.captions), chunk):
        caps = scenes.captions[start : start + chunk]
        real = _signed(scenes.native[start : start + chunk])
        with torch.no_grad():
            mu, logvar = enc(real)
        if refine_steps:
            mu = refine_noise(gen, mu, real, caps, refine_steps)
        with torch.no_grad():
            per_scene = [gen(mu, caps)]
            for _ in range(draws):
                per_scene.append(gen(mu + torch.randn(mu.shape, generator=g) * (0.5 * logvar).exp(), caps))
        out.append(_uint8(torch.stack(per_scene, dim=1)))
    return Pairs(torch.cat(out), scenes.large, scenes.native)


def _gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


def agreement(drawn: torch.Tensor, target: torch.Tensor, tau: float, cell: int = 8) -> torch.Tensor:
    """[B, 1, H, W]: 1 where G's picture (enlarged) and the large render agree, 0 where they
    differ by more than `tau` on average over a `cell` x `cell` block (largest channel): an object
    G did not draw there, or drew elsewhere. Edges a pixel or two off still agree."""
    up = F.interpolate(drawn, size=target.shape[-2:], mode="bicubic", align_corners=False)
    diff = F.avg_pool2d((up - target).abs().amax(1, keepdim=True), cell, ceil_mode=True)
    return F.interpolate((diff < tau).float(), scale_factor=cell)[..., : target.shape[-2], : target.shape[-1]]


def _masked_mean(err: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (err * mask).sum() / (mask.sum() * err.shape[1]).clamp_min(1.0)


def restoring_loss(
    pred: torch.Tensor, target: torch.Tensor, grad_w: float, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """Pixel L1, plus `grad_w` times the L1 between the images' horizontal and vertical
    differences: an L1 alone settles for soft edges where G's blob leaves the edge's place
    uncertain; the gradient term pays for every edge that is missing or smeared. `mask`
    [B, 1, H, W] leaves pixels out (see `agreement`)."""
    if mask is None:
        mask = torch.ones_like(pred[:, :1])
    loss = _masked_mean((pred - target).abs(), mask)
    if grad_w > 0:
        (pdx, pdy), (tdx, tdy) = _gradients(pred), _gradients(target)
        mdx, mdy = mask[..., :, 1:] * mask[..., :, :-1], mask[..., 1:, :] * mask[..., :-1, :]
        loss = loss + grad_w * 0.5 * (_masked_mean((pdx - tdx).abs(), mdx) + _masked_mean((pdy - tdy).abs(), mdy))
    return loss


class PatchD(nn.Module):
    """A small spectral-normalised conv discriminator on large-size patches (hinge loss): one
    logit per 8 x 8 pixels, "does this patch look like a render". It reads no caption and needs
    no alignment, so it can ask for crisp flat shapes where the pixel loss, facing G's blobs
    that are not exactly where the render's objects are, only teaches a safe blur."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        chans = [3, width, 2 * width, 4 * width]
        layers: list[nn.Module] = []
        for cin, cout in itertools.pairwise(chans):
            layers += [sn(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers, sn(nn.Conv2d(chans[-1], 1, 3, 1, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def train_restoring_sr(
    pairs: Pairs, cfg: SRTrainConfig, init: SRNet | None = None, log: Log = print
) -> tuple[SRNet, list[float]]:
    """The ×`scale` net from G's pictures to the large renders (random crops, any of a scene's
    draws); starts from `init` when given. With `mismatch`, the pixels where G's picture and the
    render disagree (an object missing or moved) are left out: paying for them teaches the net
    to erase G's objects, since they are rarely drawn exactly where the render has them. With
    `render_mix`, that share of each batch is the scenes' own renders softened as in
    sr_train.py, so the net keeps turning soft objects into crisp ones. With `adv_w`, a patch
    discriminator (`PatchD`) trained on the large renders against the net's pictures of G's
    also has its say. Returns the net and every step's pixel loss."""
    torch.manual_seed(cfg.seed)
    net = SRNet(SRConfig(cfg.scale, cfg.channels, cfg.blocks))
    if init is not None:
        net.load_state_dict(init.state_dict())
    net.train().requires_grad_(True)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, cfg.steps))
    g = torch.Generator().manual_seed(cfg.seed)
    s, n = cfg.scale, pairs.drawn.shape[-1]
    c = min(cfg.crop, n)
    history: list[float] = []
    t0 = time.time()
    disc = PatchD() if cfg.adv_w > 0 else None
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.0, 0.9)) if disc is not None else None
    n_render = round(cfg.batch_size * cfg.render_mix)
    n_drawn = cfg.batch_size - n_render
    for step in range(cfg.steps):
        idx = torch.randint(0, len(pairs), (cfg.batch_size,), generator=g)
        k = torch.randint(0, pairs.drawn.shape[1], (n_drawn,), generator=g)
        y0, x0 = (int(v) for v in torch.randint(0, n - c + 1, (2,), generator=g))
        x = _signed(pairs.drawn[idx[:n_drawn], k, :, y0 : y0 + c, x0 : x0 + c])
        y = _signed(pairs.large[idx, :, y0 * s : (y0 + c) * s, x0 * s : (x0 + c) * s])
        mask = torch.ones_like(y[:, :1])
        if cfg.mismatch > 0:
            mask[:n_drawn] = agreement(x, y[:n_drawn], cfg.mismatch)
        if n_render:
            x = torch.cat([x, degrade(_signed(pairs.native[idx[n_drawn:], :, y0 : y0 + c, x0 : x0 + c]), cfg.blur, g)])
        pred = net(x)
        loss = restoring_loss(pred, y, cfg.grad_w, mask)
        total = loss
        if disc is not None and opt_d is not None:
            d_loss = F.relu(1 - disc(y)).mean() + F.relu(1 + disc(pred.detach())).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            total = loss - cfg.adv_w * disc(pred).mean()
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        sched.step()
        history.append(loss.item())
        if step % 250 == 0 or step == cfg.steps - 1:
            log(f"[restore-sr] sr step {step} loss {np.mean(history[-50:]):.4f} {time.time() - t0:.0f}s")
    return net.eval().requires_grad_(False), history


@torch.no_grad()
def restoring_gain(net: SRNet, pairs: Pairs) -> dict[str, float]:
    """L1 to the large renders of G's pictures from the posterior mean (scenes not trained on):
    the net against plain bicubic."""
    x = _signed(pairs.drawn[:, 0])
    y = _signed(pairs.large)
    sr, bic = [], []
    for i in range(0, len(x), 32):
        xb, yb = x[i : i + 32], y[i : i + 32]
        sr.append((net(xb).clamp(-1, 1) - yb).abs().mean(dim=(1, 2, 3)))
        up = F.interpolate(xb, scale_factor=net.cfg.scale, mode="bicubic", align_corners=False).clamp(-1, 1)
        bic.append((up - yb).abs().mean(dim=(1, 2, 3)))
    return {"sr_l1": round(torch.cat(sr).mean().item(), 4), "bicubic_l1": round(torch.cat(bic).mean().item(), 4)}


def restore_sr(
    package: str | Path,
    cfg: SRTrainConfig,
    *,
    out_dir: str | Path,
    models_dir: str | Path | None = None,
    write_to: str | Path | None = None,
    n_check: int = 100,
    log: Log = print,
) -> dict[str, Any]:
    """Train the package's restoring SR net on its own G's pictures and write it into the package
    (or into a copy of it at `write_to`). Work is kept under `out_dir` (the encoder, the pairs,
    the net), so a second call reuses it; a package whose SR net this already trained, with the
    same settings on the same generator, is left as it is (`make demo-models` runs again from a
    tree that has it). Returns what was measured, as recorded in model.json."""
    folder = resolve_model(package, models_dir)
    loaded = load_package(folder)
    settings = asdict(cfg)
    done = loaded.manifest.extra.get("training", {}).get("sr", {})
    generator_sha = loaded.manifest.files["generator"].sha256
    if write_to is None and done.get("settings") == settings and done.get("generator") == generator_sha:
        log(f"[restore-sr] {folder.name}: its SR net was trained so already, on this generator")
        return dict(done)
    category = loaded.manifest.category
    gen = FrozenGenerator(loaded)
    if cfg.native != gen.size:
        raise ValueError(f"sr.native is {cfg.native} but the generator of {folder.name} draws {gen.size} px")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    given = load_encoder(cfg.encoder, gen.nz, gen.size) if cfg.encoder else None
    log(
        f"[restore-sr] rendering {cfg.n_scenes} + {n_check} {category} scenes at {gen.size} and {gen.size * cfg.scale} px"
    )
    scenes = render_scenes(category, cfg.n_scenes, gen.size, cfg.scale, seed=cfg.seed)
    check = render_scenes(category, n_check, gen.size, cfg.scale, seed=cfg.seed + 1)

    # Work on disk is reused only for the same generator and the same scenes.
    key = {
        "generator": loaded.manifest.files["generator"].sha256,
        "encoder": cfg.encoder,
        "scenes": cfg.n_scenes,
        "seed": cfg.seed,
        "scale": cfg.scale,
        "encoder_steps": cfg.encoder_steps,
        "encoder_kl_w": cfg.encoder_kl_w,
    }
    enc_path = out / "encoder.pt"
    if given is not None:
        enc = given
        log(f"[restore-sr] encoder of {cfg.encoder}")
    elif enc_path.exists() and torch.load(enc_path, weights_only=False).get("key") == key:
        enc = load_encoder(enc_path, gen.nz, gen.size)
        log(f"[restore-sr] encoder of {enc_path}")
    else:
        enc, history = fit_encoder(gen, scenes, cfg, log)
        torch.save({"netE": enc.state_dict(), "redraw_l1": history, "key": key}, enc_path)

    pairs_path = out / "pairs.pt"
    key = {**key, "draws": cfg.draws, "refine_steps": cfg.refine_steps}
    saved = torch.load(pairs_path, weights_only=False) if pairs_path.exists() else {}
    if saved.get("key") == key:
        pairs = Pairs(saved["drawn"], saved["large"], scenes.native)
        held = Pairs(saved["check_drawn"], saved["check_large"], check.native)
    else:
        pairs = generator_pairs(gen, enc, scenes, cfg.draws, seed=cfg.seed, refine_steps=cfg.refine_steps)
        held = generator_pairs(gen, enc, check, 0, seed=cfg.seed + 1, refine_steps=cfg.refine_steps)
        torch.save(
            {
                "key": key,
                "drawn": pairs.drawn,
                "large": pairs.large,
                "check_drawn": held.drawn,
                "check_large": held.large,
            },
            pairs_path,
        )
    redraw = (_signed(held.drawn[:, 0]) - _signed(check.native)).abs().mean().item()
    log(f"[restore-sr] G redraws held-apart renders from their encoded noise with L1 {redraw:.3f}")

    shape = SRConfig(cfg.scale, cfg.channels, cfg.blocks)
    before = loaded.sr_net
    init = before if cfg.warm_start and before is not None and before.cfg == shape else None
    net, history = train_restoring_sr(pairs, cfg, init=init, log=log)
    gain = restoring_gain(net, held)
    if before is not None:
        gain["package_sr_l1"] = restoring_gain(before.float(), held)["sr_l1"]
    log(f"[restore-sr] L1 to the large renders of G's pictures of other scenes: {json.dumps(gain)}")
    note = {
        "method": "restoring SR trained on the generator's own pictures (generation/training/sr_generator.py)",
        "scenes": cfg.n_scenes,
        "draws_per_scene": cfg.draws + 1,
        "refine_steps": cfg.refine_steps,
        "steps": cfg.steps,
        "grad_w": cfg.grad_w,
        "mismatch": cfg.mismatch,
        "render_mix": cfg.render_mix,
        "adv_w": cfg.adv_w,
        "blur": cfg.blur,
        "warm_start": init is not None,
        "redraw_l1": round(redraw, 4),
        **gain,
        "generator": generator_sha,
        "settings": settings,
    }
    torch.save({"config": shape.to_dict(), "state": net.state_dict(), "note": note}, out / "sr.pt")
    target = folder
    if write_to is not None:
        target = Path(write_to)
        if target.resolve() != folder:
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(folder, target)
    replace_super_resolution(target, net, note=note)
    log(f"[restore-sr] wrote the SR net into {target} ({time.time() - t0:.0f}s in all)")
    return note
