"""souk: the shared core (contract, settings, logging, CLI)."""
