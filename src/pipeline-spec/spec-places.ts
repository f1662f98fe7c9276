// Where each value of a resolved spec came from: the line and column in the spec file that wrote it, or the
// override (`--set`, `--param`, a matrix entry) that replaced it, so an error points at what the user typed.

import type { Place } from '../errors.js';
import { pathKey, pathText, type Path, type Position, type Positions } from './load-yaml.js';

export class SpecPlaces {
  constructor(
    private readonly positions: Positions,
    private readonly file: string,
    private readonly overrides: ReadonlyMap<string, Place> = new Map(),
  ) {}

  /** A copy in which `path`, and everything under it, was set by the override at `place` (whose key names it). */
  overridden(path: Path, place: Place): SpecPlaces {
    return new SpecPlaces(this.positions, this.file, new Map([...this.overrides, [pathKey(path), place]]));
  }

  /** The place of `path`, with `key` naming it as the user wrote it. */
  readonly of = (path: Path): Place => {
    for (let n = path.length; n >= 0; n--) {
      const source = this.overrides.get(pathKey(path.slice(0, n)));
      if (source) return { ...source, key: [source.key, ...path.slice(n)].filter((s) => s !== undefined).join('.') };
    }
    return { ...placeOf(path, this.positions, this.file), key: pathText(path) };
  };
}

/** The deepest recorded position on the way to `path`. */
export function placeOf(path: Path, positions: Positions, fallbackFile: string): Partial<Position> & { file: string } {
  for (let n = path.length; n >= 0; n--) {
    const p = positions.get(pathKey(path.slice(0, n)));
    if (p) return p;
  }
  return { file: fallbackFile };
}
