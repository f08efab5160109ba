"""Pure business rules: no SQLAlchemy, no FastAPI, no wall clock."""
