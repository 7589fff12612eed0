"""GALIP training: hinge losses, MA-GP on CLIP features and the sentence embedding, CLIP
similarity in G, Adam (0, 0.9) with lr_G 1e-4 / lr_D 4e-4 (as in the GALIP paper, Tao et al., CVPR 2023).

Additions over the official loop, each because the small demo models needed it:
- DiffAugment (translation) on D's input, real and fake alike;
- a mode-seeking term: half the fake batch repeats the other half's sentences with new noise,
  and G pays when the two images of a pair are closer than `ms_target` (mean |Δpixel|), so
  seeds of one prompt differ instead of collapsing to one picture;
- an EMA copy of G, which is what gets exported;
- sentence embeddings cached per caption (the CLIP text tower is frozen), so each caption is
  encoded once per run;
- for a G with word attention (NetGConfig.word_attn), the captions' token embeddings, computed
  per batch with the frozen text tower;
- optionally a second, pixel-space discriminator with an attribute reader (pixel_d.PixelD), for
  the parts a small CLIP cannot see;
- optionally a reconstruction path (encoder.PosteriorEncoder, `Stage.rec_w`): G redraws real
  renders from the noise an encoder reads off them, under their own captions.

Networks come from generation.engine (NetG/NetD/NetC, CLIPImageEncoder); this module only
trains them. Checkpoints hold everything needed to resume at the same step.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from generation.engine.archs import GALIPArch
from generation.engine.clip import CLIPImageEncoder
from generation.engine.galip import GBlock, NetC, NetCConfig, NetD, NetDConfig, NetG, NetGConfig
from generation.engine.package import ModelManifest, write_package
from generation.engine.sampler import resolve_device
from generation.engine.upscale import SRNet

from .augment import diff_augment
from .clip_train import ClipBundle, attribute_targets, retune_text, text_parameters
from .config import BuildConfig, PackageSpec, Stage
from .data import Pair, load_image, pair_weights
from .encoder import PosteriorEncoder, dimensions_read, kl_to_prior
from .layout import (
    PRESENT,
    LayoutNet,
    describe,
    load_layout,
    own_targets,
    part_moves,
    save_layout,
    seeking_pay,
    train_layout_net,
)
from .pixel_d import PixelD, caption_labels

SCENE_LAYOUTS = 2  # other layouts rendered per training scene for its own layout targets
IMAGES_ON_GPU_MAX = 4 << 30  # bytes of uint8 renders kept on the GPU (16,000 at 128 px: 0.8 GB)


def make_arch(cfg: BuildConfig, clip: ClipBundle, name: str = "galip-demo") -> GALIPArch:
    """GALIP shapes tied to the CLIP: grid, widths and cond_dim come from it, the rest from cfg."""
    c = clip.config
    g = {"cond_dim": c.embed_dim, "grid": c.grid, "clip_width": c.vision_width, **cfg.gan.netg}
    d = {"clip_width": c.vision_width, "tap_layers": tuple(cfg.gan.tap_layers), **cfg.gan.netd}
    netd = NetDConfig(**d)
    cc = {"in_ch": netd.out_ch, "cond_dim": c.embed_dim, "grid": c.grid, **cfg.gan.netc}
    return GALIPArch(name, c, NetGConfig.from_dict(g), netd, NetCConfig(**cc))


def grown_blocks(theirs: NetGConfig, ours: NetGConfig) -> list[int] | None:
    """The G blocks `ours` adds at the end of `theirs` ([] for none), or None when `ours` is not
    `theirs` plus blocks: the first blocks must keep their channels and sizes, and every new
    block keeps its channel count (so its shortcut is the identity and it can start as a plain
    enlargement of what the old last block drew)."""
    n = theirs.n_blocks
    chs, sizes = ours.channels(), ours.sizes()
    if ours.n_blocks < n or chs[: n + 1] != theirs.channels() or sizes[:n] != theirs.sizes():
        return None
    if any(chs[j] != chs[j + 1] for j in range(n, ours.n_blocks)):
        return None
    return list(range(n, ours.n_blocks))


def stage_index(stages: list[Stage], step: int) -> int:
    """The index of the stage that owns global step `step` (stages run back to back)."""
    end = 0
    for i, s in enumerate(stages):
        end += s.steps
        if step < end:
            return i
    return len(stages) - 1


def stage_at(stages: list[Stage], step: int) -> Stage:
    """The stage that owns global step `step`."""
    return stages[stage_index(stages, step)]


class GALIPTrainer:
    def __init__(
        self,
        cfg: BuildConfig,
        clip: ClipBundle,
        pairs: list[Pair],
        *,
        log: Callable[[str], None] = print,
        device: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.log = log
        self.device = resolve_device(device or cfg.run.device)
        self.out = Path(cfg.run.out_dir)
        (self.out / "samples").mkdir(parents=True, exist_ok=True)
        torch.manual_seed(cfg.run.seed)
        np.random.seed(cfg.run.seed)
        self.clip = clip
        clip.model.to(self.device).eval().requires_grad_(False)
        self.arch = make_arch(cfg, clip)
        self.visual = cast(nn.Module, clip.model.visual)
        self.base_upsample = self.arch.netG.upsample  # gan.netg's; a stage may switch it
        self.netG = NetG(self.arch.netG, self.visual).to(self.device)
        self.netD = NetD(self.arch.netD).to(self.device)
        self.netC = NetC(self.arch.netC).to(self.device)
        self.img_enc = CLIPImageEncoder(clip.model, self.arch.netD.tap_layers).to(self.device)
        self.g_params = {n: p for n, p in self.netG.named_parameters() if p.requires_grad}
        self.init_from: dict[str, object] = {}
        if cfg.gan.init_package and not self.checkpoint_path().exists():
            # (a run that has a checkpoint resumes from it: the package may since have been
            # overwritten by this build's own export, or by a later build's)
            self._init_from_package(cfg.gan.init_package)
        self.ema = {n: p.detach().clone() for n, p in self.g_params.items()}
        self.optG = self._adam(list(self.g_params.values()), lr=1e-4, betas=(0.0, 0.9))
        self.optD = self._adam(list(self.netD.parameters()) + list(self.netC.parameters()), lr=4e-4, betas=(0.0, 0.9))
        self.amp = cfg.run.amp and self.device.type == "cuda"
        self.step = 0
        self.history: list[dict[str, float]] = []

        size = self.arch.netG.native_size()[0]
        self.pairs = pairs
        self.images = torch.from_numpy(np.stack([load_image(p.image, size) for p in pairs])).permute(0, 3, 1, 2)
        if self.device.type == "cuda" and self.images.numel() <= IMAGES_ON_GPU_MAX:
            # Batches are gathered and scaled on the GPU: on the host, a batch of 512 at 128 px is
            # 100 MB of floats to write and copy every step.
            self.images = self.images.to(self.device)
        self.captions = [c for p in pairs for c in p.captions]
        owner = [i for i, p in enumerate(pairs) for _ in p.captions]
        # owner is sorted, so the first caption of pair i is where i first appears in it
        self.cap_first = torch.from_numpy(np.searchsorted(np.array(owner), np.arange(len(pairs))))
        self.cap_count = torch.tensor([len(p.captions) for p in pairs])
        # None: every pair alike, drawn by torch.randint as before data.oversample (runs reproduce)
        self.pair_weight = torch.from_numpy(pair_weights(pairs, cfg.data.oversample)) if cfg.data.oversample else None
        self.pixD: PixelD | None = None
        if any(s.pix_w or s.pix_attr_w for s in cfg.gan.stages):
            heads, self.pair_labels = attribute_targets(pairs)
            self.cap_labels = caption_labels(self.captions, owner, heads, self.pair_labels)
            self.attr_heads = heads
            self._new_pixel_d()
        self.netE: PosteriorEncoder | None = None
        if any(s.rec_w for s in cfg.gan.stages):
            self.netE = PosteriorEncoder(self.arch.netG.nz, size).to(self.device)
            self.optE = self._adam(self.netE.parameters(), lr=1e-4, betas=(0.5, 0.999))
        # Where the parts sit, for mode seeking on layout (Stage.ms_layout_w): trained when a
        # stage first asks, with how far renders move each part as the targets (_prepare_layout).
        self.layout_net: LayoutNet | None = None
        self.layout_target = torch.zeros(0)
        self.scene_target: torch.Tensor | None = None  # [pairs, parts], where the data has scenes
        self.pixd_ready = False  # its reader trained (warm-up done or restored from a checkpoint)
        self.pixd_reset = ""  # the last stage whose `reset_pixel_d` has been done
        self.d_ready = cfg.gan.d_warmup == 0  # the Ds trained alone against G (gan.d_warmup)
        self.e_ready = cfg.gan.e_warmup == 0  # the encoder trained alone against G (gan.e_warmup)
        self.emb_cache = torch.zeros(len(self.captions), clip.config.embed_dim)
        self.emb_done = torch.zeros(len(self.captions), dtype=torch.bool)
        # Each caption's tokens, for G's word attention: tokenizing a batch's 512 captions again
        # for each pass of G took about 40 ms of host time here, twice a step.
        self.tok_cache = torch.zeros(len(self.captions), clip.config.context_length, dtype=torch.int32)
        self.tok_done = torch.zeros(len(self.captions), dtype=torch.bool)
        # The CLIP text tower as it came, and re-tuned once a stage asks (Stage.retune_text).
        self.text_base = {n: p.detach().clone() for n, p in text_parameters(clip.model).items()}
        self.text_tuned = False
        self.gen = torch.Generator().manual_seed(cfg.run.seed)
        self.sample_prompts = (
            cfg.run.sample_prompts or [pairs[i].captions[0] for i in range(0, len(pairs), max(1, len(pairs) // 8))][:8]
        )
        self.sample_noise = torch.randn(4, self.arch.netG.nz, generator=torch.Generator().manual_seed(1234))

    def _adam(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
        """Adam as one fused kernel on a GPU, and as a few whole-list ops on the CPU: G holds some
        360 small tensors, and one update per tensor (PyTorch's CPU default) cost 9,400 ops a step,
        enough host time to hold an H200 at 3.5 steps/s."""
        if self.device.type == "cuda":
            return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)

    def _new_pixel_d(self) -> None:
        self.pixD = PixelD(self.clip.config.embed_dim, self.attr_heads, self.cfg.gan.pixd_width).to(self.device)
        self.optP = self._adam(self.pixD.adversarial_parameters(), lr=4e-4, betas=(0.0, 0.9))
        # The reader is a plain classifier of real renders: classifier settings, not GAN ones.
        self.optA = self._adam(self.pixD.reader_parameters(), lr=1e-3, betas=(0.5, 0.999))

    def _init_from_package(self, name: str) -> None:
        """G's trainable weights from a model package's generator (fine-tuning)."""
        from generation.engine.package import load_package, resolve_model

        loaded = load_package(resolve_model(name, self.cfg.models_dir), device="cpu")
        theirs, ours = loaded.manifest.arch.netG, self.arch.netG
        # A G without word attention may grow it (the new layers start as the identity); one
        # with it cannot drop it. A G may also grow blocks at its end (grown_blocks), and every
        # other field must match.
        adds_words = ours.word_attn and not theirs.word_attn
        drops_words = theirs.word_attn and not ours.word_attn
        grown = grown_blocks(theirs, ours)
        same_size = dataclasses.replace(
            theirs,
            word_attn=ours.word_attn,
            imsize=ours.imsize,
            out_size=ours.out_size,
            block_sizes=ours.block_sizes,
            block_channels=ours.block_channels,
        )
        if drops_words or grown is None or same_size != ours:
            raise ValueError(f"gan.init_package {name!r}: its generator is {theirs}, but gan.netg describes {ours}")
        state = loaded.netG.state_dict()
        new = tuple(f"GBlocks.{j}." for j in grown)
        with torch.no_grad():
            for n, p in self.g_params.items():
                if n in state and not n.startswith(new):
                    p.copy_(state[n].float())
                elif not (adds_words and n.startswith("word_attn.")) and not n.startswith(new):
                    raise ValueError(f"gan.init_package {name!r}: its generator has no weight {n}")
            for j in grown:  # a new block starts as a plain enlargement: its residual is zero
                block = cast(GBlock, self.netG.GBlocks[j])
                nn.init.zeros_(block.c2.weight)
                nn.init.zeros_(cast(torch.Tensor, block.c2.bias))
        if adds_words:
            self.log("[galip] G's word attention is new: it starts as the identity")
        if grown:
            self.log(f"[galip] G grows blocks {list(grown)} to {ours.out_size} px: they start as a plain enlargement")
        record = loaded.manifest.extra.get("training", {})
        steps = record.get("exported_step", record.get("steps", 0))  # a snapshot's step, not its run's
        self.init_from = {"package": loaded.manifest.name, "steps": steps}
        self.log(f"[galip] G starts from package {loaded.manifest.name} (trained {steps} steps)")

    # -- data ----------------------------------------------------------------------------------
    def _embeddings(self, cap_idx: torch.Tensor) -> torch.Tensor:
        todo = cap_idx[~self.emb_done[cap_idx]].unique()
        if len(todo):
            self.emb_cache[todo] = self.clip.encode_texts([self.captions[i] for i in todo.tolist()]).cpu()
            self.emb_done[todo] = True
        return self.emb_cache[cap_idx]

    def _words(self, cap_idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The token embeddings and padding of these captions, for a G with word attention
        (the token ids are cached per caption; the embeddings are computed per batch: a cache of
        every caption's would take gigabytes)."""
        if not self.arch.netG.word_attn:
            return ()
        todo = cap_idx[~self.tok_done[cap_idx]].unique()
        if len(todo):
            self.tok_cache[todo] = self.clip.tokens([self.captions[i] for i in todo.tolist()]).to(torch.int32)
            self.tok_done[todo] = True
        words, pad = self.clip.encode_word_tokens(self.tok_cache[cap_idx].long())
        return words.to(self.device), pad.to(self.device)

    def _batch(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Real images, their sentence embeddings, and the pair and caption indices drawn."""
        if self.pair_weight is None:
            idx = torch.randint(0, len(self.pairs), (batch_size,), generator=self.gen)
        else:
            idx = torch.multinomial(self.pair_weight, batch_size, replacement=True, generator=self.gen)
        cap = self.cap_first[idx] + (torch.rand(batch_size, generator=self.gen) * self.cap_count[idx]).long()
        real = self.images[idx.to(self.images.device)].float().div(127.5).sub(1)
        return real.to(self.device), self._embeddings(cap).to(self.device), idx, cap

    # -- one GALIP step ------------------------------------------------------------------------
    def _autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.amp)

    def train_step(self, stage: Stage, update_g: bool = True) -> dict[str, float]:
        """One GALIP step; with update_g=False only the Ds learn (gan.d_warmup) and the step
        count stays."""
        self.prepare(stage)
        opts = [(self.optG, stage.lr_g), (self.optD, stage.lr_d)]  # the reader keeps its own lr
        if self.pixD is not None:
            opts.append((self.optP, stage.lr_d))
        for opt, lr in opts:
            for group in opt.param_groups:
                group["lr"] = lr
        real, sent, idx, cap = self._batch(stage.batch_size)
        b = real.shape[0]
        half = b // 2
        # Pairs (i, i+half) share a sentence and differ in noise: the mode-seeking pairs.
        fake_order = torch.cat([torch.arange(half), torch.arange(half), torch.arange(2 * half, b)])
        sent_fake = sent[fake_order.to(self.device)]
        noise = torch.randn(b, self.arch.netG.nz, device=self.device)

        # D step. CLIP is frozen, so the fake taps are computed once with G's graph and used
        # detached here and attached in the G step (the same numbers GALIP's two passes give).
        with self._autocast(), torch.set_grad_enabled(update_g):
            fake = self.netG(noise, sent_fake, None, *self._words(cap[fake_order])).float()
            fake_aug, real_aug = diff_augment(fake, stage.diffaug), diff_augment(real, stage.diffaug)
            fake_taps, fake_emb = self.img_enc(fake_aug)
            with torch.no_grad():
                real_taps, _ = self.img_enc(real_aug)
        real_taps = real_taps.float().detach().requires_grad_(True)
        sent_gp = sent.detach().requires_grad_(True)
        self.netD.requires_grad_(True)
        self.netC.requires_grad_(True)
        with self._autocast():
            feat_real = self.netD(real_taps)
            out_real = self.netC(feat_real, sent_gp).float()
            out_mis = self.netC(feat_real, sent_gp.roll(1, 0)).float()
            out_fake = self.netC(self.netD(fake_taps.detach().float()), sent_fake).float()
        err_real = F.relu(1.0 - out_real).mean()
        err_mis = F.relu(1.0 + out_mis).mean()
        err_fake = F.relu(1.0 + out_fake).mean()
        grads = torch.autograd.grad(out_real.sum(), (real_taps, sent_gp), create_graph=True)
        g = torch.cat([grads[0].flatten(1), grads[1].flatten(1)], 1).float()
        gp = stage.gp_w * g.norm(2, dim=1).pow(stage.gp_p).mean()
        err_d = err_real + 0.5 * (err_fake + err_mis) + gp
        self.optD.zero_grad(set_to_none=True)
        err_d.backward()
        self.optD.step()
        uses_pix = self.pixD is not None and bool(stage.pix_w or stage.pix_attr_w)
        pix = self._pixel_d_step(stage, real_aug, fake_aug.detach(), sent, sent_fake, idx) if uses_pix else {}
        d_losses = {"d": err_d.item(), "d_real": err_real.item(), "d_fake": err_fake.item(), "d_mis": err_mis.item()}
        if not update_g:
            return {**d_losses, **pix}

        # G step against the updated D (D's parameters frozen so no grads are spent on them).
        self.netD.requires_grad_(False)
        self.netC.requires_grad_(False)
        with self._autocast():
            out = self.netC(self.netD(fake_taps.float()), sent_fake).float()
        adv = -out.mean()
        sim = F.cosine_similarity(fake_emb.float(), sent_fake.float(), dim=-1).mean()
        pair_dist = (fake[:half] - fake[half : 2 * half]).abs().mean((1, 2, 3))
        ms = F.relu(self.cfg.gan.ms_target - pair_dist).mean() if half else fake.new_zeros(())
        err_g = adv - stage.sim_w * sim + stage.ms_w * ms
        if uses_pix:
            assert self.pixD is not None
            self.pixD.requires_grad_(False)
            with self._autocast():
                pix_g = -self.pixD.judge(self.pixD(fake_aug), sent_fake).float().mean()
                logits = self.pixD.read(fake_aug)
            attr_fake = self.pixD.attribute_loss(logits.float(), self.cap_labels[cap[fake_order]].to(self.device))
            err_g = err_g + stage.pix_w * pix_g + stage.pix_attr_w * attr_fake
            pix.update(pix_g=pix_g.item(), attr_fake=attr_fake.item())
        if stage.ms_layout_w and half:
            ms_lay, lay_moved = self._layout_seeking(fake, half, real, idx)
            err_g = err_g + stage.ms_layout_w * ms_lay
            pix.update(ms_lay=ms_lay.item(), lay_moved=lay_moved.item())
        rec = self._reconstruction(stage, real, sent, cap, judged=True) if stage.rec_w and self.netE is not None else {}
        read = rec.pop("read", None)
        if read is not None and stage.lat_w:
            lat = self._latent_regression(fake, noise, read)
            rec["loss"] = rec["loss"] + stage.lat_w * lat
            rec["lat"] = lat
        if rec:
            err_g = err_g + rec.pop("loss")
            self.optE.zero_grad(set_to_none=True)
        self.optG.zero_grad(set_to_none=True)
        err_g.backward()
        self.optG.step()
        if rec:
            self.optE.step()
        self._update_ema()
        self.step += 1
        return {
            **d_losses,
            "gp": gp.item(),
            "g_adv": adv.item(),
            "sim": sim.item(),
            "pair_dist": pair_dist.mean().item(),
            **pix,
            **{k: v.item() for k, v in rec.items()},
        }

    def _reconstruction(
        self, stage: Stage, real: torch.Tensor, sent: torch.Tensor, cap: torch.Tensor, judged: bool = False
    ) -> dict[str, torch.Tensor]:
        """G redraws each real render from the noise the encoder reads off it (reparameterised),
        under the render's own caption: rec_w * L1 + rec_feat_w * L1 of the CLIP image taps +
        kl_w * KL, as the "loss" entry; "read" is how much the encoder reads each noise dimension
        (1 - its mean posterior variance), "e_dims" their sum. `judged` (G's step, whose Ds are
        frozen): plus rec_adv_w * GALIP's adversarial loss on the redrawings."""
        assert self.netE is not None
        with self._autocast():
            mu, logvar = self.netE(real)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            redrawn = self.netG(z.float(), sent, None, *self._words(cap)).float()
        l1 = (redrawn - real).abs().mean()
        kl = kl_to_prior(mu.float(), logvar.float())
        read = dimensions_read(logvar)
        out = {"loss": stage.rec_w * l1 + stage.kl_w * kl, "rec_l1": l1, "kl": kl, "read": read, "e_dims": read.sum()}
        if stage.rec_feat_w:
            with self._autocast():
                taps, _ = self.img_enc(redrawn)
                with torch.no_grad():
                    want, _ = self.img_enc(real)
            feat = (taps.float() - want.float()).abs().mean()
            out["loss"] = out["loss"] + stage.rec_feat_w * feat
            out["rec_feat"] = feat
        if judged and stage.rec_adv_w:
            with self._autocast():
                taps, _ = self.img_enc(diff_augment(redrawn, stage.diffaug))
                adv = -self.netC(self.netD(taps.float()), sent).float().mean()
            out["loss"] = out["loss"] + stage.rec_adv_w * adv
            out["rec_adv"] = adv
        return out

    def _latent_regression(self, fake: torch.Tensor, noise: torch.Tensor, read: torch.Tensor) -> torch.Tensor:
        """|E(G(z)).mu - z| (BicycleGAN's cLR), averaged over the noise dimensions weighted by
        `read`: how much the encoder reads each one off renders (1 - its posterior variance; its
        KL leaves most of the 100 at the prior, where no picture could move it). The encoder is
        frozen for this term (its parameters get no gradient from it), so G, not the encoder, is
        what moves: towards pictures whose arrangement tells their noise apart."""
        assert self.netE is not None
        self.netE.requires_grad_(False)
        with self._autocast():
            mu, _ = self.netE(fake)
        self.netE.requires_grad_(True)
        per_dim = (mu.float() - noise).abs().mean(0)
        return (per_dim * read).sum() / read.sum().clamp_min(1e-6)

    def _layout_seeking(
        self, fake: torch.Tensor, half: int, renders: torch.Tensor, idx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Mode seeking on where things sit (layout.seeking_pay): for each part the caption's
        render (`renders[i]`, of pair `idx[i]`, whose caption seed pair i draws) shows, how far
        short of its target (what renders with other layout seeds move it: that scene's own,
        `scene_target`, or the category's, `layout_target`) the pair moved it, the whole target
        where a picture leaves it out; and the pairs' mean move (layout.mean_move), for the log.
        A part renders keep in place (food's vessel, a face, a forest) is asked to move little,
        so G is not paid to bend it. The part-map net is frozen."""
        assert self.layout_net is not None
        with self._autocast():
            logits = self.layout_net(torch.cat([fake[: 2 * half], renders[:half].detach()]).float())
        maps = logits.float().softmax(1)
        a, b, render = maps[:half], maps[half : 2 * half], maps[2 * half :]
        asked = describe(render)[1].detach() >= PRESENT
        target = self.layout_target if self.scene_target is None else self.scene_target[idx[:half].cpu()]
        pay, moved = seeking_pay(a, b, asked, target.to(maps.device))
        return pay, moved.mean()

    def _prepare_layout(self) -> None:
        """The part-map net (trained once per run on renders of the run's category, with a seed
        of its own, and kept in the run's folder), and its targets: how far each part moves, as
        it reads them, between two renders of one scene's attributes with other layout seeds
        (the mean over 32 scenes that show it in both; 0 for a part none shows)."""
        from .renders import render_variants, shrink
        from .synthetic import RENDERERS, sample_scene

        category = self.cfg.synthetic.categories[0]
        path = self.out / "layout-train.safetensors"
        if not path.exists():  # (then read back: a resumed run reads the same half-precision weights)
            gan = self.cfg.gan
            trained = train_layout_net(
                category, n_train=gan.layout_renders, steps=gan.layout_steps, seed=1, log=self.log
            )
            save_layout(trained, path, category)
        net = load_layout(path).to(self.device).requires_grad_(False)
        moved, both = [], []
        with torch.no_grad():
            for i in range(32):
                pair = shrink(render_variants(sample_scene(category, 61_000_000 + i, "any"), 2, salt=3))
                maps = net(pair.to(self.device)).float().softmax(1).cpu()
                m, b = part_moves(maps[:1], maps[1:])
                moved.append(m[0] * b[0])
                both.append(b[0])
        shown = torch.stack(both).sum(0)
        self.layout_net, self.layout_target = net, torch.stack(moved).sum(0) / shown.clamp_min(1)
        targets = ", ".join(
            f"{part} {t:.3f}"
            for part, t, n in zip(RENDERERS[category].parts, self.layout_target.tolist(), shown, strict=True)
            if n
        )
        self.log(f"[galip] layout: part-map net ready; two layout seeds of one scene move its parts: {targets}")
        self.scene_target = self._scene_targets(net, self.layout_target)

    @torch.no_grad()
    def _scene_targets(self, net: LayoutNet, fallback: torch.Tensor) -> torch.Tensor | None:
        """Each training pair's own targets, [pairs, parts] (layout.own_targets): how far the
        net reads each part move from the pair's image to renders of its scene with
        SCENE_LAYOUTS other layout seeds, at the data's size; `fallback` for the parts none of
        them shows, and for pairs without a scene (data not from the renderer). None when no
        pair has one."""
        from .renders import render_variants_of
        from .synthetic import RENDERERS, Scene

        scenes = {
            i: Scene.from_json(p.meta["scene"])
            for i, p in enumerate(self.pairs)
            if isinstance(p.meta.get("scene"), dict)
        }
        rows = list(scenes)
        if not rows:
            return None
        out = fallback.expand(len(self.pairs), -1).clone()
        size = self.images.shape[-1]
        drawn = render_variants_of(
            (scenes[i] for i in rows), SCENE_LAYOUTS, 4, size, workers=self.cfg.synthetic.workers
        )
        for start in range(0, len(rows), 256):
            chunk = rows[start : start + 256]
            own = net.part_map(
                self.images[torch.tensor(chunk, device=self.images.device)].to(self.device).float().div(127.5).sub(1)
            )
            variants = torch.stack([next(drawn) for _ in chunk])
            others = [net.part_map(variants[:, k].to(self.device)) for k in range(SCENE_LAYOUTS)]
            out[chunk] = own_targets(own, others, fallback.to(self.device)).cpu()
        category = self.cfg.synthetic.categories[0]
        means = ", ".join(
            f"{p} {t:.3f}" for p, t in zip(RENDERERS[category].parts, out[rows].mean(0).tolist(), strict=True)
        )
        self.log(
            f"[galip] layout: each of {len(rows)} scenes its own targets ({SCENE_LAYOUTS} other layouts), mean {means}"
        )
        return out

    def prepare(self, stage: Stage) -> None:
        """The warm-ups still owed before `stage` trains G: the pixel D's reader, then the Ds.
        A stage with `reset_pixel_d` first gets a new pixel D, so both warm-ups run again."""
        if self.pixD is not None and stage.reset_pixel_d and self.pixd_reset != stage.name:
            self.log(f"[galip] stage {stage.name}: a new pixel D and attribute reader from step {self.step}")
            self._new_pixel_d()
            self.pixd_ready, self.d_ready, self.pixd_reset = False, self.cfg.gan.d_warmup == 0, stage.name
        if self.pixD is not None and stage.pix_attr_w and not self.pixd_ready:
            self.warm_pixel_d(self.cfg.gan.pixd_warmup, stage)
        if not self.d_ready:
            self.warm_d(self.cfg.gan.d_warmup, stage)
        if not self.e_ready and stage.rec_w and self.netE is not None:
            self.warm_e(self.cfg.gan.e_warmup, stage)
        if stage.ms_layout_w and self.layout_net is None:
            self._prepare_layout()

    def warm_pixel_d(self, steps: int, stage: Stage) -> None:
        """Train the pixel D's attribute reader on real renders alone."""
        assert self.pixD is not None
        self.pixd_ready = True
        if not (self.pair_labels >= 0).any():
            self.log("[galip] no pair carries a synthetic scene: the attribute reader has nothing to learn")
            return
        self.pixD.requires_grad_(True)
        t0, acc = time.time(), []
        for i in range(1, steps + 1):
            real, _, idx, _ = self._batch(stage.batch_size)
            with self._autocast():
                logits = self.pixD.read(diff_augment(real, stage.diffaug))
            loss = self.pixD.attribute_loss(logits.float(), self.pair_labels[idx].to(self.device))
            self.optA.zero_grad(set_to_none=True)
            loss.backward()
            self.optA.step()
            acc.append(loss.item())
            if i % 100 == 0 or i == steps:
                self.log(
                    f"[galip] pixel D warm-up {i}/{steps}: attribute loss {np.mean(acc):.4f} ({i / (time.time() - t0):.1f} steps/s)"
                )
                acc = []

    def warm_d(self, steps: int, stage: Stage) -> None:
        """Train GALIP's D (and the pixel D, where the stage uses it) alone against the current
        G: a G from a package (gan.init_package) meets Ds that start at chance."""
        self.d_ready = True
        t0, acc = time.time(), []
        for i in range(1, steps + 1):
            acc.append(self.train_step(stage, update_g=False))
            if i % 100 == 0 or i == steps:
                avg = {k: round(float(np.mean([a[k] for a in acc])), 4) for k in acc[0]}
                self.log(f"[galip] D warm-up {i}/{steps}: {json.dumps(avg)} ({i / (time.time() - t0):.1f} steps/s)")
                acc = []

    def warm_e(self, steps: int, stage: Stage) -> None:
        """Train the reconstruction path's encoder alone against the current, frozen G (its
        L1, feature and KL terms), so G's first redrawing starts from noise that means something."""
        assert self.netE is not None
        self.e_ready = True
        for p in self.g_params.values():
            p.requires_grad_(False)
        t0, acc = time.time(), []
        try:
            for i in range(1, steps + 1):
                real, sent, _, cap = self._batch(stage.batch_size)
                rec = self._reconstruction(stage, real, sent, cap)
                rec.pop("read")
                self.optE.zero_grad(set_to_none=True)
                rec.pop("loss").backward()
                self.optE.step()
                acc.append({k: v.item() for k, v in rec.items()})
                if i % 100 == 0 or i == steps:
                    avg = {k: round(float(np.mean([a[k] for a in acc])), 4) for k in acc[0]}
                    self.log(
                        f"[galip] encoder warm-up {i}/{steps}: {json.dumps(avg)} ({i / (time.time() - t0):.1f} steps/s)"
                    )
                    acc = []
        finally:
            for p in self.g_params.values():
                p.requires_grad_(True)

    def _pixel_d_step(
        self,
        stage: Stage,
        real: torch.Tensor,
        fake: torch.Tensor,
        sent: torch.Tensor,
        sent_fake: torch.Tensor,
        idx: torch.Tensor,
    ) -> dict[str, float]:
        """Hinge on real / fake / mismatched like GALIP's D; the attribute reader on real."""
        assert self.pixD is not None
        self.pixD.requires_grad_(True)
        with self._autocast():
            h_real = self.pixD(real)
            s_real, s_mis = self.pixD.judge(h_real, sent), self.pixD.judge(h_real, sent.roll(1, 0))
            s_fake = self.pixD.judge(self.pixD(fake), sent_fake)
            logits = self.pixD.read(real)
        hinge = F.relu(1.0 - s_real.float()).mean() + 0.5 * (
            F.relu(1.0 + s_fake.float()).mean() + F.relu(1.0 + s_mis.float()).mean()
        )
        attr_real = self.pixD.attribute_loss(logits.float(), self.pair_labels[idx].to(self.device))
        self.optP.zero_grad(set_to_none=True)
        self.optA.zero_grad(set_to_none=True)
        # The reader's loss is not scaled by pix_attr_w (that is what G pays): scaled up, it
        # outran Adam's second moment and the reader diverged within 20 steps.
        (stage.pix_w * hinge + (attr_real if stage.pix_attr_w else 0.0)).backward()
        self.optP.step()
        self.optA.step()
        return {"pix_d": hinge.item(), "attr_real": attr_real.item()}

    @torch.no_grad()
    def _update_ema(self) -> None:
        decay = self.cfg.gan.ema_decay if self.step >= self.cfg.gan.ema_start else 0.0
        # ema += (1 - decay) * (p - ema) over the whole list at once (as torch.optim.swa_utils
        # does): two ops per tensor would be some 2,500 a step.
        torch._foreach_lerp_(
            [self.ema[n] for n in self.g_params], [p.detach() for p in self.g_params.values()], 1 - decay
        )

    # -- loop ----------------------------------------------------------------------------------
    def total_steps(self) -> int:
        return sum(s.steps for s in self.cfg.gan.stages)

    def use_upsample(self, stage: Stage) -> None:
        """G's blocks enlarge as `stage` says (gan.netg's mode when it says nothing); the arch
        that samples, snapshots and exports are built from follows."""
        mode = stage.upsample or self.base_upsample
        if mode == self.arch.netG.upsample:
            return
        self.arch = dataclasses.replace(self.arch, netG=dataclasses.replace(self.arch.netG, upsample=mode))
        for block in self.netG.GBlocks:
            cast(GBlock, block).upsample = mode
        self.log(f"[galip] stage {stage.name}: G blocks upsample {mode} from step {self.step}")

    def use_upsample_of(self, step: int) -> None:
        """The mode G was in when it made `step`: that of the stage of the step before it."""
        self.use_upsample(stage_at(self.cfg.gan.stages, max(0, step - 1)))

    def use_text(self, step: int) -> None:
        """The text tower of the stage that owns `step`: re-tuned from the first stage with
        `retune_text` on (made once and kept in out_dir/clip_text.safetensors, so a resumed
        run reads the same weights), the CLIP's own before it. Changing it empties the cache
        of sentence embeddings."""
        stages = self.cfg.gan.stages
        tuned = any(s.retune_text for s in stages[: stage_index(stages, step) + 1])
        if tuned == self.text_tuned:
            return
        state = self.text_base
        if tuned:
            path = self.out / "clip_text.safetensors"
            if not path.exists():
                self.log(f"[galip] step {step}: re-tuning the CLIP text tower (gan.text_retune)")
                with torch.random.fork_rng(devices=[]):  # G's and D's random stream goes on as it was
                    bundle = retune_text(
                        self.clip,
                        self.pairs,
                        self.cfg.gan.text_retune,
                        seed=self.cfg.run.seed,
                        device=str(self.device),
                        log=self.log,
                    )
                save_file(
                    {n: p.detach().float().cpu().contiguous() for n, p in text_parameters(bundle.model).items()},
                    str(path),
                )
            state = load_file(str(path))
        with torch.no_grad():
            for n, p in text_parameters(self.clip.model).items():
                p.copy_(state[n].to(p.device))
        self.text_tuned = tuned
        self.emb_done.zero_()
        self.log(f"[galip] step {step}: sentence embeddings from the {'re-tuned' if tuned else 'original'} text tower")

    def use_stage_of(self, step: int) -> None:
        """G's resize mode and the text tower as they were when G made `step`."""
        self.use_upsample_of(step)
        self.use_text(max(0, step - 1))

    def train(self, max_steps: int | None = None, stop_file: str | Path | None = None) -> None:
        """Run the schedule from the current step; checkpoints, samples and logs as configured.

        `stop_file`: if that file appears, checkpoint and return (a clean way to end a
        background run early).
        """
        total = self.total_steps()
        end = min(total, self.step + max_steps) if max_steps else total
        run = self.cfg.run
        hist_path = self.out / "history.jsonl"
        # A progress bar on a terminal; background runs write the [galip] log lines instead.
        bar = tqdm(
            total=end, initial=self.step, desc="galip", file=sys.stderr, mininterval=5, disable=not sys.stderr.isatty()
        )
        if self.step < end:  # the warm-ups first (G as its stage has it), so the rate below is G's own
            first = stage_at(self.cfg.gan.stages, self.step)
            self.use_upsample(first)
            self.use_text(self.step)
            self.prepare(first)
        acc: dict[str, float] = {}
        t0, start, n_acc = time.time(), self.step, 0
        while self.step < end:
            stage = stage_at(self.cfg.gan.stages, self.step)
            self.use_upsample(stage)
            self.use_text(self.step)
            losses = self.train_step(stage)
            bar.update(1)
            self.history.append(losses)
            for k, v in losses.items():
                acc[k] = acc.get(k, 0.0) + v
            n_acc += 1
            if self.step % run.log_every == 0 or self.step == end:
                avg = {k: round(v / n_acc, 4) for k, v in acc.items()}
                rate = (self.step - start) / max(1e-9, time.time() - t0)
                self.log(f"[galip] step {self.step}/{total} stage {stage.name} {json.dumps(avg)} ({rate:.2f} steps/s)")
                with hist_path.open("a") as f:
                    f.write(json.dumps({"step": self.step, "stage": stage.name, **avg}) + "\n")
                acc, n_acc = {}, 0
            if self.step % run.sample_every == 0 or self.step == end:
                self.sample_grid(self.out / "samples" / f"step_{self.step:06d}.png")
            if self.step % run.checkpoint_every == 0 or self.step == end:
                self.save_checkpoint()
            if run.snapshot_every and self.step % run.snapshot_every == 0:
                torch.save({n: t.cpu() for n, t in self.ema.items()}, self.out / f"ema_{self.step:06d}.pt")
            if stop_file is not None and Path(stop_file).exists():
                self.save_checkpoint()
                self.log(f"[galip] stop file found at step {self.step}")
                break
        bar.close()

    # -- EMA generator, samples, checkpoints, export -------------------------------------------
    def ema_generator(self, ema: dict[str, torch.Tensor] | None = None) -> NetG:
        """A NetG carrying the EMA weights (or those of a snapshot); shares the frozen CLIP."""
        g = NetG(self.arch.netG, self.visual).to(self.device)
        state = g.state_dict()
        state.update({n: t.clone().to(self.device) for n, t in (ema or self.ema).items()})
        g.load_state_dict(state)
        return g.eval().requires_grad_(False)

    @torch.no_grad()
    def sample_grid(self, path: str | Path, prompts: list[str] | None = None) -> Path:
        prompts = prompts or self.sample_prompts
        g = self.ema_generator()
        emb = self.clip.encode_texts(prompts).to(self.device)
        rows = []
        n = len(self.sample_noise)
        for i, e in enumerate(emb):
            words: tuple[torch.Tensor, ...] = ()
            if self.arch.netG.word_attn:
                w, pad = self.clip.encode_words([prompts[i]])
                words = (w.to(self.device).expand(n, -1, -1), pad.to(self.device).expand(n, -1))
            x = g(self.sample_noise.to(self.device), e[None].expand(n, -1), None, *words)
            rows.append(torch.cat(list(x.clamp(-1, 1)), dim=2))
        grid = torch.cat(rows, dim=1).add(1).mul(127.5).round().byte().permute(1, 2, 0).cpu().numpy()
        Image.fromarray(grid).save(path)
        return Path(path)

    def checkpoint_path(self) -> Path:
        return self.out / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        state = {
            "step": self.step,
            "netG": {n: p.detach().cpu() for n, p in self.g_params.items()},
            "ema": {n: t.cpu() for n, t in self.ema.items()},
            "netD": self.netD.state_dict(),
            "netC": self.netC.state_dict(),
            "optG": self.optG.state_dict(),
            "optD": self.optD.state_dict(),
            "gen": self.gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "emb_cache": self.emb_cache,
            "emb_done": self.emb_done,
            "text_tuned": self.text_tuned,
            "d_ready": self.d_ready,
            "e_ready": self.e_ready,
            "init_from": self.init_from,
            "arch": self.arch.to_dict(),
        }
        if self.netE is not None:
            state.update(netE=self.netE.state_dict(), optE=self.optE.state_dict())
        if self.pixD is not None:
            state.update(
                pixD=self.pixD.state_dict(),
                optP=self.optP.state_dict(),
                optA=self.optA.state_dict(),
                pixd_ready=self.pixd_ready,
                pixd_reset=self.pixd_reset,
            )
        tmp = self.out / "checkpoint.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.checkpoint_path())

    def load_checkpoint(self) -> bool:
        path = self.checkpoint_path()
        if not path.exists():
            return False
        # Read onto the host: the weights and optimiser states are copied to where their modules
        # live, and the RNG states and the embedding cache must stay CPU tensors.
        state = torch.load(path, map_location="cpu", weights_only=False)
        with torch.no_grad():
            for n, p in self.g_params.items():
                p.copy_(state["netG"][n])
                self.ema[n].copy_(state["ema"][n])
        self.netD.load_state_dict(state["netD"])
        self.netC.load_state_dict(state["netC"])
        self.optG.load_state_dict(state["optG"])
        self.optD.load_state_dict(state["optD"])
        if self.netE is not None and "netE" in state:
            self.netE.load_state_dict(state["netE"])
            self.optE.load_state_dict(state["optE"])
        if self.pixD is not None and "pixD" in state:
            self.pixD.load_state_dict(state["pixD"])
            self.optP.load_state_dict(state["optP"])
            self.optA.load_state_dict(state["optA"])
            self.pixd_ready = bool(state["pixd_ready"])
            self.pixd_reset = state.get("pixd_reset", "")
        elif self.pixD is not None:
            self.log("[galip] the checkpoint has no pixel discriminator: it starts fresh")
        self.d_ready = bool(state.get("d_ready", True))
        self.e_ready = bool(state.get("e_ready", True))
        self.init_from = state.get("init_from", self.init_from)
        self.gen.set_state(state["gen"])
        torch.set_rng_state(state["torch_rng"])
        self.step = int(state["step"])
        self.use_stage_of(self.step)
        if state["emb_cache"].shape == self.emb_cache.shape and state.get("text_tuned", False) == self.text_tuned:
            self.emb_cache, self.emb_done = state["emb_cache"], state["emb_done"]
        self.log(f"[galip] resumed from {path} at step {self.step}")
        return True

    def export(
        self,
        spec: PackageSpec,
        out_dir: str | Path,
        extra: dict | None = None,
        ema: dict[str, torch.Tensor] | None = None,
        sr_net: SRNet | None = None,
    ) -> ModelManifest:
        """Write the EMA generator (or a snapshot of it) and the CLIP as an engine package (fp16)."""
        g = self.ema_generator(ema).cpu()
        manifest = write_package(
            out_dir,
            name=spec.name,
            category=spec.category,
            description=spec.description,
            trained=True,
            arch=self.arch,
            netG=g,
            clip_model=self.clip.model.cpu(),
            sr_net=sr_net,
            license="Weights trained by InstantPainting on its own synthetic renders; same license as the code.",
            extra={
                "title": spec.title or spec.name,
                "training": {
                    "steps": self.step,
                    **({"init_from": self.init_from} if self.init_from else {}),
                    **(extra or {}),
                },
            },
        )
        self.clip.model.to(self.device)
        return manifest


def history_summary(history: list[dict[str, float]], k: int = 5) -> dict[str, float]:
    first = float(np.mean([h["d"] for h in history[:k]]))
    last = float(np.mean([h["d"] for h in history[-k:]]))
    return {
        "d_first": first,
        "d_last": last,
        "steps": len(history),
        "finite": float(all(math.isfinite(h["d"]) for h in history)),
    }


__all__ = ["GALIPTrainer", "grown_blocks", "make_arch", "stage_at", "history_summary"]
