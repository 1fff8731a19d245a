// Row shapes as the database holds them. Booleans are 0/1 integers and
// structured settings are JSON text, so one schema serves SQLite and PostgreSQL.
export {};
