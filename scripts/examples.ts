// Writes examples/<tool>/ from the templates of agor init --template, so that the two cannot
// drift (tests/unit/supervisor/templates.test.ts fails when they differ). Run: npm run examples
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES } from '../src/supervisor/templates/index.js';

for (const t of TEMPLATES) {
  if (!t.example) continue;
  const dir = join('examples', t.example);
  mkdirSync(dir, { recursive: true });
  for (const f of t.files) {
    writeFileSync(join(dir, f.path), f.text);
    chmodSync(join(dir, f.path), f.mode);
    process.stdout.write(`wrote ${join(dir, f.path)}\n`);
  }
}
