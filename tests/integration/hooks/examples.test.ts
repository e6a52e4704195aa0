import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { group, sh, waitFor } from '../agor/fixture.js';
import { hookYaml } from './fixture.js';

const EXAMPLES = join(ROOT, 'examples', 'hooks');

describe('the example hooks', () => {
  test('append.sh writes each event as one JSON line to the file it is given', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const hook = [join(EXAMPLES, 'append.sh'), 'events.jsonl'];
    g.write(hookYaml({ run_end: hook, wake: hook }, { dev: { command: sh('echo done'), mode: 'on-demand' } }));
    await g.up();
    expect((await g.agor(['wake', 'dev', '--reason', 'nightly'])).code).toBe(0);
    const read = () => {
      try {
        return readFileSync(join(g.dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    const lines = await waitFor('two lines', read, (l) => l.length === 2);
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => String(b.event).localeCompare(String(a.event)));
    expect(events).toMatchObject([
      { event: 'wake', group: 'test', agent: 'dev' },
      { event: 'run_end', group: 'test', agent: 'dev', outcome: 'success', exit_code: 0 },
    ]);
  });

  test('webhook.sh posts the event JSON to WEBHOOK_URL with curl', async ({ onTestFinished }) => {
    const got: { headers: IncomingHttpHeaders; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d)).on('end', () => (got.push({ headers: req.headers, body }), res.end('ok')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agor`;
    const g = group(onTestFinished);
    g.write(hookYaml({ run_end: [join(EXAMPLES, 'webhook.sh')] }, { dev: { command: sh('exit 4'), mode: 'on-demand', restart: { max_retries: 0 } } }));
    await g.up({ WEBHOOK_URL: url });
    expect((await g.agor(['wake', 'dev'])).code).toBe(0);
    const [post] = await waitFor(
      'the webhook',
      () => got,
      (x) => x.length === 1,
    );
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers['x-agor-event']).toBe('run_end');
    expect(JSON.parse(post!.body)).toMatchObject({ event: 'run_end', agent: 'dev', outcome: 'failed', exit_code: 4 });
  });
});
