import { resolve } from 'node:path';
import type { ValueSource } from '../../cli/completion.js';
import { idsFromDb, optionValue, yamlTeam } from '../../cli/completion-values.js';

/** Agent ids for agor's completion: the database's registry and the agents of agor.yaml (-f, else ./agor.yaml). */
export const completeValues: ValueSource = async (arg, _path, words) => {
  if (arg !== 'agent' && arg !== 'agents') return [];
  const file = resolve(optionValue(words, ['-f', '--file']) ?? 'agor.yaml');
  const [fromYaml, fromDb] = [await yamlTeam(file), await idsFromDb(words, 'agent')];
  return [...new Set([...fromYaml.agents, ...fromDb.filter((id) => id !== 'admin')])];
};
