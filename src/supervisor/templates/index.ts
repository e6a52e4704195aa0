import { EXAMPLE_CONFIG } from '../template.js';
import { AIDER_SCRIPT, AIDER_YAML } from './aider.js';
import { CLAUDE_CODE_HOOK, CLAUDE_CODE_SETTINGS, CLAUDE_CODE_YAML } from './claude-code.js';
import { CODEX_YAML } from './codex.js';
import { OLLAMA_SCRIPT, OLLAMA_YAML } from './ollama.js';

/** One file a template writes, relative to the directory of agor.yaml. */
export interface TemplateFile {
  path: string;
  text: string;
  mode: number;
}

/** A starting point for `agor init --template NAME`: agor.yaml first, then the files it names. */
export interface Template {
  name: string;
  summary: string;
  files: TemplateFile[];
  /** What to do before `agor up`: the tool, its login or key. */
  next: string[];
  /** The directory under examples/ that holds the same files (written by npm run examples). */
  example?: string;
}

const yaml = (text: string): TemplateFile => ({ path: 'agor.yaml', text, mode: 0o644 });

/** Every template, the default (demo) first. */
export const TEMPLATES: Template[] = [
  {
    name: 'demo',
    summary: 'Two stand-in agents in sh (no AI tool, no network), every key of agor.yaml explained',
    files: [yaml(EXAMPLE_CONFIG)],
    next: ['edit it, then start the group with: agor up -d'],
  },
  {
    name: 'claude-code',
    summary: 'A lead, two developers and a reviewer on headless Claude Code (claude -p, stream-json), with an approval hook',
    files: [
      yaml(CLAUDE_CODE_YAML),
      { path: 'approval-hook.mjs', text: CLAUDE_CODE_HOOK, mode: 0o755 },
      { path: 'settings.json', text: CLAUDE_CODE_SETTINGS, mode: 0o644 },
    ],
    next: [
      'claude must be on PATH and logged in (claude login), or: agor secret set ANTHROPIC_API_KEY and uncomment the secrets: lines',
      'for approvals, merge settings.json into .claude/settings.json',
      'then: agor up -d && agor wake lead --prompt "Plan: ..."',
    ],
    example: 'claude-code',
  },
  {
    name: 'codex',
    summary: 'The same team on the Codex CLI (codex exec --json), the prompt on its standard input',
    files: [yaml(CODEX_YAML)],
    next: [
      'codex must be on PATH and logged in (codex login), or: agor secret set OPENAI_API_KEY and uncomment the secrets: lines',
      'then: agor up -d && agor wake lead --prompt "Plan: ..."',
    ],
    example: 'codex',
  },
  {
    name: 'aider',
    summary: 'Two aider developers (aider --message ... --yes-always) behind a wrapper that claims tasks; you review',
    files: [yaml(AIDER_YAML), { path: 'aider-agent.sh', text: AIDER_SCRIPT, mode: 0o755 }],
    next: [
      'aider must be on PATH with its model key: agor secret set ANTHROPIC_API_KEY (or OPENAI_API_KEY) and uncomment the secrets: lines',
      'then: agor up -d, and give them tasks: BTMSG_AGENT_ID=admin bttask add "..." --assign dev1',
    ],
    example: 'aider',
  },
  {
    name: 'ollama',
    summary: 'Two writers on a local model (ollama run MODEL) behind a wrapper that acts on their answers; nothing leaves the machine',
    files: [yaml(OLLAMA_YAML), { path: 'ollama-agent.sh', text: OLLAMA_SCRIPT, mode: 0o755 }],
    next: ['ollama must be on PATH with its server running and the model pulled: ollama pull llama3.2', 'then: agor up -d, and give them tasks with bttask add'],
    example: 'ollama',
  },
];

/** The template called `name`, or undefined. */
export const templateNamed = (name: string): Template | undefined => TEMPLATES.find((t) => t.name === name);
