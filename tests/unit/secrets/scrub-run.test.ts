import { describe, expect, it } from 'vitest';
import { formatSecretRefs, parseSecretRefs } from '../../../src/secrets/scrub-run.js';

describe("a run's record of its keyring items", () => {
  it('is null for a run given none, and JSON of variable, item and scope otherwise, read back as written', () => {
    expect(formatSecretRefs([])).toBeNull();
    const refs = [
      { env: 'GH', name: 'GITHUB_TOKEN', agent: 'dev1' },
      { env: 'NPM', name: 'NPM_TOKEN', agent: null },
    ];
    const text = formatSecretRefs(refs)!;
    expect(JSON.parse(text)).toEqual(refs);
    expect(parseSecretRefs(text)).toEqual(refs);
  });

  it('reads as no items when missing or not JSON, and leaves out entries that are not well formed', () => {
    expect(parseSecretRefs(null)).toEqual([]);
    expect(parseSecretRefs('not json')).toEqual([]);
    expect(parseSecretRefs('{"env":"GH"}')).toEqual([]);
    expect(parseSecretRefs('[{"env":"A","name":"lower","agent":null},{"env":"B","name":"OK","agent":7},{"env":"C","name":"FINE","agent":null},null]')).toEqual([
      { env: 'C', name: 'FINE', agent: null },
    ]);
  });
});
