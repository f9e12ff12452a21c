"""notify's domain layer (CONTRIBUTING.md: the one service shape)."""
