// Row values never leave the worker: not in logs, workflow history, errors or a hook's environment
// (keys may). The driver's errors carry the failing statement (`sql`, its values inlined), and some
// server messages quote a value ("Duplicate entry 'alice@example.com' for key 'email'").

/** Server messages that quote a value of the row, and where. */
const QUOTED_VALUE =
  /(Duplicate entry |(?:string|datetime|date|time|integer|decimal|JSON text) value: )'(?:[^'\\]|\\.)*'/gi;

/** `text` with every quoted row value replaced. */
export function withoutQuotedValues(text: string): string {
  return text.replace(QUOTED_VALUE, '$1(value withheld)');
}

/** The error itself, without the statement the driver attached and without quoted values, its causes too. */
export function withoutRowValues<T>(err: T): T {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const fields = e as Error & { sql?: string; sqlMessage?: string };
    delete fields.sql;
    if (typeof fields.sqlMessage === 'string') fields.sqlMessage = withoutQuotedValues(fields.sqlMessage);
    e.message = withoutQuotedValues(e.message);
    if (e.stack) e.stack = withoutQuotedValues(e.stack);
  }
  return err;
}
