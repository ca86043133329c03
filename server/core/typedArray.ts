/** The growing of the typed arrays that hold per-client numbers (keys, windows, deadlines, states). */
export type NumberArray = Int32Array | Uint32Array | Uint8Array | Float64Array;

/** A copy of `old` with room for `length` entries; the new ones are `fill` (0 unless given). */
export function grownTo<A extends NumberArray>(old: A, length: number, fill = 0): A {
  const made = new (old.constructor as new (length: number) => A)(length);
  if (fill !== 0) made.fill(fill, old.length);
  made.set(old);
  return made;
}
