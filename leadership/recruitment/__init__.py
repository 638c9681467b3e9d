"""Recruiting and designating system leaders: rounds, applications, endorsement and consent, the panel, designation,
induction and the talent pool."""
