/**
 * One value per app id, made on first use and kept: the label children of a metric
 * (`counter.labels(appId)`), so the hot paths look a child up by app id instead of building
 * a labels object and hashing it for every event. App ids are bounded (the apps file or
 * table), so the map is too.
 */
export class PerApp<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly make: (appId: string) => T) {}

  get(appId: string): T {
    let value = this.values.get(appId);
    if (value === undefined) {
      value = this.make(appId);
      this.values.set(appId, value);
    }
    return value;
  }

  /** Every value made so far. */
  all(): IterableIterator<T> {
    return this.values.values();
  }
}
