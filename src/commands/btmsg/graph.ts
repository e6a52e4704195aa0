import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type Verb, withDb } from './shared.js';

export const graph: Verb<object> = {
  command: 'graph',
  describe: 'The contact graph: who may message whom',
  handler: async (argv) => {
    const { graph: build } = await import('../../msg/agents.js');
    emit(argv.json, await withDb(argv, build), (g) => {
      const c = color();
      const lines: string[] = [];
      for (const n of g.nodes) {
        const out = g.edges.filter((e) => e.from === n.id);
        const both = out.filter((e) => e.mutual).map((e) => e.to);
        const one = out.filter((e) => !e.mutual).map((e) => e.to);
        const parts = [...both.map((t) => `↔ ${t}`), ...one.map((t) => `→ ${t}`)];
        lines.push(
          `${c.bold(n.id)} ${c.dim(`(${n.role})`)}${n.tier === 0 ? c.dim('  may message anyone') : parts.length ? '  ' + parts.join('  ') : c.dim('  no contacts')}`,
        );
      }
      return lines;
    });
  },
};
