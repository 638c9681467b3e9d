"""Programmes, cohorts, sessions and facilitators (issue 14): the steering group's side of running them."""
