import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, sql } from '../../helpers/cli.js';
import { type ReceivedSpan, startReceiver } from '../../helpers/otlp.js';
import { waitFor } from '../../helpers/wait.js';
import { EXIT, group, sh } from '../agor/fixture.js';

const ON_DEMAND = { mode: 'on-demand', command: sh('echo done'), stop_grace: '1s' };
const byName = (spans: ReceivedSpan[], name: string) => spans.filter((s) => s.name === name);

describe.concurrent('agor up with an OTLP endpoint', () => {
  it('exports a request span for a wake asked on the control socket, the wake as its child and the run that took it as the wake’s child', async ({
    onTestFinished,
  }) => {
    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    const g = group(onTestFinished, { group: 'traced', agents: { helper: ON_DEMAND } });
    await g.up({ AGOR_OTLP_ENDPOINT: rx.url });
    // What the dashboard and the relay send.
    const c = await g.connect();
    expect((await c.request('wake', { agent: 'helper', reason: 'nightly' })).ok).toBe(true);
    const [done] = await g.waitRuns('helper', 'one finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    // Spans leave in batches every 2 s; agor down flushes what is left.
    expect((await g.down()).code).toBe(0);
    await waitFor(
      'the run span',
      () => byName(rx.spans, 'run').length,
      (n) => n >= 1,
    );

    const wakeReq = rx.spans.find((s) => s.name === 'request' && s.attrs['agor.op'] === 'wake');
    expect(wakeReq?.attrs).toMatchObject({ 'agor.op': 'wake', 'agor.agents': 'helper', 'agor.result': 'ok' });
    const [wake] = byName(rx.spans, 'wake');
    expect(wake).toMatchObject({ traceId: wakeReq!.traceId, parentSpanId: wakeReq!.spanId });
    expect(wake!.attrs).toMatchObject({ 'agor.agent': 'helper', 'agor.wake.reason': 'manual', 'agor.wake.detail': 'nightly', 'agor.run.id': done!.id });
    const [runSpan] = byName(rx.spans, 'run');
    expect(runSpan).toMatchObject({ traceId: wakeReq!.traceId, parentSpanId: wake!.spanId });
    expect(runSpan!.attrs).toMatchObject({
      'agor.agent': 'helper',
      'agor.run.id': done!.id,
      'agor.run.incarnation': 1,
      'agor.run.outcome': 'success',
      'agor.run.exit_code': 0,
      'agor.sandbox.mode': 'best-effort',
    });
    expect(runSpan!.endMs).toBeGreaterThanOrEqual(runSpan!.startMs);
    // Every span names the service, the instance and the group.
    expect(runSpan!.resource).toMatchObject({ 'service.name': 'agor', 'agor.group': 'traced', 'service.instance.id': expect.stringMatching(/\/\d+$/) });
    expect(rx.requests.every((r) => r.path === '/v1/traces' && r.headers['content-type'] === 'application/json')).toBe(true);
  });

  it('marks a failed run’s span as an error with its outcome, exit code and class', async ({ onTestFinished }) => {
    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    const g = group(onTestFinished, { agents: { broken: { ...ON_DEMAND, command: sh('echo oops; exit 3') } } });
    await g.up({ AGOR_OTLP_ENDPOINT: rx.url });
    await g.agor(['wake', 'broken']);
    await g.waitRuns('broken', 'a failed run', (rs) => rs.length >= 1 && rs[0]!.outcome !== null);
    await g.down();
    const [span] = await waitFor(
      'the run span',
      () => byName(rx.spans, 'run'),
      (s) => s.length >= 1,
    );
    // agor wake writes the wake itself: its span starts a trace, and the run that took it is its child.
    const [wake] = byName(rx.spans, 'wake');
    expect(wake).toMatchObject({ parentSpanId: '', spanId: span!.parentSpanId, traceId: span!.traceId });
    expect(span!.attrs).toMatchObject({ 'agor.run.outcome': 'failed', 'agor.run.exit_code': 3, 'agor.run.error_class': 'unknown' });
    expect(span!.status).toMatchObject({ code: 2 });
  });

  it('makes the run a request started its child, and not the retries that follow it later', async ({ onTestFinished }) => {
    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    const g = group(onTestFinished, { agents: { flaky: { command: sh('sleep 0.3; exit 1'), stop_grace: '1s' } } });
    await g.up({ AGOR_OTLP_ENDPOINT: rx.url });
    const c = await g.connect();
    expect((await c.request('stop', { agents: ['flaky'] })).ok).toBe(true);
    expect((await c.request('start', { agents: ['flaky'] })).ok).toBe(true);
    const start = await waitFor(
      'the start request span',
      () => rx.spans.find((s) => s.name === 'request' && s.attrs['agor.op'] === 'start'),
      (s) => !!s,
    );
    // The run the request started, then a retry after its backoff, started by a timer that run's end set.
    const runs = await waitFor(
      'two runs from the start on',
      () => byName(rx.spans, 'run').filter((s) => s.startMs >= start!.startMs),
      (r) => r.length >= 2,
      { timeout: 20_000 },
    );
    const [first, retry] = runs.sort((a, b) => a.startMs - b.startMs);
    expect(first!.parentSpanId).toBe(start!.spanId);
    expect(retry!.parentSpanId).toBe('');
  });

  it('exports an approval.wait span from the request to the decision, with who decided', async ({ onTestFinished }) => {
    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    const g = group(onTestFinished, { agents: { helper: ON_DEMAND } });
    await g.up({ AGOR_OTLP_ENDPOINT: rx.url });
    const created = Date.now();
    const id = sql(g.db, (db) =>
      Number(db.prepare(`INSERT INTO approvals (agent, action, created_at) VALUES ('helper', 'rm -rf build', ?)`).run(created).lastInsertRowid),
    );
    const decided = created + 2000;
    sql(g.db, (db) => db.prepare(`UPDATE approvals SET status = 'approved', decided_at = ?, decided_by = 'admin' WHERE id = ?`).run(decided, id));
    const [wait] = await waitFor(
      'the approval.wait span',
      () => byName(rx.spans, 'approval.wait'),
      (s) => s.length >= 1,
      { timeout: 15_000 },
    );
    expect(wait!.attrs).toMatchObject({
      'agor.agent': 'helper',
      'agor.approval.id': id,
      'agor.approval.action': 'rm -rf build',
      'agor.approval.decision': 'approved',
      'agor.approval.decided_by': 'admin',
    });
    expect([wait!.startMs, wait!.endMs]).toEqual([created, decided]);
  });

  it('takes otlp: from agor.yaml, sends its headers and names the service as it says', async ({ onTestFinished }) => {
    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    const g = group(onTestFinished);
    g.write(
      `group: g\notlp:\n  endpoint: ${rx.url}/\n  headers: { X-Api-Key: k123 }\n  service_name: agor-ci\nagents:\n  w:\n    command: ["sh", "-c", "true"]\n    mode: on-demand\n`,
    );
    await g.up();
    await g.ok(['ps']);
    await g.down();
    const [req] = await waitFor(
      'a request span',
      () => byName(rx.spans, 'request'),
      (s) => s.length >= 1,
    );
    expect(req!.resource['service.name']).toBe('agor-ci');
    expect(rx.requests[0]!.headers['x-api-key']).toBe('k123');
  });

  it('refuses an otlp endpoint that is not an http(s) URL, naming file, line and key, and a bad AGOR_OTLP_ENDPOINT', async ({ onTestFinished }) => {
    const g = group(onTestFinished);
    const file = g.write('group: g\nagents:\n  w:\n    command: ["true"]\notlp:\n  endpoint: ftp://collector:4318\n');
    const r = await g.agor(['up', '-d', '-f', file]);
    expect({ code: r.code, err: r.stderr.split('\n')[0] }).toEqual({
      code: EXIT.USAGE,
      err: `agor: ${file}:6: otlp.endpoint: 'ftp://collector:4318' is not http or https (OTLP/HTTP)`,
    });
    g.write('group: g\nagents:\n  w:\n    command: ["true"]\notlp:\n  endpoint: http://x\n  header: {}\n');
    expect((await g.agor(['up', '-d', '-f', file])).stderr).toMatch(/:7: otlp\.header: unknown key/);
    g.write('group: g\nagents:\n  w:\n    command: ["true"]\n');
    const env = await g.agor(['up', '-d', '-f', file], { env: { AGOR_OTLP_ENDPOINT: 'localhost:4318' } });
    expect({ code: env.code, err: env.stderr.split('\n')[0] }).toEqual({
      code: EXIT.USAGE,
      err: expect.stringMatching(/^agor: AGOR_OTLP_ENDPOINT: .*not http or https/),
    });
  });
});

describe('the OpenTelemetry SDK', () => {
  const SDK = /opentelemetry/;

  it('is in dist/otel.cjs and in no binary’s bundle', () => {
    expect(readFileSync(join(ROOT, 'dist', 'otel.cjs'), 'utf8')).toMatch(SDK);
    for (const bin of ['agor', 'btmsg', 'bttask', 'agor-relay'])
      expect({ bin, sdk: SDK.test(readFileSync(join(ROOT, 'dist', `${bin}.bundle.cjs`), 'utf8')) }).toEqual({ bin, sdk: false });
  });

  it('is loaded by a supervisor only when an endpoint is set, and never by agor --help or agor ps', async ({ onTestFinished }) => {
    const g = group(onTestFinished, { agents: { helper: ON_DEMAND } });
    // Every node process of the test records what it loads from the SDK.
    const hook = join(g.dir, 'record-loads.cjs');
    const loads = join(g.dir, 'loads.txt');
    writeFileSync(loads, '');
    writeFileSync(
      hook,
      `const M = require('node:module'); const fs = require('node:fs'); const load = M._load;
M._load = function (req, ...rest) { if (/otel\\.cjs$|opentelemetry/.test(req)) fs.appendFileSync(${JSON.stringify(loads)}, process.argv.slice(2, 3).join(' ') + ' ' + req + '\\n'); return load.call(this, req, ...rest); };\n`,
    );
    const env = { NODE_OPTIONS: `--require ${hook}` };
    expect(run('agor', ['--help'], { env }).code).toBe(0);
    await g.up(env);
    await g.ok(['ps'], { env });
    await g.agor(['wake', 'helper'], { env });
    await g.waitRuns('helper', 'a finished run', (rs) => rs.length === 1 && rs[0]!.outcome !== null);
    await g.down();
    expect(readFileSync(loads, 'utf8')).toBe('');

    const rx = await startReceiver();
    onTestFinished(() => rx.close());
    await g.up({ ...env, AGOR_OTLP_ENDPOINT: rx.url });
    await g.ok(['ps'], { env });
    await g.down();
    // The supervisor (agor up) loaded it; agor up -d and agor ps did not.
    expect(readFileSync(loads, 'utf8').trim().split('\n')).toEqual([expect.stringMatching(/^up .*otel\.cjs$/)]);
  });
});
