"""The profiles service: People, skills, organisations and the cohorts they share."""
