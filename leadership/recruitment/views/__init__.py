"""Recruitment pages, one module per noun: rounds, applications, the panel, the talent pool, induction and consent."""
