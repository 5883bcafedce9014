"""Fast unit tests: domain, services with fakes, drivers on Dummy, sync over MockTransport."""
