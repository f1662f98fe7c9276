// A confusion matrix as a text table for `pipe show`: counts, with each cell's background shaded by its share of
// the row when colours are asked for (a terminal), plain otherwise (pipes, files, tests).

export interface ConfusionTableOptions {
  color?: boolean;
}

/** 256-colour backgrounds from pale to deep blue; the last two need white text. */
const SHADES = [255, 189, 153, 111, 69, 27];

export function confusionMatrixTable(classes: string[], matrix: number[][], options: ConfusionTableOptions = {}): string {
  const counts = classes.map((_, i) => classes.map((__, j) => matrix[i]?.[j] ?? 0));
  const labelWidth = Math.max('true \\ predicted'.length, ...classes.map((c) => c.length));
  const width = Math.max(5, ...classes.map((c) => c.length), ...counts.flat().map((n) => String(n).length));
  const header = 'true \\ predicted'.padEnd(labelWidth) + ' ' + classes.map((c) => c.padStart(width)).join(' ') + '  recall';
  const rows = counts.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n) => shade(String(n).padStart(width), total > 0 ? n / total : 0, options.color === true));
    const recall = total > 0 ? `${((row[i] / total) * 100).toFixed(1)}%` : '-';
    return classes[i].padEnd(labelWidth) + ' ' + cells.join(' ') + '  ' + recall.padStart(6);
  });
  return [header, ...rows].join('\n');
}

function shade(text: string, share: number, color: boolean): string {
  if (!color) return text;
  const level = Math.min(SHADES.length - 1, Math.floor(share * SHADES.length));
  const fg = level >= SHADES.length - 2 ? 15 : 16;
  return `\x1b[48;5;${SHADES[level]}m\x1b[38;5;${fg}m${text}\x1b[0m`;
}
