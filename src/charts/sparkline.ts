// A series as one line of block characters, lowest value ▁ and highest █, for terminals.

const BLOCKS = '▁▂▃▄▅▆▇█';

/** `width` keeps only the last `width` values, so a long training still fits beside its label. */
export function sparkline(values: number[], width?: number): string {
  const shown = width === undefined ? values : values.slice(-width);
  const finite = shown.filter(Number.isFinite);
  if (!finite.length) return ' '.repeat(shown.length);
  const min = Math.min(...finite);
  const span = Math.max(...finite) - min;
  return shown
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      // A flat series sits mid-height: neither "all best" nor "all worst".
      const level = span === 0 ? 3 : Math.round(((v - min) / span) * (BLOCKS.length - 1));
      return BLOCKS[level];
    })
    .join('');
}
