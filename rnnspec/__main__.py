import sys

from rnnspec.interfaces.cli import main

sys.exit(main())
