"""notify's usecases layer (CONTRIBUTING.md: the one service shape)."""
