import { describe, expect, test } from 'vitest';
import { type Binding, KEYMAP, VIEWS, type ViewId, appBinding, helpSections, hintsFor, worksIn } from '../../../src/tui/keymap.js';
import { parseKey } from '../../../src/tui/keys.js';
import { makeTheme } from '../../../src/tui/theme.js';
import { MultiSource } from '../../../src/tui/multi.js';
import { fixture } from './fake-source.js';
import { KEY, UTF8, renderApp } from './render.js';

const g = makeTheme(UTF8, {}).g;

const twoHosts = () =>
  new MultiSource([
    { name: 'h1', source: fixture() },
    { name: 'h2', source: fixture() },
  ]);

/** What the terminal sends for each key name the help screen uses. */
const SENT: Record<string, string[]> = {
  tab: [KEY.tab],
  'S-tab': [KEY.shiftTab],
  enter: [KEY.enter],
  esc: [KEY.esc],
  PgUp: [KEY.pageUp],
  PgDn: [KEY.pageDown],
  [g.upDown]: [KEY.up, KEY.down],
  [g.leftRight]: [KEY.left, KEY.right],
};

/** The key sequences a binding's help entry names. */
function sequences(b: Binding): string[] {
  const label = typeof b.keys === 'string' ? b.keys : b.keys(g);
  return label.split(' ').flatMap((name) => SENT[name] ?? [name]);
}

const where = (b: Binding): readonly ViewId[] => b.views ?? VIEWS.map((v) => v.id);
const label = (b: Binding) => (typeof b.keys === 'string' ? b.keys : b.keys(g));
const appKeys = KEYMAP.filter((b) => b.match);
const viewKeys = KEYMAP.filter((b) => b.action === 'inView');

describe('the keymap', () => {
  test('every key the help screen names for an app action is the key the app acts on, in every view it works in', () => {
    for (const b of appKeys) {
      for (const seq of sequences(b)) {
        const { input, key } = parseKey(seq);
        for (const view of where(b)) expect(appBinding(input, key, view), `${JSON.stringify(seq)} in ${view}`).toBe(b);
      }
    }
  });

  test('the keys a view handles itself reach it: the app claims none of them there', () => {
    for (const b of viewKeys) {
      for (const seq of sequences(b)) {
        const { input, key } = parseKey(seq);
        for (const view of where(b)) expect(appBinding(input, key, view), `${JSON.stringify(seq)} in ${view}`).toBeUndefined();
      }
    }
  });

  test('every key that works only in some views is in the hints of each of them', () => {
    for (const b of KEYMAP.filter((b) => b.views)) {
      for (const view of b.views!) expect(hintsFor(view, g), `${label(b)} in ${view}`).toMatch(new RegExp(`(^|  )${label(b).split(' ')[0]}`));
    }
  });

  test('the help screen lists every binding, with what it does', () => {
    const rows = helpSections(g).flatMap((s) => s.keys.map((k) => ({ section: s.title, ...k })));
    for (const b of KEYMAP) {
      const row = rows.find((r) => r.section === b.section && r.what === b.help);
      expect(row, label(b)).toBeDefined();
      expect(row!.keys.split(' ')).toEqual(expect.arrayContaining(label(b).split(' ')));
    }
  });

  test('? shows every line of the help screen', async () => {
    const r = await renderApp(fixture(), { columns: 100, rows: 40 });
    await r.waitFor('worker-1');
    await r.press('?');
    const f = await r.waitFor('Prompts (every action asks)');
    for (const s of helpSections(g)) {
      expect(f).toContain(s.title);
      for (const k of s.keys) expect(f).toMatch(new RegExp(`${k.keys.replace(/[?]/g, '\\?')} +${k.what.replace(/[()?]/g, '\\$&')}`));
    }
  });
});

// Each app action, in each view it works in, does something a user sees.
const cases = appKeys.flatMap((b) =>
  where(b)
    // A view key is tried from another view, so that it has somewhere to go.
    .filter((view) => b.action !== 'view' || VIEWS.find((v) => v.id === view)!.key !== label(b))
    .slice(0, b.action === 'view' ? 1 : undefined)
    .map((view) => ({ keys: label(b), action: b.action, view })),
);

describe('every app key of the keymap is handled', () => {
  test.each(cases)('$keys ($action) in the $view view', async ({ keys, action, view }) => {
    let left = false;
    // The host key needs hosts to go through.
    const source = action === 'nextHost' ? twoHosts() : fixture();
    const r = await renderApp(source, {
      onExit: () => {
        left = true;
      },
    });
    await r.waitFor('worker-1');
    const tab = VIEWS.find((v) => v.id === view)!;
    await r.press(tab.key);
    const before = await r.waitFor(`[${tab.key} ${tab.name}]`);
    const status = (f: string) => f.split('\n').at(-2) ?? '';
    await r.press(...sequences(KEYMAP.find((b) => label(b) === keys && b.action === action && worksIn(b, view))!).slice(0, 1));
    if (action === 'quit') {
      await r.waitFor(() => left);
    } else if (action === 'help') {
      await r.waitFor('Prompts (every action asks)');
    } else if (action === 'view' || action === 'nextView' || action === 'nextHost') {
      await r.waitFor((f) => f.split('\n')[0] !== before.split('\n')[0]);
    } else {
      // An action asks first: the status line turns from the view's hints into a prompt.
      expect(status(await r.waitFor((f) => status(f) !== status(before)))).toMatch(/: |\[y\/n\]/);
    }
  });
});
