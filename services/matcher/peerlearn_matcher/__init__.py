"""The matcher service: Suggestions of peers, mentors, experts and answerers, with their reasons."""
