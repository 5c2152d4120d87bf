"""`python -m autograder COMMAND ...`: the staff command line (see `python -m autograder --help`)."""

import sys

from autograder.cli import main

sys.exit(main())
