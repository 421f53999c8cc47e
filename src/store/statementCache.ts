// Statements prepared once per connection, on first use (a read-only connection never prepares
// the writes), shared by the stores that sit on TraceStore's connection.
import type Database from 'better-sqlite3';

/** A function giving the prepared statement for `sql`, preparing it on its first call only. */
export function preparedOnce(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (!s) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
}
