"""`python -m trainers`: Looplab's command line (see `trainers.cli`)."""

import sys

from trainers.cli import main

sys.exit(main())
