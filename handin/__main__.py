"""`python -m handin` is `make submission`: see handin/check.py."""

import sys

from handin.check import main

sys.exit(main())
