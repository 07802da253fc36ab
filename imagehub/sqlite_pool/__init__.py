"""Django's SQLite backend with a pool of open connections per database file (see base)."""
