"""The forum service: Spaces, questions, answers, votes, a tagged learning library and search."""
