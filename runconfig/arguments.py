"""One command-line option per field of a config dataclass, its default taken from the dataclass.

    parser = config_parser(TrainConfig, HELP, prog="python -m hw0.train", description="...")
    parser.add_argument("--synthetic", action="store_true", help="...")   # a tool's own extras
    config = TrainConfig.from_dict(vars(parser.parse_args(argv)))

Field `batch_size` becomes `--batch-size`. How a field's annotation becomes an option:
  bool                 --name / --no-name (argparse.BooleanOptionalAction)
  tuple[T, ...]        --name V [V ...], each V parsed as T; the default is given as a list
  T | None             as T; the default may be None (the config resolves it later)
  int, float, str      type=T
The help text of every field comes from a dict (a missing entry is an error, so a new field cannot
reach the command line undocumented); the help formatter appends each default.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Collection, Mapping, Sequence
from dataclasses import fields
from typing import Any


def _option_kind(annotation: Any) -> Any:
    """The annotation without `| None` (a None default means "resolved later", not a type)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        others = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(others) == 1:
            return others[0]
    return annotation


def add_config_arguments(
    parser: argparse.ArgumentParser,
    config_cls: type,
    help: Mapping[str, str],
    *,
    defaults: Any = None,
    skip: Collection[str] = (),
    choices: Mapping[str, Sequence[Any]] | None = None,
) -> argparse.ArgumentParser:
    """Adds `--field-name` for every field of the dataclass `config_cls` not in `skip`; returns `parser`.

    help: field name -> help text (every added field needs one). defaults: an instance whose values
    are the defaults (default: `config_cls()`). choices: field name -> allowed values.
    The parsed namespace holds one attribute per field under the field's own name, so
    `config_cls.from_dict(vars(namespace))` works once the tool has removed its extra options.
    """
    defaults = config_cls() if defaults is None else defaults
    choices = choices or {}
    hints = typing.get_type_hints(config_cls)
    missing = [f.name for f in fields(config_cls) if f.name not in skip and f.name not in help]
    if missing:
        raise ValueError(f"no help text for the {config_cls.__name__} fields {missing}; add them to the help dict.")
    for f in fields(config_cls):
        if f.name in skip:
            continue
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        kind = _option_kind(hints[f.name])
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=help[f.name])
        elif typing.get_origin(kind) is tuple:
            item = typing.get_args(kind)[0]  # tuple[T, ...]: every value is a T
            parser.add_argument(flag, type=item, nargs="+", default=list(default), choices=choices.get(f.name),
                                help=help[f.name])
        else:
            parser.add_argument(flag, type=kind, default=default, choices=choices.get(f.name), help=help[f.name])
    return parser


def config_parser(
    config_cls: type,
    help: Mapping[str, str],
    *,
    prog: str | None = None,
    description: str | None = None,
    defaults: Any = None,
    skip: Collection[str] = (),
    choices: Mapping[str, Sequence[Any]] | None = None,
) -> argparse.ArgumentParser:
    """A new parser (defaults shown in --help) with the options of `add_config_arguments`."""
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    return add_config_arguments(parser, config_cls, help, defaults=defaults, skip=skip, choices=choices)
