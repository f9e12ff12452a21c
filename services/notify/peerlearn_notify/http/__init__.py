"""notify's http layer (CONTRIBUTING.md: the one service shape)."""
