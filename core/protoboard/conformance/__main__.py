"""``python -m protoboard.conformance``: the same report as ``protoboard conformance``."""

import sys

from protoboard.conformance.report import main

sys.exit(main())
