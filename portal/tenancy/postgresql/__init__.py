"""The PostgreSQL backend with tenant row-level security (see portal/tenancy/rls.py)."""
