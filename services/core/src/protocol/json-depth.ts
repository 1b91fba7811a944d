/**
 * A nesting-depth guard for untrusted JSON values. JSON.parse copes with any depth, but
 * JSON.stringify recurses and overflows the stack at a few thousand levels (a 10 KB
 * `[[[…]]]` is enough), so a value parsed from a client is checked before it is serialised
 * again. Strings never need it: callers skip the walk for string data, the common case.
 */

/** Deeper than any real payload; far below where JSON.stringify overflows. */
export const MAX_JSON_DEPTH = 128;

/** Whether `value` nests arrays/objects more than `limit` levels deep. Iterative, O(nodes). */
export function exceedsJsonDepth(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: Array<{ value: object; depth: number }> = [{ value, depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.depth > limit) return true;
    const children = Array.isArray(top.value) ? top.value : Object.values(top.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: top.depth + 1 });
    }
  }
  return false;
}
