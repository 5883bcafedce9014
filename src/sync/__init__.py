"""The central server and the till-side sync client (see sync.md)."""
