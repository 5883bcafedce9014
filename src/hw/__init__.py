"""Peripherals: ports, drivers, simulators and the device thread (see hardware.md)."""
