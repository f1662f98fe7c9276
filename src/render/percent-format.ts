// How compare's results print their numbers: percentages with 2 decimals, differences signed.

export const pct = (v: number): string => v.toFixed(2);

/** `+1.25`, `-0.40`, `0.00`: the sign of the rounded value, so a tiny negative never prints as `-0.00`. */
export const signed = (v: number): string => {
  const r = Number(v.toFixed(2));
  return (r > 0 ? '+' : r < 0 ? '-' : '') + Math.abs(r).toFixed(2);
};
