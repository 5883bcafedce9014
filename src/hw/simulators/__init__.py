"""Shipped simulators that speak the devices' real bytes (demo mode, development, tests)."""
