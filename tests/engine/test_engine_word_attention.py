"""G's word attention (NetGConfig.word_attn): the prompt's token embeddings reach the picture,
padding does not, and a G trained without it computes the same with it added."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from generation.engine import Engine, GenerationRequest
from generation.engine.archs import build_networks, get_arch
from generation.engine.clip import CLIPTokenizer, encode_words
from generation.engine.galip import NetG
from generation.engine.package import write_package

SHORT, LONG = "a red apple", "a long caption about a small blue car on a wet road at night"


@pytest.fixture(scope="module")
def nets():
    arch = get_arch("galip-tiny")
    torch.manual_seed(7)
    plain, _, _, clip_model = build_networks(arch)
    words_cfg = dataclasses.replace(arch.netG, word_attn=True)
    reading = NetG(words_cfg, clip_model.visual)
    missing, unexpected = reading.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("word_attn.") for k in missing)
    tokenizer = CLIPTokenizer(clip_model.context_length, clip_model.vocab_size)
    return arch, plain.eval(), reading.eval(), clip_model.eval(), tokenizer


def _text(nets, texts):
    *_, clip_model, tokenizer = nets
    with torch.no_grad():
        return encode_words(clip_model, tokenizer(texts)[0])


def _trained_copy(nets) -> NetG:
    """The word-reading G with its attention outputs moved off zero, as training would."""
    *_, reading, clip_model, _ = nets
    g = NetG(reading.cfg, clip_model.visual)
    g.load_state_dict(reading.state_dict())
    torch.manual_seed(3)
    with torch.no_grad():
        for block in g.word_attn:
            block.attn.out_proj.weight.normal_(0, 0.5)
    return g.eval()


def test_encode_words_pools_the_sentence_embedding_and_marks_the_padding(nets):
    *_, clip_model, tokenizer = nets
    sentence, words, pad = _text(nets, [SHORT, LONG])
    tokens = tokenizer([SHORT, LONG])[0]
    with torch.no_grad():
        assert torch.allclose(sentence, clip_model.encode_text(tokens, normalize=False), atol=1e-5)
    lengths = (tokens.argmax(-1) + 1).tolist()  # up to and with the end-of-text token
    assert words.shape == (2, max(lengths), sentence.shape[1])
    assert (~pad).sum(1).tolist() == lengths
    _, alone, alone_pad = _text(nets, [SHORT])
    # The short caption's tokens are the same whether or not a longer one shares its batch.
    assert not alone_pad.any() and torch.allclose(alone[0], words[0, : lengths[0]], atol=1e-5)


def test_word_attention_starts_as_the_identity(nets):
    _, plain, reading, *_ = nets
    sentence, words, pad = _text(nets, [SHORT, LONG])
    noise = torch.randn(2, plain.cfg.nz, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(plain(noise, sentence), reading(noise, sentence, None, words, pad))


def test_the_words_reach_the_picture_and_the_padding_does_not(nets):
    g = _trained_copy(nets)
    sentence, words, pad = _text(nets, [SHORT, LONG])
    noise = torch.randn(1, g.cfg.nz, generator=torch.Generator().manual_seed(1))
    short_len = int((~pad[0]).sum())
    with torch.no_grad():
        base = g(noise, sentence[:1], None, words[:1, :short_len])
        # the same sentence vector with another prompt's words: another picture
        other = g(noise, sentence[:1], None, words[1:2])
        assert (base - other).abs().mean() > 1e-3
        # noise where the short caption is padded, masked: the same picture
        padded = words[:1].clone()
        padded[0, short_len:] = torch.randn_like(padded[0, short_len:]) * 10
        assert torch.allclose(g(noise, sentence[:1], None, padded, pad[:1]), base, atol=1e-5)


def test_a_generator_that_reads_words_refuses_to_run_without_them(nets):
    _, _, reading, *_ = nets
    sentence, words, _ = _text(nets, [SHORT])
    noise = torch.randn(1, reading.cfg.nz)
    with pytest.raises(ValueError, match="reads the prompt's words"):
        reading(noise, sentence)
    with pytest.raises(ValueError, match=r"words must be \[1, L, "):
        reading(noise, sentence, None, words[..., :5])


@pytest.fixture(scope="module")
def word_engine(nets, tmp_path_factory) -> Engine:
    arch, _, _, clip_model, _ = nets
    g = _trained_copy(nets)
    words_arch = dataclasses.replace(arch, netG=g.cfg)
    out = tmp_path_factory.mktemp("models") / "words-test"
    # write_package needs G to share the CLIP it packs: rebuild the pair and copy the weights
    netg, _, _, clip2 = build_networks(words_arch)
    clip2.load_state_dict(clip_model.state_dict())
    netg.load_state_dict(g.state_dict())
    write_package(
        out,
        name="words-test",
        category="general",
        description="",
        trained=False,
        arch=words_arch,
        netG=netg,
        clip_model=clip2,
    )
    return Engine.load(out, device="cpu")


def test_the_engine_gives_a_word_reading_model_its_prompts_words(word_engine, tiny_engine):
    assert word_engine.reads_words and not tiny_engine.reads_words
    assert tiny_engine.encode_words(SHORT) is None
    words = word_engine.encode_words(SHORT)
    assert words.shape[0] == 5 and words.shape[1] == word_engine.manifest.arch.netG.cond_dim
    a = word_engine.generate(GenerationRequest(SHORT, width=256, height=256, seed=4))[0]
    again = word_engine.generate(GenerationRequest(SHORT, width=256, height=256, seed=4))[0]
    assert a.image.tobytes() == again.image.tobytes()
    cond = word_engine.conditioning(GenerationRequest(SHORT))
    assert torch.equal(cond.words, words)
    noise = torch.randn(2, word_engine.manifest.arch.netG.nz)
    with pytest.raises(ValueError, match="'words-test' reads the prompt's words"):
        word_engine.render_native(noise, cond.embedding)
    long_words = word_engine.encode_words(LONG)
    assert not torch.equal(
        word_engine.render_native(noise, cond.embedding, words=words),
        word_engine.render_native(noise, cond.embedding, words=long_words),
    )


def test_a_style_gives_its_words_when_it_weighs_more(word_engine):
    from generation.engine.styles import compose

    styled = word_engine.encode_words(compose(SHORT, "watercolor"))
    plain = word_engine.encode_words(SHORT)
    low = word_engine.conditioning(GenerationRequest(SHORT, style="watercolor", style_strength=0.3))
    high = word_engine.conditioning(GenerationRequest(SHORT, style="watercolor", style_strength=0.7))
    assert torch.equal(low.words, plain) and torch.equal(high.words, styled)
