"""PySide6 screens of the touch till."""
