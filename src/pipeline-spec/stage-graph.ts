// The stage graph of a spec: every stage has a known type, `needs` name stages that exist, nothing needs a stage
// that gathers all cells, and there is no cycle. Yields the stage names in dependency order.

import type { StageType } from '../core/stage-type.js';
import { SpecError, type Place } from '../errors.js';
import { throwAll } from './collect-errors.js';
import { closest, didYouMean } from './did-you-mean.js';
import type { Path } from './load-yaml.js';
import type { SpecFile } from './spec-schema.js';

export function checkStages(doc: SpecFile, types: ReadonlyMap<string, StageType>, place: (p: Path) => Place): void {
  const defined = doc.stages ?? {};
  const names = Object.keys(defined);
  const errors: SpecError[] = [];
  if (!names.length) {
    errors.push(new SpecError('defines no stages', place(['stages']), 'add a `stages:` map, or `extends:` a pipeline that has one'));
  }
  for (const [name, stage] of Object.entries(defined)) {
    if (!stage.type) {
      // Usually a child spec changing a base stage under a misspelt name.
      const near = closest(name, names.filter((n) => n !== name));
      const typeList = `types: ${[...types.keys()].join(', ')}`;
      errors.push(new SpecError(`stage ${name} has no type`, place(['stages', name]), near ? `did you mean stage "${near}"? (or give it a type; ${typeList})` : typeList));
    } else if (!types.has(stage.type)) {
      errors.push(new SpecError(`unknown stage type "${stage.type}"`, place(['stages', name, 'type']), didYouMean(stage.type, types.keys())));
    }
    (stage.needs ?? []).forEach((need, i) => {
      const needed = defined[need];
      if (!Object.hasOwn(defined, need)) {
        errors.push(new SpecError(`needs "${need}", which is not a stage`, place(['stages', name, 'needs', i]), didYouMean(need, names)));
      } else if (needed.type && types.get(needed.type)?.scope === 'plan') {
        errors.push(new SpecError(`needs "${need}", which gathers all cells and must come last`, place(['stages', name, 'needs', i]), `remove ${need} from the needs of ${name}`));
      }
    });
  }
  throwAll(errors);
}

/** Stage names in dependency order (otherwise in the order written); a cycle is an error that prints its path. */
export function topologicalOrder(doc: SpecFile, place: (p: Path) => Place): string[] {
  const stages = doc.stages ?? {};
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new SpecError(`needs form a cycle: ${cycle.join(' -> ')}`, place(['stages', name, 'needs']), 'remove one of these needs');
    }
    state.set(name, 'visiting');
    for (const need of stages[name]?.needs ?? []) visit(need, [...path, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(stages)) visit(name, []);
  return order;
}
