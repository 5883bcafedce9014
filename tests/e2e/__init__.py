"""End-to-end tests: the `caisse` command line in a subprocess."""
