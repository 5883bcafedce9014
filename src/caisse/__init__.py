"""caisse: an offline-first point of sale for French retail with a signed NF525 journal."""

SOFTWARE_NAME = "caisse"
__version__ = "0.1.0"
