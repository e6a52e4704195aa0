// Fixture files the tests make with better-sqlite3 or sqlite3 are private, as agor makes
// its own, so the warning about a database other users can read (see openDb) appears only
// in the tests that ask for it by setting a umask or a mode of their own.
process.umask(0o077);
