"""The frozen app's entry point: ``campaign-studio`` as the installed command runs it."""

import sys

from ui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
