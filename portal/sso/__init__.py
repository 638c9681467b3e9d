"""Single sign-on: Microsoft (Entra ID) and Google through allauth's OpenID Connect provider.

A sign-in only ever links to an account someone was invited to, by a verified email address, and only where
one of the person's partnerships allows that provider and that email domain (`policy.decide`).
"""
