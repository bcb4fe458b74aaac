"""nameko 2.14's pytest plugin no longer monkey-patches eventlet: do it before anything
else is imported, as `nameko run` does for the services."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()
