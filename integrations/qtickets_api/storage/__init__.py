"""ClickHouse: the connection (embedded or server), the schema, and what we write and rebuild."""
