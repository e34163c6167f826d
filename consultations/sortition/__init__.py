"""The citizens' councils' arithmetic and draws as pure functions: no database, no models,
so the register office (or anyone) can read and re-run them (docs/councils.md)."""
