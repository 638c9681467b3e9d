"""Delivering a programme (issue 14): registers, completion, evaluations, the impact on the school, certificates,
the delivery reminders and the reports."""
