"""Storage behind one repository interface; SQLite is the embedded default."""
