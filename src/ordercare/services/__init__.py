"""One function per use case. Every door (API, CLI, importers, simulator) calls these."""
