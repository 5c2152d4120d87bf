"""Run configurations of the homeworks: frozen dataclasses, saved as JSON, set from the command line.

Every homework describes one run as a frozen dataclass (`hwN/config.py`) whose defaults reproduce
its README, and every run saves the resolved config beside its results. What is the same in all of
them lives here, written once:

- `dataclass_dict.py`: `DictConfig`, a mixin giving `to_dict` (JSON-ready), `from_dict` (unknown
  keys are an error that names them) and `with_` (a changed copy).
- `arguments.py`: `config_parser` / `add_config_arguments`, one command-line option per field,
  its default taken from the dataclass so that the two cannot drift apart.

Each homework keeps its own checks (`__post_init__`) and its own special options.
"""

from runconfig.arguments import add_config_arguments, config_parser
from runconfig.dataclass_dict import DictConfig, check_known_keys

__all__ = ["DictConfig", "add_config_arguments", "check_known_keys", "config_parser"]
