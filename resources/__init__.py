"""Files the desktop app ships (icons), read with ``importlib.resources``."""
