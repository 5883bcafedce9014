"""Use cases and the ports they need. No SQL, no drivers, no Qt."""
