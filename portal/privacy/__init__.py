"""Data protection (UK GDPR): retention periods and their daily task, subject-access exports and erasure.

The foundation knows only its own models. Higher apps say where they hold personal data, and what they keep for
how long, by registering declarations in their `AppConfig.ready()` (`portal.privacy.registry`).
"""
