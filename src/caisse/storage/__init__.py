"""SQLite storage: engine, row classes, repositories and the unit of work."""
