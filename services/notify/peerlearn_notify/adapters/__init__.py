"""notify's adapters layer (CONTRIBUTING.md: the one service shape)."""
