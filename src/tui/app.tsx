import { Box, type Key, useApp, useStdout } from 'ink';
import { useMemo, useRef, useState } from 'react';
import type { DataSource, SupervisorStatus } from './source.js';
import { shortId, truncate } from './format.js';
import { HelpLine } from './components/HelpLine.js';
import { type HelpSection, HelpOverlay } from './components/HelpOverlay.js';
import { StatusLine } from './components/StatusLine.js';
import { TitleBar } from './components/TitleBar.js';
import { TooSmall } from './components/TooSmall.js';
import { useKeys } from './hooks/useKeys.js';
import { type PromptSpec, type Status, usePrompt } from './hooks/usePrompt.js';
import { SourceVersion, useSource } from './hooks/useSource.js';
import { StickyContext } from './hooks/useSticky.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useTheme } from './hooks/useTheme.js';
import { type ViewSlot, ViewSlotContext } from './hooks/useViewSlot.js';
import { MIN_COLUMNS, MIN_ROWS, type Theme, ThemeContext, makeTheme } from './theme.js';
import { AuditView } from './views/AuditView.js';
import { BOARD_STATES, BoardView } from './views/BoardView.js';
import { CommsView } from './views/CommsView.js';
import { FleetView } from './views/FleetView.js';
import { LogsView } from './views/LogsView.js';
import { RunsView } from './views/RunsView.js';

export const VIEWS = [
  { key: '1', id: 'fleet', name: 'Fleet' },
  { key: '2', id: 'board', name: 'Board' },
  { key: '3', id: 'comms', name: 'Comms' },
  { key: '4', id: 'runs', name: 'Runs' },
  { key: '5', id: 'audit', name: 'Audit' },
  { key: '6', id: 'logs', name: 'Logs' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

/** The views whose actions apply to the selected agent. */
const AGENT_VIEWS: readonly ViewId[] = ['fleet', 'runs', 'logs'];

/** Every key of the dashboard, for the help screen (and the man page). */
export function helpSections(t: Theme): HelpSection[] {
  return [
    {
      title: 'Views',
      keys: [
        { keys: '1 2 3', what: 'Fleet, Board, Comms' },
        { keys: '4 5 6', what: 'Runs, Audit, Logs' },
        { keys: 'tab S-tab', what: 'next / previous view' },
        { keys: '?', what: 'help; ? or esc closes it' },
        { keys: 'q', what: 'quit; agents keep running' },
      ],
    },
    {
      title: 'Agents (Fleet, Runs, Logs)',
      keys: [
        { keys: `${t.g.upDown} PgUp PgDn`, what: 'select an agent' },
        { keys: 'PgUp PgDn', what: 'in Runs: page the runs' },
        { keys: 's x r', what: 'start, stop, restart it' },
        { keys: 'w', what: 'wake it (asks a reason)' },
        { keys: 'm', what: 'message it as admin' },
      ],
    },
    {
      title: 'Board',
      keys: [
        { keys: `${t.g.leftRight} ${t.g.upDown}`, what: 'choose column, task' },
        { keys: 'enter esc', what: 'open the task, back' },
        { keys: 'v', what: 'move the task to a state' },
        { keys: 'c', what: 'comment on the task' },
        { keys: 'm', what: 'message someone as admin' },
      ],
    },
    {
      title: 'Comms, Audit',
      keys: [
        { keys: `${t.g.upDown} PgUp PgDn`, what: 'scroll back and forth' },
        { keys: 'm', what: 'message someone as admin' },
        { keys: 'a t', what: 'audit: filter agent, type' },
      ],
    },
    {
      title: 'Prompts (every action asks)',
      keys: [
        { keys: 'y n', what: 'confirm, cancel' },
        { keys: 'enter esc', what: 'accept the entry, cancel' },
      ],
    },
  ];
}

function hintsFor(view: ViewId, t: Theme): string {
  const ud = t.g.upDown;
  switch (view) {
    case 'fleet':
      return `${ud} select  s start  x stop  r restart  w wake  m message`;
    case 'board':
      return `${t.g.leftRight}${ud} select  enter open  esc back  v move  c comment  m message`;
    case 'comms':
      return `${ud} PgUp/PgDn scroll  m message`;
    case 'runs':
      return `${ud} agent  PgUp/PgDn runs  s start  x stop  r restart  w wake  m message`;
    case 'audit':
      return `${ud} PgUp/PgDn scroll  a agent filter  t type filter  m message`;
    case 'logs':
      return `${ud} agent  s start  x stop  r restart  w wake  m message`;
  }
}

const NO_SUPERVISOR: SupervisorStatus = { state: 'none', pid: null, group: null };

export interface AppProps {
  source: DataSource;
  /** Called when the operator leaves (q); the agents keep running. */
  onExit?: () => void;
  /** Where NO_COLOR, FORCE_COLOR, LANG, LC_ALL, LC_CTYPE and TERM are read (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The dashboard: a title bar, one of six views, a status/prompt line and the help line.
 * Keyboard only. Leaving it (q) never stops an agent.
 */
export function App({ source, onExit, env = process.env }: AppProps) {
  const { stdout } = useStdout();
  const theme = useMemo(() => makeTheme(env, stdout), [env, stdout]);
  const [sticky] = useState(() => new Map<string, unknown>());
  const slot = useRef<ViewSlot>({});
  return (
    <ThemeContext.Provider value={theme}>
      <StickyContext.Provider value={sticky}>
        <ViewSlotContext.Provider value={slot}>
          <SourceVersion source={source}>
            <Dashboard source={source} onExit={onExit} slot={slot} />
          </SourceVersion>
        </ViewSlotContext.Provider>
      </StickyContext.Provider>
    </ThemeContext.Provider>
  );
}

function Dashboard({ source, onExit, slot }: { source: DataSource; onExit?: () => void; slot: { current: ViewSlot } }) {
  const t = useTheme();
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const supervisor = useSource(source, (s) => s.supervisor(), [], { fallback: NO_SUPERVISOR });
  const [view, setView] = useState(0);
  const [help, setHelp] = useState(false);
  // The agent chosen in the Fleet, Runs or Logs view, shared by the three.
  const [agent, setAgent] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const prompt = usePrompt(setStatus);
  const small = columns < MIN_COLUMNS || rows < MIN_ROWS;
  const viewId: ViewId = VIEWS[view]!.id;

  const ask = prompt.ask;
  const short = (s: string) => truncate(s, 40, t.g.ellipsis);

  const agentAction = (verb: 'start' | 'stop' | 'restart', id: string) => {
    const [ing, done] = { start: ['starting', 'started'], stop: ['stopping', 'stopped'], restart: ['restarting', 'restarted'] }[verb];
    ask({
      confirm: () => `${verb} ${id}?`,
      pending: () => `${ing} ${id}${t.g.ellipsis}`,
      run: () => source[verb]([id]),
      done: () => `${done} ${id}`,
    });
  };

  const message = (to: string | null, initialTo = '') => {
    const spec: PromptSpec = {
      fields: to
        ? [{ key: 'text', label: `message to ${to}` }]
        : [
            { key: 'to', label: 'message to (agent id)', initial: initialTo },
            { key: 'text', label: 'message' },
          ],
      confirm: (v) => `send to ${to ?? v.to} as admin: "${short(v.text ?? '')}"?`,
      pending: (v) => `sending to ${to ?? v.to}${t.g.ellipsis}`,
      run: (v) => source.send(to ?? v.to!, v.text!),
      done: (v) => `sent to ${to ?? v.to}`,
    };
    ask(spec);
  };

  const quit = () => {
    onExit?.();
    exit();
  };

  // The view rendered below fills the slot in again (nothing, when help hides it).
  slot.current = {};

  const onKey = (input: string, key: Key): void => {
    // A window too small to show a question must not answer it either: only q works.
    if (small) {
      if (input === 'q' || (key.ctrl && input === 'c')) quit();
      return;
    }
    if (prompt.handleKey(input, key)) return;
    if (input === 'q' || (key.ctrl && input === 'c')) return quit();
    if (status) setStatus(null);
    if (help) {
      if (input === '?' || key.escape) setHelp(false);
      else if (/^[1-6]$/.test(input)) {
        setHelp(false);
        setView(Number(input) - 1);
      }
      return;
    }
    if (key.ctrl || (key.meta && !key.escape)) return;
    if (input === '?') return setHelp(true);
    if (/^[1-6]$/.test(input)) return setView(Number(input) - 1);
    if (key.tab) return setView((v) => (v + (key.shift ? VIEWS.length - 1 : 1)) % VIEWS.length);

    const { agent, task, keys } = slot.current;
    if (AGENT_VIEWS.includes(viewId) && agent) {
      if (input === 's') return agentAction('start', agent);
      if (input === 'x') return agentAction('stop', agent);
      if (input === 'r') return agentAction('restart', agent);
      if (input === 'w') {
        return ask({
          fields: [{ key: 'reason', label: `wake ${agent}: reason` }],
          confirm: (v) => `wake ${agent} (${short(v.reason ?? '')})?`,
          pending: () => `waking ${agent}${t.g.ellipsis}`,
          run: (v) => source.wake(agent, v.reason!),
          done: () => `woke ${agent}`,
        });
      }
      if (input === 'm') return message(agent);
    }
    if (viewId === 'board' && task) {
      const id = shortId(task.id);
      if (input === 'v') {
        return ask({
          fields: [
            { key: 'state', label: `move ${id} to`, choices: BOARD_STATES, initial: task.status },
            { key: 'comment', label: 'comment', optional: true },
          ],
          confirm: (v) => `move ${id} "${short(t.text(task.title))}" from ${task.status} to ${v.state}${v.comment ? ' with the comment' : ''}?`,
          pending: (v) => `moving ${id} to ${v.state}${t.g.ellipsis}`,
          run: (v) => source.moveTask(task.id, v.state!, v.comment || undefined),
          done: (v) => `moved ${id} to ${v.state}`,
        });
      }
      if (input === 'c') {
        return ask({
          fields: [{ key: 'text', label: `comment on ${id}` }],
          confirm: (v) => `comment on ${id}: "${short(v.text ?? '')}"?`,
          pending: () => `commenting on ${id}${t.g.ellipsis}`,
          run: (v) => source.comment(task.id, v.text!),
          done: () => `commented on ${id}`,
        });
      }
    }
    if (input === 'm' && (viewId === 'board' || viewId === 'comms' || viewId === 'audit')) return message(null, viewId === 'board' ? (task?.assigned_to ?? '') : '');
    keys?.(input, key);
  };
  // One listener for the whole app; every key of a chunk counts, each seeing what the one
  // before it did. Text goes whole only to a prompt's text field.
  const typing = !small && prompt.view?.phase === 'field' && !prompt.view.choices;
  useKeys(onKey, () => typing);

  if (small) return <TooSmall columns={columns} rows={rows} />;

  // One row short of the terminal: Ink clears the whole screen on every frame that fills it.
  const height = rows - 1;
  const viewHeight = height - 3;
  const common = { source, width: columns, height: viewHeight };
  let body: JSX.Element;
  if (help) body = <HelpOverlay sections={helpSections(t)} width={columns} height={viewHeight} />;
  else if (viewId === 'fleet') body = <FleetView {...common} agent={agent} setAgent={setAgent} />;
  else if (viewId === 'board') body = <BoardView {...common} />;
  else if (viewId === 'comms') body = <CommsView {...common} />;
  else if (viewId === 'runs') body = <RunsView {...common} agent={agent} setAgent={setAgent} />;
  else if (viewId === 'audit') body = <AuditView {...common} ask={ask} />;
  else body = <LogsView {...common} agent={agent} setAgent={setAgent} />;

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <TitleBar label={source.label} supervisor={supervisor} width={columns} view={help ? 'Help' : VIEWS[view]!.name} />
      <Box flexDirection="column" height={viewHeight}>
        {body}
      </Box>
      <StatusLine prompt={prompt.view} status={status} hints={help ? '? or esc closes the help  1-6 go to a view  q quit' : hintsFor(viewId, t)} width={columns} />
      <HelpLine tabs={VIEWS} current={view} width={columns} />
    </Box>
  );
}
