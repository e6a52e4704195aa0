import type { Key } from 'ink';
import type { Glyphs } from './theme.js';

/**
 * Every key of the dashboard, in one table: the help screen, the hints of each view, the
 * bottom line and the app's key handler all read it, so a key cannot be shown without
 * being handled, or handled without being shown.
 */

export const VIEWS = [
  { key: '1', id: 'fleet', name: 'Fleet' },
  { key: '2', id: 'board', name: 'Board' },
  { key: '3', id: 'comms', name: 'Comms' },
  { key: '4', id: 'runs', name: 'Runs' },
  { key: '5', id: 'audit', name: 'Audit' },
  { key: '6', id: 'logs', name: 'Logs' },
  { key: '7', id: 'approvals', name: 'Approvals' },
  { key: '8', id: 'conflicts', name: 'Conflicts' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

/** The views whose actions apply to the selected agent. */
const AGENT_VIEWS: readonly ViewId[] = ['fleet', 'runs', 'logs'];

/**
 * What a key does. The app runs its own actions; `inView` keys go on to the view on
 * screen (selection, scrolling, filters) and `inPrompt` keys to the open prompt.
 */
export type AppAction =
  | 'view'
  | 'nextView'
  | 'nextHost'
  | 'help'
  | 'bell'
  | 'quit'
  | 'start'
  | 'stop'
  | 'restart'
  | 'wake'
  | 'messageAgent'
  | 'messageAnyone'
  | 'move'
  | 'comment'
  | 'approve'
  | 'deny'
  | 'ackConflict';
export type Action = AppAction | 'inView' | 'inPrompt';

/** Text that may use the terminal's arrows (Unicode or ASCII). */
type Text = string | ((g: Glyphs) => string);

export interface Binding {
  /** The keys as the help screen shows them, space-separated. */
  keys: Text;
  /** The help screen's section, and what the keys do there; neighbours with the same text share a line. */
  section: string;
  help: string;
  action: Action;
  /** Whether a key is this binding (app actions only; the key reaches the app unmodified by ctrl or alt). */
  match?: (input: string, key: Key) => boolean;
  /** The views it works in; every view when absent. */
  views?: readonly ViewId[];
  /** Its part of the status line's hints, in each view it works in (or per view). */
  hint?: Text | Partial<Record<ViewId, Text>>;
  /** Its reminder on the bottom line, after the view tabs. */
  line?: string;
}

const VIEWS_SECTION = 'Views';
const AGENTS_SECTION = 'Agents (Fleet, Runs, Logs)';
const BOARD_SECTION = 'Board';
const SCROLL_SECTION = 'Comms, Audit';
const APPROVALS_SECTION = 'Approvals';
const CONFLICTS_SECTION = 'Conflicts';
const PROMPT_SECTION = 'Prompts (every action asks)';

const viewKeys = (from: number, to: number): Binding[] =>
  VIEWS.slice(from, to).map((v, _, row) => ({
    keys: v.key,
    section: VIEWS_SECTION,
    help: row.map((r) => r.name).join(', '),
    action: 'view',
    match: (input) => input === v.key,
  }));

const agentKey = (key: string, action: AppAction, help: string, hint: string): Binding => ({
  keys: key,
  section: AGENTS_SECTION,
  help,
  action,
  match: (input) => input === key,
  views: AGENT_VIEWS,
  hint: `${key} ${hint}`,
});

export const KEYMAP: readonly Binding[] = [
  ...viewKeys(0, 3),
  ...viewKeys(3, 8),
  { keys: 'tab S-tab', section: VIEWS_SECTION, help: 'next / previous view', action: 'nextView', match: (_, key) => key.tab, line: 'tab next' },
  {
    keys: 'H',
    section: VIEWS_SECTION,
    help: 'next host (Board, Comms, Audit), with several',
    action: 'nextHost',
    match: (input) => input === 'H',
  },
  { keys: 'b', section: VIEWS_SECTION, help: 'terminal bell on alerts on / off (notify: in agor.yaml)', action: 'bell', match: (input) => input === 'b' },
  { keys: '?', section: VIEWS_SECTION, help: 'help; ? or esc closes it', action: 'help', match: (input) => input === '?', line: '? help' },
  {
    keys: 'q',
    section: VIEWS_SECTION,
    help: 'quit; agents keep running',
    action: 'quit',
    match: (input, key) => input === 'q' || (key.ctrl && input === 'c'),
    line: 'q quit',
  },

  {
    keys: (g) => `${g.upDown} PgUp PgDn`,
    section: AGENTS_SECTION,
    help: 'select an agent',
    action: 'inView',
    views: AGENT_VIEWS,
    hint: { fleet: (g) => `${g.upDown} select`, runs: (g) => `${g.upDown} agent`, logs: (g) => `${g.upDown} agent` },
  },
  { keys: 'PgUp PgDn', section: AGENTS_SECTION, help: 'in Runs: page the runs', action: 'inView', views: ['runs'], hint: 'PgUp/PgDn runs' },
  agentKey('s', 'start', 'start, stop, restart it', 'start'),
  agentKey('x', 'stop', 'start, stop, restart it', 'stop'),
  agentKey('r', 'restart', 'start, stop, restart it', 'restart'),
  agentKey('w', 'wake', 'wake it (asks a reason)', 'wake'),
  agentKey('m', 'messageAgent', 'message it as admin', 'message'),

  {
    keys: (g) => `${g.leftRight} ${g.upDown}`,
    section: BOARD_SECTION,
    help: 'choose column, task',
    action: 'inView',
    views: ['board'],
    hint: (g) => `${g.leftRight}${g.upDown} select`,
  },
  { keys: 'enter esc', section: BOARD_SECTION, help: 'open the task, back', action: 'inView', views: ['board'], hint: 'enter open  esc back' },
  { keys: 'v', section: BOARD_SECTION, help: 'move the task to a state', action: 'move', match: (input) => input === 'v', views: ['board'], hint: 'v move' },
  { keys: 'c', section: BOARD_SECTION, help: 'comment on the task', action: 'comment', match: (input) => input === 'c', views: ['board'], hint: 'c comment' },
  {
    keys: 'm',
    section: BOARD_SECTION,
    help: 'message someone as admin',
    action: 'messageAnyone',
    match: (input) => input === 'm',
    views: ['board'],
    hint: 'm message',
  },

  {
    keys: (g) => `${g.upDown} PgUp PgDn`,
    section: SCROLL_SECTION,
    help: 'scroll back and forth',
    action: 'inView',
    views: ['comms', 'audit'],
    hint: (g) => `${g.upDown} PgUp/PgDn scroll`,
  },
  { keys: 'a t', section: SCROLL_SECTION, help: 'audit: filter agent, type', action: 'inView', views: ['audit'], hint: 'a agent filter  t type filter' },
  {
    keys: 'm',
    section: SCROLL_SECTION,
    help: 'message someone as admin',
    action: 'messageAnyone',
    match: (input) => input === 'm',
    views: ['comms', 'audit'],
    hint: 'm message',
  },

  {
    keys: (g) => `${g.upDown} PgUp PgDn`,
    section: APPROVALS_SECTION,
    help: 'select a pending request',
    action: 'inView',
    views: ['approvals'],
    hint: (g) => `${g.upDown} select`,
  },
  {
    keys: 'a',
    section: APPROVALS_SECTION,
    help: 'approve it, deny it (asks a note, then y/n)',
    action: 'approve',
    match: (input) => input === 'a',
    views: ['approvals'],
    hint: 'a approve',
  },
  {
    keys: 'd',
    section: APPROVALS_SECTION,
    help: 'approve it, deny it (asks a note, then y/n)',
    action: 'deny',
    match: (input) => input === 'd',
    views: ['approvals'],
    hint: 'd deny',
  },

  {
    keys: (g) => `${g.upDown} PgUp PgDn`,
    section: CONFLICTS_SECTION,
    help: 'select a conflict',
    action: 'inView',
    views: ['conflicts'],
    hint: (g) => `${g.upDown} select`,
  },
  {
    keys: 'a',
    section: CONFLICTS_SECTION,
    help: 'acknowledge it until a new write to its files (asks a note, then y/n)',
    action: 'ackConflict',
    match: (input) => input === 'a',
    views: ['conflicts'],
    hint: 'a acknowledge',
  },

  { keys: 'y n', section: PROMPT_SECTION, help: 'confirm, cancel', action: 'inPrompt' },
  { keys: 'enter esc', section: PROMPT_SECTION, help: 'accept the entry, cancel', action: 'inPrompt' },
];

/** The status line's hints while the help screen is open (its own keys: ?, esc, 1-7, q). */
export const HELP_HINTS = '? or esc closes the help  1-8 go to a view  q quit';

const show = (text: Text, g: Glyphs): string => (typeof text === 'string' ? text : text(g));

/** Where a binding works: in `view` (every view for the global keys). */
export const worksIn = (b: Binding, view: ViewId): boolean => !b.views || b.views.includes(view);

/** The app's own binding for a key in `view`, if the app handles it (else the key is the view's). */
export function appBinding(input: string, key: Key, view: ViewId): (Binding & { action: AppAction }) | undefined {
  return KEYMAP.find((b): b is Binding & { action: AppAction } => !!b.match && worksIn(b, view) && b.match(input, key));
}

/** The binding of an action (the first, for an action bound in several sections). */
export function bindingOf(action: AppAction): Binding {
  return KEYMAP.find((b) => b.action === action)!;
}

/** The keys of one view, for the status line. */
export function hintsFor(view: ViewId, g: Glyphs): string {
  const hints: string[] = [];
  for (const b of KEYMAP) {
    if (!b.views?.includes(view) || !b.hint) continue;
    const hint = typeof b.hint === 'object' ? b.hint[view] : b.hint;
    if (hint) hints.push(show(hint, g));
  }
  return hints.join('  ');
}

/** The bottom line's reminders after the view tabs, in order of what to drop first when short of room. */
export const LINE_KEYS: readonly string[] = KEYMAP.flatMap((b) => (b.line ? [b.line] : []));

export interface KeyHelp {
  keys: string;
  what: string;
}

export interface HelpSection {
  title: string;
  keys: KeyHelp[];
}

/** Every key of the dashboard, for the help screen (and the man page). */
export function helpSections(g: Glyphs): HelpSection[] {
  const sections: HelpSection[] = [];
  for (const b of KEYMAP) {
    let s = sections.at(-1);
    if (s?.title !== b.section) sections.push((s = { title: b.section, keys: [] }));
    const last = s.keys.at(-1);
    if (last?.what === b.help) last.keys += ` ${show(b.keys, g)}`;
    else s.keys.push({ keys: show(b.keys, g), what: b.help });
  }
  return sections;
}
