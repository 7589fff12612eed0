"""GALIP networks: the CLIP-empowered generator NetG, the CLIP-feature discriminator NetD and the
text-conditioned head NetC.

Written from the GALIP paper (Tao et al., CVPR 2023) and its official code (tobran/GALIP). The parameter names
are the official ones, so an official ``netG`` state dict loads with ``strict=True`` into
``NetG(NetGConfig(), clip_model.visual)`` built for ``ViT-B-32-quickgelu``.

Two generalisations over the official code, both neutral for the official config:

* every hard-coded number (7x7 bridge grid, 768 CLIP width, 224 last stage, 8 prompts in blocks
  1..8, 64/32 code channels) is a field of :class:`NetGConfig`, so small demo models can use a
  small CLIP and a 64 or 128 px output;
* the generator runs on a non-square bridge grid ``(gh, gw)`` when asked: the noise code map and
  the CLIP positional embedding are resampled to that grid and every G block scales its size by
  ``(gh/g, gw/g)``. On the square grid the computation is exactly GALIP's.

open_clip (>= 2.26) builds batch-first transformers, so tokens are [B, L, D] here and the prompt
token is appended on dim 1 (docs/engine.md, open_clip pitfalls); the official code is sequence-first.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .configs import NetCConfig, NetDConfig, NetGConfig, scaled_size

__all__ = [
    "NetGConfig",
    "NetDConfig",
    "NetCConfig",
    "NetG",
    "NetD",
    "NetC",
    "Affine",
    "DFBlock",
    "MBlock",
    "GBlock",
    "DBlock",
    "CLIPMapper",
    "CLIPAdapter",
    "WordAttention",
    "grid_positional_embedding",
]


def grid_positional_embedding(pos: torch.Tensor, grid_hw: tuple[int, int]) -> torch.Tensor:
    """CLIP positional embedding [1+g*g, D] resampled (bicubic) to a (gh, gw) patch grid.

    The class position is kept as is. On the trained square grid the tensor is returned unchanged.
    """
    g = math.isqrt(pos.shape[0] - 1)
    gh, gw = grid_hw
    if (gh, gw) == (g, g):
        return pos
    cls_pos, patch_pos = pos[:1], pos[1:]
    dim = pos.shape[1]
    patch_pos = patch_pos.float().reshape(1, g, g, dim).permute(0, 3, 1, 2)
    patch_pos = F.interpolate(patch_pos, size=(gh, gw), mode="bicubic", align_corners=False)
    patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(gh * gw, dim).to(pos.dtype)
    return torch.cat([cls_pos, patch_pos], dim=0)


class Affine(nn.Module):
    """Per-channel scale and shift predicted from the condition; starts as the identity."""

    def __init__(self, cond_dim: int, num_features: int) -> None:
        super().__init__()
        self.fc_gamma = nn.Sequential(
            OrderedDict(
                [
                    ("linear1", nn.Linear(cond_dim, num_features)),
                    ("relu1", nn.ReLU(inplace=True)),
                    ("linear2", nn.Linear(num_features, num_features)),
                ]
            )
        )
        self.fc_beta = nn.Sequential(
            OrderedDict(
                [
                    ("linear1", nn.Linear(cond_dim, num_features)),
                    ("relu1", nn.ReLU(inplace=True)),
                    ("linear2", nn.Linear(num_features, num_features)),
                ]
            )
        )
        self._reset_to_identity()

    def _reset_to_identity(self) -> None:
        nn.init.zeros_(self.fc_gamma.linear2.weight.data)
        nn.init.ones_(self.fc_gamma.linear2.bias.data)
        nn.init.zeros_(self.fc_beta.linear2.weight.data)
        nn.init.zeros_(self.fc_beta.linear2.bias.data)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        weight = self.fc_gamma(y)[:, :, None, None]
        bias = self.fc_beta(y)[:, :, None, None]
        return weight * x + bias


class DFBlock(nn.Module):
    """DF-GAN deep fusion: affine, LeakyReLU, affine, LeakyReLU."""

    def __init__(self, cond_dim: int, in_ch: int) -> None:
        super().__init__()
        self.affine0 = Affine(cond_dim, in_ch)
        self.affine1 = Affine(cond_dim, in_ch)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.affine0(x, y), 0.2)
        return F.leaky_relu(self.affine1(h, y), 0.2)


class MBlock(nn.Module):
    """Bridge-feature block at grid resolution: conv then fusion (twice), plus the input."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int, cond_dim: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, mid_ch, 3, 1, 1)
        self.fuse1 = DFBlock(cond_dim, mid_ch)
        self.conv2 = nn.Conv2d(mid_ch, out_ch, 3, 1, 1)
        self.fuse2 = DFBlock(cond_dim, out_ch)
        self.learnable_sc = in_ch != out_ch
        if self.learnable_sc:
            self.c_sc = nn.Conv2d(in_ch, out_ch, 1, 1, 0)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.fuse1(self.conv1(x), y)
        h = self.fuse2(self.conv2(h), y)
        return (self.c_sc(x) if self.learnable_sc else x) + h


class GBlock(nn.Module):
    """Up-sampling block: resize (nearest as in GALIP, or bilinear), then fusion before each
    3x3 conv, plus a shortcut."""

    def __init__(self, cond_dim: int, in_ch: int, out_ch: int, size: int, upsample: str = "nearest") -> None:
        super().__init__()
        self.size = size
        self.upsample = upsample
        self.learnable_sc = in_ch != out_ch
        self.c1 = nn.Conv2d(in_ch, out_ch, 3, 1, 1)
        self.c2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.fuse1 = DFBlock(cond_dim, in_ch)
        self.fuse2 = DFBlock(cond_dim, out_ch)
        if self.learnable_sc:
            self.c_sc = nn.Conv2d(in_ch, out_ch, 1, stride=1, padding=0)

    def forward(self, x: torch.Tensor, y: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
        size = size or (self.size, self.size)
        if self.upsample == "bilinear":
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        else:
            x = F.interpolate(x, size=size)
        h = self.c1(self.fuse1(x, y))
        h = self.c2(self.fuse2(h, y))
        return (self.c_sc(x) if self.learnable_sc else x) + h


class WordAttention(nn.Module):
    """Each position of a feature map reads the prompt's token embeddings (cross-attention), and
    adds what it read. The output projection starts at zero, so a generator trained without it
    computes exactly what it did until training moves it.

    ``words`` [B, L, word_dim]; ``pad`` [B, L], True where a position holds no token.
    """

    def __init__(self, channels: int, word_dim: int, heads: int = 4) -> None:
        super().__init__()
        self.norm = nn.GroupNorm(min(8, channels), channels)
        self.attn = nn.MultiheadAttention(channels, heads, kdim=word_dim, vdim=word_dim, batch_first=True)
        nn.init.zeros_(self.attn.out_proj.weight)
        nn.init.zeros_(self.attn.out_proj.bias)

    def forward(self, x: torch.Tensor, words: torch.Tensor, pad: torch.Tensor | None = None) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.norm(x).flatten(2).transpose(1, 2)  # [B, h*w, C]
        words = words.to(q.dtype)
        read, _ = self.attn(q, words, words, key_padding_mask=pad, need_weights=False)
        return x + read.transpose(1, 2).reshape(b, c, h, w)


class CLIPMapper(nn.Module):
    """Runs bridge features through the frozen CLIP ViT as patch tokens, with learned prompts.

    The CLIP modules are *shared* with the CLIP model passed in (as in GALIP), so loading a netG
    state dict also overwrites that model's visual weights. conv1 is registered only because it
    is in the official state dict (and tells the CLIP dtype); the patchify step is skipped.
    """

    def __init__(self, visual: nn.Module, n_prompts: int, prompt_start: int) -> None:
        super().__init__()
        self.conv1 = visual.conv1
        self.class_embedding = visual.class_embedding
        self.positional_embedding = visual.positional_embedding
        self.ln_pre = visual.ln_pre
        self.transformer = visual.transformer
        layers = len(self.transformer.resblocks)
        if prompt_start + n_prompts > layers:
            raise ValueError(f"{n_prompts} prompts from block {prompt_start} do not fit a {layers}-block ViT")
        self.n_prompts = n_prompts
        self.prompt_start = prompt_start

    def forward(self, x: torch.Tensor, prompts: torch.Tensor) -> torch.Tensor:
        in_dtype = x.dtype
        dtype = self.conv1.weight.dtype
        b, width, gh, gw = x.shape
        x = x.to(dtype).flatten(2).transpose(1, 2)  # [B, gh*gw, D]
        cls_tok = self.class_embedding.to(dtype).expand(b, 1, width)
        pos = grid_positional_embedding(self.positional_embedding, (gh, gw)).to(dtype)
        x = self.ln_pre(torch.cat([cls_tok, x], dim=1) + pos)
        prompts = prompts.to(dtype)
        for i, block in enumerate(self.transformer.resblocks):
            k = i - self.prompt_start
            if 0 <= k < self.n_prompts:
                # The prompt token joins the sequence for this block only, then is dropped.
                x = block(torch.cat([x, prompts[:, k : k + 1]], dim=1))[:, :-1]
            else:
                x = block(x)
        return x[:, 1:].transpose(1, 2).reshape(b, width, gh, gw).to(in_dtype)


class CLIPAdapter(nn.Module):
    """GALIP's bridge-feature predictor + prompt predictor + CLIP mapper (``netG.mapping``)."""

    def __init__(self, cfg: NetGConfig, visual: nn.Module) -> None:
        super().__init__()
        cond = cfg.cond_total
        self.map_weight = cfg.map_weight
        self.clip_width = cfg.clip_width
        self.FBlocks = nn.ModuleList([MBlock(cfg.code_ch, cfg.mid_ch, cfg.code_ch, cond) for _ in range(cfg.n_mblocks)])
        self.conv_fuse = nn.Conv2d(cfg.code_ch, cfg.clip_width, 5, 1, 2)
        self.CLIP_ViT = CLIPMapper(visual, cfg.n_prompts, cfg.prompt_start)
        self.conv = nn.Conv2d(cfg.clip_width, cfg.channels()[0], 5, 1, 2)
        self.fc_prompt = nn.Linear(cond, cfg.clip_width * cfg.n_prompts)

    def forward(
        self,
        code: torch.Tensor,
        cond: torch.Tensor,
        read_words: Callable[[int, torch.Tensor], torch.Tensor] | None = None,
    ) -> torch.Tensor:
        prompts = self.fc_prompt(cond).view(cond.size(0), -1, self.clip_width)
        for block in self.FBlocks:
            code = block(code, cond)
        if read_words is not None:
            code = read_words(0, code)
        fuse_feat = self.conv_fuse(code)
        map_feat = self.CLIP_ViT(fuse_feat, prompts)
        return self.conv(fuse_feat + self.map_weight * map_feat)


class NetG(nn.Module):
    """GALIP generator. ``forward(noise [B,nz], sent_emb [B,cond_dim])`` -> image [B,3,H,W], unbounded.

    ``clip_visual`` is the open_clip ``VisionTransformer`` (``clip_model.visual``); its modules are
    shared, and frozen unless ``freeze_clip=False``.

    With ``cfg.word_attn`` it also takes the prompt's token embeddings (``words`` [B, L, cond_dim],
    ``word_pad`` [B, L] True on padding, see ``clip.encode_words``) and reads them after the M
    blocks and after G blocks 0 and 1 (:class:`WordAttention`).
    """

    WORD_ATTN_BLOCKS = 2  # G blocks followed by a word attention (after the M blocks: one more)

    def __init__(self, cfg: NetGConfig, clip_visual: nn.Module, freeze_clip: bool = True) -> None:
        super().__init__()
        width = clip_visual.class_embedding.shape[0]
        if width != cfg.clip_width:
            raise ValueError(f"NetGConfig.clip_width={cfg.clip_width} but the CLIP visual width is {width}")
        vis_grid = math.isqrt(clip_visual.positional_embedding.shape[0] - 1)
        if vis_grid != cfg.grid:
            raise ValueError(f"NetGConfig.grid={cfg.grid} but the CLIP patch grid is {vis_grid}")
        self.cfg = cfg
        self.fc_code = nn.Linear(cfg.nz, cfg.grid * cfg.grid * cfg.code_ch)
        self.mapping = CLIPAdapter(cfg, clip_visual)
        chs, sizes = cfg.channels(), cfg.sizes()
        self.GBlocks = nn.ModuleList(
            [GBlock(cfg.cond_total, chs[j], chs[j + 1], sizes[j], cfg.upsample) for j in range(cfg.n_blocks)]
        )
        self.to_rgb = nn.Sequential(nn.LeakyReLU(0.2, inplace=True), nn.Conv2d(chs[-1], cfg.ch_size, 3, 1, 1))
        if cfg.word_attn:
            n = min(self.WORD_ATTN_BLOCKS, cfg.n_blocks)
            self.word_attn = nn.ModuleList(
                [WordAttention(cfg.code_ch, cfg.cond_dim)] + [WordAttention(chs[j + 1], cfg.cond_dim) for j in range(n)]
            )
        if freeze_clip:
            for p in self.mapping.CLIP_ViT.parameters():
                p.requires_grad_(False)

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]

    def forward(
        self,
        noise: torch.Tensor,
        sent_emb: torch.Tensor,
        grid_hw: tuple[int, int] | None = None,
        words: torch.Tensor | None = None,
        word_pad: torch.Tensor | None = None,
    ) -> torch.Tensor:
        cfg = self.cfg
        g = cfg.grid
        gh, gw = grid_hw or (g, g)
        read_words = None
        if cfg.word_attn:
            if words is None:
                raise ValueError("this generator reads the prompt's words: pass words= (clip.encode_words)")
            if words.shape[0] != noise.shape[0] or words.shape[-1] != cfg.cond_dim:
                raise ValueError(f"words must be [{noise.shape[0]}, L, {cfg.cond_dim}], got {list(words.shape)}")

            def read_words(k: int, x: torch.Tensor) -> torch.Tensor:
                return self.word_attn[k](x, words, word_pad)

        cond = torch.cat([noise, sent_emb.to(noise.dtype)], dim=1)  # noise first, as in GALIP
        code = self.fc_code(noise).view(noise.size(0), cfg.code_ch, g, g)
        if (gh, gw) != (g, g):
            # The code map is a latent layout, not pixels: resampling it gives the wider grid
            # a smooth layout that the M blocks then refine.
            code = F.interpolate(code, size=(gh, gw), mode="bicubic", align_corners=False)
        out = self.mapping(code, cond, read_words)
        for j, block in enumerate(self.GBlocks):
            out = block(out, cond, (scaled_size(block.size, gh, g), scaled_size(block.size, gw, g)))
            if read_words is not None and j + 1 < len(self.word_attn):
                out = read_words(j + 1, out)
        return self.to_rgb(out)


class DBlock(nn.Module):
    """x + gamma * conv_r(x) [+ beta * clip_feat]; gamma and beta start at 0 (GALIP D_Block)."""

    def __init__(self, fin: int, fout: int, clip_feat: bool) -> None:
        super().__init__()
        self.learned_shortcut = fin != fout
        self.conv_r = nn.Sequential(
            nn.Conv2d(fin, fout, 3, 1, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(fout, fout, 3, 1, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
        )
        # Registered in every block (it is in the official state dict) but used only when fin != fout.
        self.conv_s = nn.Conv2d(fin, fout, 1, stride=1, padding=0)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.has_clip_feat = clip_feat
        if clip_feat:
            self.beta = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, clip_feat: torch.Tensor | None = None) -> torch.Tensor:
        res = self.conv_r(x)
        if self.learned_shortcut:
            x = self.conv_s(x)
        out = x + self.gamma * res
        if self.has_clip_feat and clip_feat is not None:
            out = out + self.beta * clip_feat
        return out


class NetD(nn.Module):
    """GALIP NetD: ``forward(clip_taps [B, n_taps, C, g, g])`` -> features [B, out_ch, g, g]."""

    def __init__(self, cfg: NetDConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or NetDConfig()
        self.cfg = cfg
        n = len(cfg.tap_layers)
        self.DBlocks = nn.ModuleList([DBlock(cfg.clip_width, cfg.clip_width, clip_feat=True) for _ in range(n - 1)])
        self.main = DBlock(cfg.clip_width, cfg.out_ch, clip_feat=False)

    def forward(self, taps: torch.Tensor) -> torch.Tensor:
        out = taps[:, 0]
        for idx, block in enumerate(self.DBlocks):
            out = block(out, taps[:, idx + 1])
        return self.main(out)


class NetC(nn.Module):
    """GALIP NetC: ``forward(features [B,in_ch,g,g], sent_emb [B,cond_dim])`` -> logits [B,1,1,1].

    The second conv's kernel is ``grid - 3`` so the logit map is 1x1 for any grid (4 for GALIP's 7).
    """

    def __init__(self, cfg: NetCConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or NetCConfig()
        self.cfg = cfg
        self.joint_conv = nn.Sequential(
            nn.Conv2d(cfg.in_ch + cfg.cond_dim, cfg.hidden, 4, 1, 0, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(cfg.hidden, 1, cfg.grid - 3, 1, 0, bias=False),
        )

    def forward(self, features: torch.Tensor, sent_emb: torch.Tensor) -> torch.Tensor:
        b, _, h, w = features.shape
        cond = sent_emb.to(features.dtype).view(b, -1, 1, 1).expand(-1, -1, h, w)
        return self.joint_conv(torch.cat([features, cond], dim=1))
