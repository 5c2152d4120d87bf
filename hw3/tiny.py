"""A tiny, randomly initialised BERT and a tiny WordPiece tokenizer, built in code with no file.

Dimension letters: B texts, T tokens, D hidden features, C classes.

The tests (public and hidden) need the *structure* of the real encoder (a transformers BertModel
with blocks at `encoder.layer.<i>`, attention projections named query/key/value, biases and
LayerNorms in the same places) but not its weights: `tiny_bert()` has exactly that structure with 2
blocks of 32 features, so a forward pass takes milliseconds and nothing is downloaded. Its
tokenizer is a real WordPiece tokenizer (the algorithm of BERT's) over a small vocabulary: the
special tokens, the words of the synthetic task, and single letters, digits and punctuation (plus
"##" continuation letters), so any ASCII text can be tokenized.

`BagOfWordsClassifier` is an even smaller model with the classifier's call signature, used where a
test needs a model but must not depend on the student's TextClassifier.
"""

from __future__ import annotations

import string

import torch
from torch import nn

from hw3.encoder import TextTokenizer, quiet_transformers
from hw3.synthetic import FILLER, KEYWORDS

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # [PAD] has id 0, as in BERT
TINY_HIDDEN = 32
TINY_LAYERS = 2
TINY_HEADS = 4
TINY_INTERMEDIATE = 64
TINY_MAX_POSITIONS = 64


def tiny_vocab() -> list[str]:
    """The tiny vocabulary, in id order: specials, whole words, single characters, ##letters."""
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    words = [w for w in dict.fromkeys([*FILLER, *KEYWORDS]) if w not in chars]
    continuation = [f"##{c}" for c in string.ascii_lowercase + string.digits]
    return [*SPECIAL_TOKENS, *words, *chars, *continuation]


def tiny_tokenizer() -> TextTokenizer:
    """A lower-casing WordPiece tokenizer over `tiny_vocab()`, adding [CLS] ... [SEP] like BERT's."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    vocab = {token: i for i, token in enumerate(tiny_vocab())}
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=50))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    return TextTokenizer(tok)


def tiny_config(**overrides: object):
    """A transformers BertConfig of the tiny encoder; keyword arguments override fields.

    Dropout is 0 so that a forward pass is deterministic in train mode too (tests compare outputs).
    """
    quiet_transformers()
    from transformers import BertConfig

    fields = {
        "vocab_size": len(tiny_vocab()),
        "hidden_size": TINY_HIDDEN,
        "num_hidden_layers": TINY_LAYERS,
        "num_attention_heads": TINY_HEADS,
        "intermediate_size": TINY_INTERMEDIATE,
        "max_position_embeddings": TINY_MAX_POSITIONS,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "pad_token_id": 0,
    }
    fields.update(overrides)
    return BertConfig(**fields)


def tiny_bert(seed: int = 0, **overrides: object) -> nn.Module:
    """A randomly initialised BertModel (no pooler) of the tiny config; the same seed gives the same
    weights on every machine, and the global random state is left untouched."""
    from transformers import BertModel

    config = tiny_config(**overrides)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertModel(config, add_pooling_layer=False)
    return model


class BagOfWordsClassifier(nn.Module):
    """logits = Linear(mean of the embeddings of the real tokens): a model with TextClassifier's
    call signature (input_ids [B, T] int64, attention_mask [B, T] int64) -> [B, C] float32 logits."""

    def __init__(self, vocab_size: int, n_classes: int, dim: int = 16, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embedding = nn.Embedding(vocab_size, dim)
            self.out = nn.Linear(dim, n_classes)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.to(torch.float32).unsqueeze(-1)  # [B, T, 1]
        pooled = (self.embedding(input_ids) * mask).sum(1) / mask.sum(1).clamp(min=1.0)  # [B, dim]
        return self.out(pooled)
