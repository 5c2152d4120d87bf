"""Hidden tests of hw3's classifier.py: mask-aware mean pooling and the TextClassifier.

mean_pool is compared with a float64 loop over the real tokens of each row, and must not change
when the padded positions hold arbitrary values. The TextClassifier runs the tiny BERT with the
grader's weights (sent as a state_dict) and is compared with the reference; a sentence embedded
alone must get the same embedding when padded next to a much longer one. embed and forward are
graded on their own logic: where they do not match the reference, they are compared with what the
student's own mean_pool gives on the provided encoder's hidden states (error carried forward,
`autograder/engine/carry_forward.py`), so a mean_pool bug costs points in mean_pool's test only.

Dimension letters: B sentences, T tokens, D features, C classes.
"""

from __future__ import annotations

import torch
from gradescope_utils.autograder_utils.decorators import number, weight

from autograder.engine.carry_forward import expect_own_logic
from autograder.engine.checks import expect_close, expect_shape
from autograder.solutions.hw3.classifier import TextClassifier
from hw3.synthetic import make_intents
from hw3.tiny import tiny_bert

B, T, D = 6, 9, 7
ATOL = 1e-6  # float64 pooling
MODEL_ATOL = 1e-5  # float32 tiny BERT
N_CLASSES = 4


def _pool_loop(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The mean over the real tokens of each row, one row at a time (zeros for an empty row)."""
    out = torch.zeros(hidden.shape[0], hidden.shape[2], dtype=torch.float64)
    for b in range(hidden.shape[0]):
        real = [t for t in range(hidden.shape[1]) if bool(mask[b, t])]
        if real:
            out[b] = hidden[b, real].to(torch.float64).mean(0)
    return out


def _pool_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    hidden = torch.randn(B, T, D, generator=g, dtype=torch.float64)
    lengths = torch.randint(1, T + 1, (B,), generator=g)
    lengths[0] = T  # one row without padding
    mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).to(torch.int64)  # [B, T], right padding
    return hidden, mask


@weight(2)
@number("3.1")
def test_mean_pool(student, grading_seed):
    """mean_pool averages over real tokens only: padding values do not matter, int or bool masks"""
    hidden, mask = _pool_inputs(grading_seed)
    want = _pool_loop(hidden, mask)
    got = student.call("probes:mean_pool", hidden, mask)
    expect_shape(got, (B, D), "mean_pool(hidden [B, T, D], mask [B, T])")
    expect_close(got, want, atol=ATOL, what="mean_pool(hidden, mask)")
    noisy = hidden.clone()
    noisy[mask == 0] = 1e3 * torch.randn(int((mask == 0).sum()), D, dtype=torch.float64,
                                         generator=torch.Generator().manual_seed(grading_seed + 1))
    expect_close(student.call("probes:mean_pool", noisy, mask.bool()), want, atol=ATOL,
                 what="mean_pool with large values at the padded positions and a bool mask")
    empty = mask.clone()
    empty[-1] = 0
    got_empty = student.call("probes:mean_pool", hidden, empty)
    expect_close(got_empty[-1], torch.zeros(D, dtype=torch.float64), atol=ATOL,
                 what="mean_pool of a row without any real token (must be zeros, not NaN)")


def _reference_model(seed: int, head: str) -> TextClassifier:
    model = TextClassifier(tiny_bert(seed=seed), N_CLASSES, head=head).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.head.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model


@weight(1)
@number("3.2")
def test_classifier_matches_reference(student, grading_seed):
    """TextClassifier.embed and forward give the reference embeddings and logits (linear and cosine heads)"""
    from hw3.tiny import tiny_tokenizer

    texts = make_intents(3, 2, seed=grading_seed).texts
    batch = tiny_tokenizer()(texts)
    for head in ("linear", "cosine"):
        model = _reference_model(grading_seed, head)
        with torch.no_grad():
            want_embed = model.embed(batch.input_ids, batch.attention_mask)
            want_logits = model(batch.input_ids, batch.attention_mask)
        got = student.call("probes:classifier_outputs", model.state_dict(), grading_seed, N_CLASSES, head, texts)

        def expect_outputs(embed: torch.Tensor, logits: torch.Tensor, got: dict = got, head: str = head) -> None:
            expect_close(got["embed"], embed, atol=MODEL_ATOL, what=f"TextClassifier.embed ({head} head)")
            expect_close(got["logits"], logits, atol=MODEL_ATOL, what=f"TextClassifier.forward ({head} head)")

        def against_own_pool(model: TextClassifier = model, expect_outputs=expect_outputs) -> None:
            embed = _own_pool(student, model.encoder, batch.input_ids, batch.attention_mask)
            with torch.no_grad():
                expect_outputs(embed, model.head(embed))

        # Error carried forward: a mean_pool bug is charged in mean_pool's test, not here.
        expect_own_logic(lambda expect_outputs=expect_outputs, e=want_embed, lg=want_logits: expect_outputs(e, lg),
                         against_own_pool)


def _own_pool(student, encoder: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """[B, D] what embed gives with the student's OWN mean_pool: the provided encoder runs here, the
    student's mean_pool in the worker (error carried forward, autograder/engine/carry_forward.py)."""
    with torch.no_grad():
        hidden = encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # [B, T, D]
    pooled = student.call("probes:mean_pool", hidden, attention_mask)
    if not isinstance(pooled, torch.Tensor) or pooled.shape != hidden.shape[::2]:
        raise ValueError("the student's mean_pool gives no [B, D] embeddings")
    return pooled


@weight(2)
@number("3.3")
def test_embedding_ignores_padding(student, grading_seed):
    """a sentence's embedding is the same alone and padded in a batch with a much longer sentence"""
    texts = make_intents(3, 1, seed=grading_seed, length=(2, 4)).texts
    long_text = " ".join(make_intents(2, 1, seed=grading_seed + 1, length=(25, 30)).texts)
    got = student.call("probes:embed_alone_and_padded", grading_seed, texts, long_text)

    def against_own_pool() -> None:
        """With a mean_pool that is wrong on padding, embed is right when it gives what that mean_pool
        gives on the encoder's (masked) hidden states, alone and padded."""
        from hw3.tiny import tiny_tokenizer

        encoder, tokenizer = tiny_bert(seed=grading_seed).eval(), tiny_tokenizer()
        alone = torch.stack([_own_pool(student, encoder, b.input_ids, b.attention_mask)[0]
                             for b in (tokenizer([t]) for t in texts)])
        padded = tokenizer([*texts, long_text])
        together = _own_pool(student, encoder, padded.input_ids, padded.attention_mask)[: len(texts)]
        expect_close(got["alone"], alone, atol=MODEL_ATOL, what="TextClassifier.embed of short sentences alone")
        expect_close(got["padded"], together, atol=MODEL_ATOL,
                     what="TextClassifier.embed of short sentences padded next to a long one")

    expect_own_logic(lambda: expect_close(got["padded"], got["alone"], atol=MODEL_ATOL,
                                          what="TextClassifier.embed of short sentences padded next to a long one "
                                               "(vs. alone)"),
                     against_own_pool)
