/**
 * Builds parameterised SQL fragments: conditions with `?` placeholders become `$n`, values go to
 * `params`. Column names only ever come from code, never from input.
 */
export class SqlParts {
  readonly params: unknown[];
  private readonly conditions: string[];

  constructor(initialParams: unknown[] = [], initialConditions: string[] = []) {
    this.params = [...initialParams];
    this.conditions = [...initialConditions];
  }

  /** Adds a parameter and returns its placeholder. */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds `sql` (with one `?`) as a condition, unless the value is undefined. */
  and(sql: string, value: unknown): this {
    if (value !== undefined) this.conditions.push(sql.replace('?', this.param(value)));
    return this;
  }

  get where(): string {
    return this.conditions.length > 0 ? this.conditions.join(' AND ') : 'true';
  }

  /** `col = $n, …` for the defined entries of `changes`, mapped through `columns`. */
  set<K extends string>(changes: Partial<Record<K, unknown>>, columns: Record<K, string>): string {
    return (Object.entries(changes) as [K, unknown][])
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${columns[key]} = ${this.param(value)}`)
      .join(', ');
  }
}
