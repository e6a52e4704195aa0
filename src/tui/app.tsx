import { Box, type Key, useApp, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DataSource, SupervisorStatus } from './source.js';
import { shortId, truncate } from './format.js';
import { HelpLine } from './components/HelpLine.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { HostTabs } from './components/Hosts.js';
import { StatusLine } from './components/StatusLine.js';
import { TitleBar } from './components/TitleBar.js';
import { TooSmall } from './components/TooSmall.js';
import { useBell } from './hooks/useBell.js';
import { useKeys } from './hooks/useKeys.js';
import { type PromptSpec, type Status, usePrompt } from './hooks/usePrompt.js';
import { SourceVersion, useSource } from './hooks/useSource.js';
import { StickyContext } from './hooks/useSticky.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useTheme } from './hooks/useTheme.js';
import { type ViewSlot, ViewSlotContext } from './hooks/useViewSlot.js';
import { type AppAction, HELP_HINTS, VIEWS, type ViewId, appBinding, bindingOf, helpSections, hintsFor } from './keymap.js';
import { MIN_COLUMNS, MIN_ROWS, ThemeContext, makeTheme } from './theme.js';
import { ApprovalsView } from './views/ApprovalsView.js';
import { ConflictsView } from './views/ConflictsView.js';
import { AuditView } from './views/AuditView.js';
import { BOARD_STATES, BoardView } from './views/BoardView.js';
import { CommsView } from './views/CommsView.js';
import { FleetView } from './views/FleetView.js';
import { LogsView } from './views/LogsView.js';
import { RunsView } from './views/RunsView.js';

const NO_SUPERVISOR: SupervisorStatus = { state: 'none', pid: null, group: null };

/** The views whose data is one host's (task and message ids are per host). */
const PER_HOST: readonly ViewId[] = ['board', 'comms', 'audit'];

function stickyOf(all: Map<string, Map<string, unknown>>, host: string): Map<string, unknown> {
  let m = all.get(host);
  if (!m) all.set(host, (m = new Map()));
  return m;
}

export interface AppProps {
  source: DataSource;
  /** Called when the operator leaves (q); the agents keep running. */
  onExit?: () => void;
  /** Where NO_COLOR, FORCE_COLOR, LANG, LC_ALL, LC_CTYPE and TERM are read (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Whether the bell rings on the supervisor's notifications at first (`b` toggles it; `--no-bell`). Default: on. */
  bell?: boolean;
}

/**
 * The dashboard: a title bar, one of seven views, a status/prompt line and the help line.
 * Keyboard only. Leaving it (q) never stops an agent.
 */
export function App({ source, onExit, env = process.env, bell = true }: AppProps) {
  const { stdout } = useStdout();
  const theme = useMemo(() => makeTheme(env, stdout), [env, stdout]);
  const [sticky] = useState(() => new Map<string, unknown>());
  const slot = useRef<ViewSlot>({});
  return (
    <ThemeContext.Provider value={theme}>
      <StickyContext.Provider value={sticky}>
        <ViewSlotContext.Provider value={slot}>
          <SourceVersion source={source}>
            <Dashboard source={source} onExit={onExit} slot={slot} bell={bell} />
          </SourceVersion>
        </ViewSlotContext.Provider>
      </StickyContext.Provider>
    </ThemeContext.Provider>
  );
}

function Dashboard({ source, onExit, slot, bell: bellAtStart }: { source: DataSource; onExit?: () => void; slot: { current: ViewSlot }; bell: boolean }) {
  const t = useTheme();
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const supervisor = useSource(source, (s) => s.supervisor(), [], { fallback: NO_SUPERVISOR });
  // Over several hosts: the hosts, and the one whose board, feed and audit the views show.
  const hosts = useSource(source, (s) => s.hosts?.() ?? null, [], { fallback: null });
  const host = useSource(source, (s) => s.selectedHost?.() ?? null, [], { fallback: null });
  const link = useSource(source, (s) => s.connection?.() ?? null, [], { fallback: null });
  // Each host's views keep their own place (selection, scroll, filters): task ids are per host.
  const [stickies] = useState(() => new Map<string, Map<string, unknown>>());
  const [view, setView] = useState(0);
  const [help, setHelp] = useState(false);
  // The agent chosen in the Fleet, Runs or Logs view, shared by the three.
  const [agent, setAgent] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [bell, setBell] = useState(bellAtStart);
  useBell(source, bell);
  const prompt = usePrompt(setStatus);
  // A reload of agor.yaml (agor reload, SIGHUP) and its result show in the status line as they happen.
  const reload = useSource(source, (s) => s.lastReload?.() ?? null, [], { fallback: null });
  useEffect(() => {
    if (reload) setStatus({ tone: reload.status === 'applied' ? 'ok' : 'bad', text: reload.text });
  }, [reload?.seq]);
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

  const decide = (verb: 'approve' | 'deny', on: ViewSlot['approval']) => {
    const a = on;
    const act = verb === 'approve' ? source.approve : source.deny;
    if (!a || !act) return false;
    const [ing, done] = verb === 'approve' ? ['approving', 'approved'] : ['denying', 'denied'];
    ask({
      fields: [{ key: 'note', label: `${verb} request ${a.ref} of ${a.agent}: note for the agent`, optional: true }],
      confirm: (v) => `${verb} "${short(t.text(a.action))}" of ${a.agent}${v.note ? ' with the note' : ''}?`,
      pending: () => `${ing} request ${a.ref}${t.g.ellipsis}`,
      run: (v) => act.call(source, a.ref, v.note || undefined),
      done: () => `${done} request ${a.ref} of ${a.agent}`,
    });
  };

  const quit = () => {
    onExit?.();
    exit();
  };

  const isQuit = bindingOf('quit').match!;
  // The view rendered below fills the slot in again; with none on screen, nothing does. Not
  // emptied on every render: a key that sets the state it already has (1 on the Fleet) gets a
  // render of this component that React abandons before the view, and the slot would stay empty.
  if (help || small) slot.current = {};

  // What each action of the keymap does, given the agent or task the view on screen offers;
  // false when it does not apply (none selected), and the key goes on to the view.
  const actions: Record<AppAction, (input: string, key: Key, on: ViewSlot) => boolean | void> = {
    view: (input) => setView(VIEWS.findIndex((v) => v.key === input)),
    nextView: (_, key) => setView((v) => (v + (key.shift ? VIEWS.length - 1 : 1)) % VIEWS.length),
    nextHost: () => {
      if (!hosts || hosts.length < 2 || !source.selectHost) return false;
      const i = hosts.findIndex((h) => h.name === host);
      source.selectHost(hosts[(i + 1) % hosts.length]!.name);
    },
    help: () => setHelp(true),
    bell: () => {
      setBell(!bell);
      setStatus({ tone: 'info', text: bell ? 'bell off: alerts no longer ring the terminal' : 'bell on: alerts ring the terminal' });
    },
    quit,
    start: (_, __, { agent }) => !!agent && agentAction('start', agent),
    stop: (_, __, { agent }) => !!agent && agentAction('stop', agent),
    restart: (_, __, { agent }) => !!agent && agentAction('restart', agent),
    wake: (_, __, { agent }) => {
      if (!agent) return false;
      ask({
        fields: [{ key: 'reason', label: `wake ${agent}: reason` }],
        confirm: (v) => `wake ${agent} (${short(v.reason ?? '')})?`,
        pending: () => `waking ${agent}${t.g.ellipsis}`,
        run: (v) => source.wake(agent, v.reason!),
        done: () => `woke ${agent}`,
      });
    },
    messageAgent: (_, __, { agent }) => !!agent && message(agent),
    messageAnyone: (_, __, { task }) => message(null, viewId === 'board' ? (task?.assigned_to ?? '') : ''),
    move: (_, __, { task }) => {
      if (!task) return false;
      const id = shortId(task.id);
      ask({
        fields: [
          { key: 'state', label: `move ${id} to`, choices: BOARD_STATES, initial: task.status },
          { key: 'comment', label: 'comment', optional: true },
        ],
        confirm: (v) => `move ${id} "${short(t.text(task.title))}" from ${task.status} to ${v.state}${v.comment ? ' with the comment' : ''}?`,
        pending: (v) => `moving ${id} to ${v.state}${t.g.ellipsis}`,
        run: (v) => source.moveTask(task.id, v.state!, v.comment || undefined),
        done: (v) => `moved ${id} to ${v.state}`,
      });
    },
    approve: (_, __, { approval }) => decide('approve', approval),
    deny: (_, __, { approval }) => decide('deny', approval),
    ackConflict: (_, __, { conflict: c }) => {
      if (!c || !source.ackConflict) return false;
      ask({
        fields: [{ key: 'note', label: `acknowledge conflict ${c.ref}: note`, optional: true }],
        confirm: () => `acknowledge the ${c.kind} conflict ${c.ref} of ${c.agents.join(', ') || 'no agent'} on ${short(t.text(c.files.join(' ')))}?`,
        pending: () => `acknowledging conflict ${c.ref}${t.g.ellipsis}`,
        run: (v) => source.ackConflict!(c.ref, v.note || undefined),
        done: () => `acknowledged conflict ${c.ref}; a new write to its files re-opens it`,
      });
    },
    comment: (_, __, { task }) => {
      if (!task) return false;
      const id = shortId(task.id);
      ask({
        fields: [{ key: 'text', label: `comment on ${id}` }],
        confirm: (v) => `comment on ${id}: "${short(v.text ?? '')}"?`,
        pending: () => `commenting on ${id}${t.g.ellipsis}`,
        run: (v) => source.comment(task.id, v.text!),
        done: () => `commented on ${id}`,
      });
    },
  };

  const onKey = (input: string, key: Key): void => {
    // A window too small to show a question must not answer it either: only q works.
    if (small) {
      if (isQuit(input, key)) quit();
      return;
    }
    if (prompt.handleKey(input, key)) return;
    if (isQuit(input, key)) return quit();
    if (status) setStatus(null);
    const on = slot.current;
    const b = appBinding(input, key, viewId);
    if (help) {
      if (b?.action === 'help' || key.escape) setHelp(false);
      else if (b?.action === 'view') {
        setHelp(false);
        actions.view(input, key, on);
      }
      return;
    }
    if (key.ctrl || (key.meta && !key.escape)) return;
    if (b && actions[b.action](input, key, on) !== false) return;
    on.keys?.(input, key);
  };
  // One listener for the whole app; every key of a chunk counts, each seeing what the one
  // before it did. Text goes whole only to a prompt's text field.
  const typing = !small && prompt.view?.phase === 'field' && !prompt.view.choices;
  useKeys(onKey, () => typing);

  if (small) return <TooSmall columns={columns} rows={rows} />;

  // One row short of the terminal: Ink clears the whole screen on every frame that fills it.
  const height = rows - 1;
  const viewHeight = height - 3;
  // The views that show one host's data say which, on a row of host tabs.
  const tabs = !help && hosts && host !== null && PER_HOST.includes(viewId);
  const common = { source, width: columns, height: tabs ? viewHeight - 1 : viewHeight };
  let body: JSX.Element;
  if (help) body = <HelpOverlay sections={helpSections(t.g)} width={columns} height={viewHeight} />;
  else if (viewId === 'fleet') body = <FleetView {...common} agent={agent} setAgent={setAgent} />;
  else if (viewId === 'board') body = <BoardView {...common} />;
  else if (viewId === 'comms') body = <CommsView {...common} />;
  else if (viewId === 'runs') body = <RunsView {...common} agent={agent} setAgent={setAgent} />;
  else if (viewId === 'audit') body = <AuditView {...common} ask={ask} />;
  else if (viewId === 'approvals') body = <ApprovalsView {...common} />;
  else if (viewId === 'conflicts') body = <ConflictsView {...common} />;
  else body = <LogsView {...common} agent={agent} setAgent={setAgent} />;

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <TitleBar label={source.label} supervisor={supervisor} link={link} width={columns} view={help ? 'Help' : VIEWS[view]!.name} />
      <Box flexDirection="column" height={viewHeight}>
        {tabs ? (
          <>
            <HostTabs hosts={hosts} selected={host} width={columns} hint={`${bindingOf('nextHost').keys as string} next host`} />
            <StickyContext.Provider value={stickyOf(stickies, host)} key={host}>
              {body}
            </StickyContext.Provider>
          </>
        ) : (
          body
        )}
      </Box>
      <StatusLine prompt={prompt.view} status={status} hints={help ? HELP_HINTS : hintsFor(viewId, t.g)} width={columns} />
      <HelpLine tabs={VIEWS} current={view} width={columns} />
    </Box>
  );
}
