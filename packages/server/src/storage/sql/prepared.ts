import type { CompiledQuery, Compilable, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.js';

/** Stands for a query's argument while Kysely compiles it; replaced by the value at each run. */
class Argument {
  constructor(readonly index: number) {}
}

/** The index-th argument of a prepared query, where the query takes a value (where, values, set). */
// Typed any: it goes where Kysely expects a column's value, whatever the column.
export const arg = (index: number): any => new Argument(index);

/**
 * Queries Kysely builds and compiles once, then runs with new arguments. Building and
 * compiling a query took Kysely longer than SQLite took to run it, and the hot paths (a code
 * exchange, a sign-in) run several. The compiled SQL depends on the dialect only, so one
 * cache serves a store and its transactions; SQLite's statement cache (sqlite.ts) then
 * keeps the statement itself prepared.
 */
export class PreparedQueries {
  private readonly compiled = new Map<string, CompiledQuery<unknown>>();

  run<R>(db: Kysely<Database>, name: string, build: (db: Kysely<Database>) => Compilable<R>, args: readonly unknown[]): Promise<QueryResult<R>> {
    let query = this.compiled.get(name) as CompiledQuery<R> | undefined;
    if (!query) {
      query = build(db).compile();
      this.compiled.set(name, query as CompiledQuery<unknown>);
    }
    return db.executeQuery({ ...query, parameters: query.parameters.map((p) => (p instanceof Argument ? args[p.index] : p)) });
  }

  /** Inserts one row: the statement is compiled once per table and set of columns. */
  insert(db: Kysely<Database>, table: keyof Database & string, row: Record<string, unknown>): Promise<QueryResult<unknown>> {
    const columns = Object.keys(row);
    return this.run(db, `insert ${table}(${columns.join()})`,
      (q) => q.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, arg(i)])) as never),
      Object.values(row));
  }
}
