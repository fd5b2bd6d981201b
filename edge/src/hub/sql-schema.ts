/**
 * @module A Durable Object's SQLite, its schema created on first use: the hub's tables cost
 * nothing to an object that never needs them (a hub that only relays calls).
 */
export function withSchema(sql: SqlStorage, schema: string): () => SqlStorage {
  let ready = false;
  return () => {
    if (!ready) {
      sql.exec(schema);
      ready = true;
    }
    return sql;
  };
}
