"""nornir-pack: reusable Nornir tasks and runbooks, with a lab of simulated devices."""

from .exceptions import LabConfigError, NornirPackError, UsageError
from .inventory import load_nornir

__version__ = "0.1.0"

__all__ = ["LabConfigError", "NornirPackError", "UsageError", "__version__", "load_nornir"]
