import chalk from 'chalk';
import { afterEach, describe, expect, test } from 'vitest';
import { fixture, message } from './fake-source.js';
import { renderApp } from './render.js';

const ESC = '\x1b';

describe('the terminal size', () => {
  test('under 80x24 the views give way to a message saying how big to make the window', async () => {
    const r = await renderApp(fixture(), { columns: 79, rows: 30 });
    let f = await r.waitFor('enlarge');
    expect(f).toContain('enlarge the window to at least 80x24 (now 79x30)');
    expect(f).not.toContain('worker-1');
    await r.resize(100, 23);
    f = await r.waitFor('now 100x23');
    expect(f).toContain('enlarge the window to at least 80x24 (now 100x23)');
  });

  test('the dashboard follows a resize live, in both directions', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.waitFor('worker-1');
    await r.resize(60, 20);
    await r.waitFor('now 60x20');
    await r.resize(120, 40);
    const f = await r.waitFor('OUTCOME');
    expect(f).toContain('worker-1');
  });

  test('at 80x24 every view fits: no line is wider than 80 and no frame taller than 23', async () => {
    const r = await renderApp(fixture(), { columns: 80, rows: 24 });
    await r.waitFor('worker-1');
    for (const key of ['1', '2', '3', '4', '5', '6', '?']) {
      await r.press(key);
      const lines = r.frame().split('\n');
      expect(lines.length, `view ${key}`).toBeLessThanOrEqual(23);
      for (const l of lines) expect([...l].length, `view ${key}: ${l}`).toBeLessThanOrEqual(80);
      if (key === '?') await r.press('?');
    }
  });
});

describe('a terminal without UTF-8', () => {
  test('LANG=C gets plain ASCII in every view, even from non-ASCII data', async () => {
    const s = fixture();
    s.feedItems.push(message({ id: 'u1', from: 'worker-1', to: 'admin', content: 'café ☕ ready — done', flags: ['unicode_trick'] }));
    const r = await renderApp(s, { columns: 80, rows: 24, env: { LANG: 'C', NO_COLOR: '1' } });
    await r.waitFor('worker-1');
    const frames: string[] = [r.frame()];
    for (const key of ['2', '3', '4', '5', '6', '?']) {
      await r.press(key);
      frames.push(r.frame());
      if (key === '?') await r.press('?');
    }
    await r.press('2', '\r');
    frames.push(await r.waitFor('COMMENTS'));
    for (const f of frames) expect(f).toMatch(/^[\x20-\x7e\n]*$/);
    // The ASCII dots, borders, sparkline and flag marker.
    expect(frames[0]).toMatch(/> \* worker-1/);
    expect(frames[0]).toMatch(/! worker-2/);
    expect(frames[0]).toMatch(/x tester/);
    expect(frames[1]).toContain('+--');
    expect(frames[2]).toContain('! [role_override]');
    expect(frames[3]).toMatch(/cost +=#/);
  });

  test('LC_ALL overrides LANG, either way', async () => {
    let r = await renderApp(fixture(), { env: { LANG: 'en_US.UTF-8', LC_ALL: 'C', NO_COLOR: '1' } });
    expect(await r.waitFor('worker-1')).toMatch(/^[\x20-\x7e\n]*$/);
    r.unmount();
    r = await renderApp(fixture(), { env: { LANG: 'C', LC_ALL: 'de_DE.utf8', NO_COLOR: '1' } });
    expect(await r.waitFor('worker-1')).toContain('●');
  });
});

describe('colour', () => {
  const level = chalk.level;
  afterEach(() => {
    chalk.level = level;
  });

  test('NO_COLOR gives output without a single escape sequence, even where colour is possible', async () => {
    chalk.level = 3;
    const r = await renderApp(fixture(), { env: { LANG: 'en_US.UTF-8', NO_COLOR: '1', FORCE_COLOR: '3' } });
    await r.waitFor('worker-1');
    const frames = [r.frame()];
    for (const key of ['2', '3', '4', '5', '6', '?']) {
      await r.press(key);
      frames.push(r.frame());
      if (key === '?') await r.press('?');
    }
    await r.press('1', 'x');
    frames.push(await r.waitFor('[y/n]'));
    for (const f of frames) expect(f).not.toContain(ESC);
  });

  test('without NO_COLOR states and the stall timer are coloured', async () => {
    chalk.level = 3;
    const r = await renderApp(fixture(), { env: { LANG: 'en_US.UTF-8', FORCE_COLOR: '1' } });
    const f = await r.waitFor('worker-1');
    expect(f).toContain(ESC);
    // worker-2 has been silent past its stall_after: its timer is red.
    // eslint-disable-next-line no-control-regex
    expect(f).toMatch(/\x1b\[31m16m4\ds/);
  });
});
