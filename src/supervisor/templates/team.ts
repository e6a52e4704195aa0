// The parts of agor.yaml that the templates of agor init --template share: the agents: of a
// team with a lead, two developers and a reviewer (claude-code, codex), those of two workers
// behind a wrapper script (aider, ollama), and the notes at the top of the files. Each
// template passes in what is its tool's own; examples/<tool>/agor.yaml shows the result.
import { standingPrompt, yamlBlock } from './prompts.js';

/** An agent's sandbox: block: best-effort, no Unix-domain sockets, and what the tool needs on top of agor's default. */
export interface SandboxBlock {
  /** The anchor on the first agent's block, which the others name (*anchor). */
  anchor: string;
  /** What the first agent's comment calls it, e.g. "The team's sandbox". */
  what: string;
  read?: string[];
  write?: string[];
  /** The value of network:, e.g. { connect: [443] }. */
  network: string;
}

/** One entry under agents:; each value is the YAML text that follows its key. */
interface Entry {
  id: string;
  name: string;
  role: 'manager' | 'project' | 'reviewer';
  command: string;
  promptVia: 'stdin' | 'env';
  /** The API key named in a commented secrets: line. */
  key?: string;
  env?: string;
  model?: string;
  timeout: string;
  /** A comment line above sandbox:. */
  sandboxNote?: string;
  sandbox: string;
  schedules?: string;
  prompt: string;
}

/** A value after its key: on the same line, or (a block that starts with a newline) below it. */
const after = (value: string) => (value.startsWith('\n') ? value : ` ${value}`);

function entry(a: Entry): string {
  return [
    `  ${a.id}:`,
    `    name: ${a.name}`,
    `    role: ${a.role}`,
    '    mode: on-demand',
    `    command:${after(a.command)}`,
    `    prompt_via: ${a.promptVia}`,
    a.key && `    # secrets: [${a.key}]   # from the keyring: agor secret set ${a.key} (see the top of this file)`,
    a.env && `    env: ${a.env}`,
    a.model && `    model: ${a.model}`,
    `    timeout: ${a.timeout}`,
    '    stall_after: 10m',
    a.sandboxNote && `    # ${a.sandboxNote}`,
    `    sandbox:${after(a.sandbox)}`,
    a.schedules && `    schedules:${after(a.schedules)}`,
    `    prompt:${after(a.prompt)}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The first agent's sandbox: block, anchored, with a comment naming who else shares it. */
function firstSandbox(s: SandboxBlock, sharedBy: string): Pick<Entry, 'sandbox' | 'sandboxNote'> {
  const keys = [
    'mode: best-effort',
    s.read && `read: [${s.read.join(', ')}]`,
    s.write && `write: [${s.write.join(', ')}]`,
    `network: ${s.network}`,
    'unix_sockets: deny',
  ];
  return {
    sandboxNote: `${s.what}, shared by ${sharedBy} (*${s.anchor}); see the top of this file.`,
    sandbox: `&${s.anchor}${keys
      .filter(Boolean)
      .map((k) => `\n      ${k}`)
      .join('')}`,
  };
}

const AGENTS = `# A value marked &name is repeated wherever *name stands (YAML anchors and aliases).
agents:
`;

/** What a lead-developers-reviewer team needs of its tool. */
export interface TeamTool {
  /** Each agent's command, as the YAML after command:, anchors and aliases included. */
  command: Record<'lead' | 'dev1' | 'dev2' | 'reviewer', string>;
  /** The API key the tool reads, for the commented secrets: lines. */
  key: string;
  model?: string;
  sandbox: SandboxBlock;
}

/**
 * The agents: of a team of on-demand agents that run btmsg and bttask themselves: a lead who
 * plans (and each weekday morning plans the day), two developers who take tasks from the
 * board twice an hour in working hours, and a reviewer. Their standing prompts are prompts.ts's.
 */
export function teamAgents(t: TeamTool): string {
  const tool = { promptVia: 'stdin', key: t.key, model: t.model } as const;
  const shared = `*${t.sandbox.anchor}`;
  const developer = (n: 1 | 2): Entry => ({
    id: `dev${n}`,
    name: `Developer ${n}`,
    role: 'project',
    command: t.command[`dev${n}`],
    ...tool,
    timeout: '30m',
    sandbox: shared,
    schedules: `
      # Between wakes by mail: take the next ready task, twice an hour in working hours.
      - { cron: "*/30 9-17 * * 1-5", tz: UTC, prompt: "Claim the next ready task, if there is one, and work on it." }`,
    prompt: n === 1 ? `&developer |\n${yamlBlock(standingPrompt('developer'))}` : '*developer',
  });
  const agents: Entry[] = [
    {
      id: 'lead',
      name: 'Lead',
      role: 'manager',
      command: t.command.lead,
      ...tool,
      timeout: '20m',
      ...firstSandbox(t.sandbox, 'every agent below'),
      schedules: `
      - { cron: "0 9 * * 1-5", tz: UTC, prompt: "Plan the day: read your mail, look at the board, split new work into tasks, unblock what is blocked.", timeout: 20m }`,
      prompt: `|\n${yamlBlock(standingPrompt('manager'))}`,
    },
    developer(1),
    developer(2),
    {
      id: 'reviewer',
      name: 'Reviewer',
      role: 'reviewer',
      command: t.command.reviewer,
      ...tool,
      timeout: '20m',
      sandbox: shared,
      prompt: `|\n${yamlBlock(standingPrompt('reviewer'))}`,
    },
  ];
  return AGENTS + agents.map(entry).join('\n\n') + '\n';
}

/** What two workers behind a wrapper script need of their tool. */
export interface Workers {
  /** The ids are prefix1 and prefix2, the names "title 1" and "title 2". */
  prefix: string;
  title: string;
  /** The wrapper beside agor.yaml that each run starts (with sh). */
  script: string;
  key?: string;
  env: string;
  model?: string;
  timeout: string;
  sandbox: SandboxBlock;
  /** The standing prompt both share, and the anchor it goes by. */
  prompt: { anchor: string; text: string };
}

/**
 * The agents: of two on-demand workers run through a wrapper script, which gets the standing
 * prompt in AGOR_PROMPT; each takes the next ready task every 15 minutes in working hours.
 */
export function workerAgents(w: Workers): string {
  const worker = (n: 1 | 2): Entry => ({
    id: `${w.prefix}${n}`,
    name: `${w.title} ${n}`,
    role: 'project',
    command: `["sh", "./${w.script}"]`,
    promptVia: 'env',
    key: w.key,
    env: w.env,
    model: w.model,
    timeout: w.timeout,
    ...(n === 1 ? firstSandbox(w.sandbox, `${w.prefix}2`) : { sandbox: `*${w.sandbox.anchor}` }),
    schedules: '\n      - { cron: "*/15 9-17 * * 1-5", tz: UTC, prompt: "Take the next ready task." }',
    prompt: n === 1 ? `&${w.prompt.anchor} |\n${yamlBlock(w.prompt.text)}` : `*${w.prompt.anchor}`,
  });
  return AGENTS + [worker(1), worker(2)].map(entry).join('\n\n') + '\n';
}

/** The header's note on keeping `key` in the OS keyring instead of the environment. */
export const keyringNote = (key: string): string => `# Or keep the key in the OS keyring, handed to each run and nowhere else (not argv, not the
# database): agor secret set ${key}, then uncomment the secrets: line of each agent.`;

/** The header's note on agor's default sandbox, before what `tool` needs on top of it. */
export const sandboxNote = (tool: string): string => `# The sandbox: each agent runs in agor's default one, with read-write on this directory, a
# TMPDIR of its own and the database's directory, read and execute on the system, node and
# agor (so btmsg and bttask work), no Unix-domain sockets, and the rest of your home out of
# reach. ${tool} needs, on top of that (the sandbox: block of each agent):`;
