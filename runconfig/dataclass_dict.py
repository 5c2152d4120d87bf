"""A frozen dataclass <-> a JSON-ready dict, and a changed copy: the `DictConfig` mixin.

    @dataclass(frozen=True)
    class TrainConfig(DictConfig):
        lr: float = 1e-3
        hidden: tuple[int, ...] = (64,)

    raw = TrainConfig().to_dict()           # {"lr": 0.001, "hidden": [64]}: what config.json holds
    TrainConfig.from_dict(raw)              # back; {"lrr": 1} raises ValueError naming "lrr"
    TrainConfig().with_(lr=3e-3)            # dataclasses.replace: __post_init__ checks run again

Tuples become lists in `to_dict` because JSON has no tuple; a config that keeps tuples (to stay
hashable and comparable) turns lists back into tuples in its own `__post_init__`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields, replace
from typing import Any, TypeVar

C = TypeVar("C", bound="DictConfig")


def check_known_keys(config_cls: type, raw: Mapping[str, Any]) -> None:
    """Raises ValueError when `raw` has a key that is not a field of the dataclass `config_cls`.

    A typo in a saved config or a changed field name must fail loudly, not fall back to a default;
    the message names the unknown keys and every known one, so the fix is in the message.
    """
    known = {f.name for f in fields(config_cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"unknown {config_cls.__name__} keys {unknown}; known keys are {sorted(known)}.")


class DictConfig:
    """Mixin for a (frozen) dataclass: `to_dict`, `from_dict` and `with_`. It adds no fields."""

    def to_dict(self) -> dict[str, Any]:
        """Every field by name; tuples as lists (what json.dumps writes and json.loads gives back)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls: type[C], raw: Mapping[str, Any]) -> C:
        """Inverse of `to_dict`; unknown keys raise ValueError (see `check_known_keys`)."""
        check_known_keys(cls, raw)
        return cls(**raw)

    def with_(self: C, **changes: Any) -> C:
        """A copy with `changes` applied (dataclasses.replace, so the config's checks run again)."""
        return replace(self, **changes)
