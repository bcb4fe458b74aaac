"""nameko 2.14's pytest plugin no longer monkey-patches eventlet: do it before anything
else is imported, as `nameko run` does for the services."""
import eventlet

eventlet.monkey_patch()
