"""The services' common library.

Importing it silences eventlet's deprecation warning once for the process: every entry
point (`ddrr`, shared/service_process.py) imports this package before eventlet.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
