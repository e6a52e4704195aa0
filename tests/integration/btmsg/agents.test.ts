import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunResult, btmsg, json, seedTeam, tempDb } from '../../helpers/cli.js';
import type { AgentView } from '../../../src/msg/agents.js';

type Agent = AgentView;

/** The only line of stderr a refusal prints besides its hint. */
const errorLine = (r: RunResult) => r.stderr.split('\n')[0];

describe('btmsg register', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
  });
  afterEach(() => t.cleanup());

  const status = () => json<Agent[]>(btmsg(['status', '--json'], { db: t.db }));
  const agent = (id: string) => status().find((a) => a.id === id);

  it('gives each role its default tier: 1 for manager, architect, tester and reviewer, 2 for project', () => {
    for (const role of ['manager', 'architect', 'tester', 'reviewer', 'project']) {
      const r = btmsg(['register', `a-${role}`, `A ${role}`, role, 'demo'], { db: t.db });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`created a-${role} (${role}, tier ${role === 'project' ? 2 : 1}, group demo)\n`);
    }
    expect(status().map((a) => [a.id, a.role, a.tier])).toEqual([
      ['admin', 'admin', 0],
      ['a-architect', 'architect', 1],
      ['a-manager', 'manager', 1],
      ['a-reviewer', 'reviewer', 1],
      ['a-tester', 'tester', 1],
      ['a-project', 'project', 2],
    ]);
  });

  it('stores --tier, --model and --cwd', () => {
    const r = btmsg(['register', 'arch', 'Architect', 'architect', 'demo', '--tier', '3', '--model', 'opus', '--cwd', '/src/app', '--json'], {
      db: t.db,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ id: 'arch', tier: 3, model: 'opus', cwd: '/src/app', result: 'created' });
    expect(agent('arch')).toMatchObject({ name: 'Architect', role: 'architect', group: 'demo', tier: 3, model: 'opus', cwd: '/src/app' });
  });

  it('updates an agent registered again, keeping model and cwd when they are not given', () => {
    btmsg(['register', 'arch', 'Arch', 'architect', 'demo', '--model', 'opus', '--cwd', '/src'], { db: t.db });
    const r = btmsg(['register', 'arch', 'Archie', 'reviewer', 'team2', '--json'], { db: t.db });
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ result: 'updated' });
    expect(agent('arch')).toMatchObject({ name: 'Archie', role: 'reviewer', group: 'team2', tier: 1, model: 'opus', cwd: '/src' });
    expect(status().filter((a) => a.id === 'arch')).toHaveLength(1);
  });

  it('refuses an unknown role as a usage error and lists the roles', () => {
    const r = btmsg(['register', 'x', 'X', 'wizard', 'demo'], { db: t.db });
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe("btmsg: unknown role 'wizard'");
    expect(r.stderr).toContain('manager, architect, tester, reviewer, project');
    expect(agent('x')).toBeUndefined();
  });

  it('refuses to give the built-in operator another role or tier', () => {
    const r = btmsg(['register', 'admin', 'Me', 'manager', 'demo'], { db: t.db });
    expect(r.code).toBe(4);
    expect(errorLine(r)).toBe('btmsg: admin is the built-in operator (role admin, tier 0) and cannot be re-registered as manager');
    const tier = btmsg(['register', 'admin', 'Operator', 'admin', 'demo', '--tier', '1'], { db: t.db });
    expect(tier.code).toBe(4);
    expect(errorLine(tier)).toBe('btmsg: admin is the built-in operator (role admin, tier 0) and cannot be re-registered as admin, tier 1');
    expect(agent('admin')).toMatchObject({ role: 'admin', tier: 0, name: 'Operator', group: '*' });
  });

  it("accepts an old setup script's registration of the operator as what it is, changing nothing and saying so", () => {
    const r = btmsg(['register', 'admin', 'Operator', 'admin', 'myteam', '--tier', '0'], { db: t.db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('unchanged admin (admin, tier 0, group *)\n');
    expect(r.stderr).toBe('btmsg: note: admin is the built-in operator and already registered as admin, tier 0; nothing changed\n');
    const j = btmsg(['register', 'admin', 'Root', 'admin', 'other', '--json'], { db: t.db });
    expect(j.code, j.stderr).toBe(0);
    expect(json(j)).toMatchObject({ id: 'admin', name: 'Operator', role: 'admin', tier: 0, result: 'unchanged', note: expect.stringMatching(/nothing changed/) });
    expect(agent('admin')).toMatchObject({ role: 'admin', tier: 0, name: 'Operator', group: '*' });
    // Still a registration: a project agent may not do it.
    seedTeam(t.db);
    const denied = btmsg(['register', 'admin', 'Operator', 'admin', 'demo', '--tier', '0'], { db: t.db, as: 'alice' });
    expect(denied.code).toBe(4);
    expect(errorLine(denied)).toBe('btmsg: alice (project) may not register agents');
  });

  it('refuses tiers outside 1-9 and a non-numeric tier', () => {
    expect(btmsg(['register', 'x', 'X', 'project', 'demo', '--tier', '0'], { db: t.db }).code).toBe(2);
    expect(btmsg(['register', 'x', 'X', 'project', 'demo', '--tier', 'high'], { db: t.db }).code).toBe(2);
    expect(agent('x')).toBeUndefined();
  });

  it('lets the operator register from a plain shell and as BTMSG_AGENT_ID=admin', () => {
    expect(btmsg(['register', 'boss', 'Boss', 'manager', 'demo'], { db: t.db, as: null }).code).toBe(0);
    expect(btmsg(['register', 'alice', 'Alice', 'project', 'demo'], { db: t.db, as: 'admin' }).code).toBe(0);
    expect(agent('alice')).toBeDefined();
  });

  it('lets a manager register agents but not a project agent', () => {
    seedTeam(t.db);
    expect(btmsg(['register', 'carol', 'Carol', 'project', 'demo'], { db: t.db, as: 'boss' }).code).toBe(0);
    const r = btmsg(['register', 'mallory', 'Mallory', 'manager', 'demo'], { db: t.db, as: 'alice' });
    expect(r.code).toBe(4);
    expect(errorLine(r)).toBe('btmsg: alice (project) may not register agents');
    expect(agent('mallory')).toBeUndefined();
    // Nor may it promote itself.
    expect(btmsg(['register', 'alice', 'Alice', 'manager', 'demo'], { db: t.db, as: 'alice' }).code).toBe(4);
    expect(agent('alice')).toMatchObject({ role: 'project', tier: 2 });
  });
});

describe('btmsg allow, contacts and graph', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    for (const [id, role] of [
      ['boss', 'manager'],
      ['alice', 'project'],
      ['bob', 'project'],
      ['carol', 'project'],
    ]) {
      btmsg(['register', id!, id!, role!, 'demo'], { db: t.db });
    }
  });
  afterEach(() => t.cleanup());

  type Graph = { nodes: { id: string; role: string; tier: number }[]; edges: { from: string; to: string; mutual: boolean }[] };
  const graph = () => json<Graph>(btmsg(['graph', '--json'], { db: t.db }));

  it('adds a one-way contact, and with -b both directions', () => {
    const one = btmsg(['allow', 'alice', 'bob', '--json'], { db: t.db });
    expect(one.code, one.stderr).toBe(0);
    expect(json(one)).toEqual({ added: [{ from: 'alice', to: 'bob' }] });
    const both = btmsg(['allow', 'alice', 'carol', '-b'], { db: t.db });
    expect(both.stdout).toBe('allowed alice → carol\nallowed carol → alice\n');
    expect(graph().edges).toEqual([
      { from: 'alice', to: 'bob', mutual: false },
      { from: 'alice', to: 'carol', mutual: true },
      { from: 'carol', to: 'alice', mutual: true },
    ]);
  });

  it('says so when the contact already exists, without adding it twice', () => {
    btmsg(['allow', 'alice', 'bob'], { db: t.db });
    const again = btmsg(['allow', 'alice', 'bob'], { db: t.db });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('already allowed\n');
    expect(graph().edges).toHaveLength(1);
  });

  it('refuses unknown agents and an agent as its own contact', () => {
    const ghost = btmsg(['allow', 'alice', 'ghost'], { db: t.db });
    expect(ghost.code).toBe(3);
    expect(errorLine(ghost)).toBe("btmsg: unknown agent 'ghost'");
    expect(btmsg(['allow', 'alice', 'alice'], { db: t.db }).code).toBe(2);
    expect(graph().edges).toEqual([]);
  });

  it('lets a manager change contacts but not a project agent', () => {
    expect(btmsg(['allow', 'alice', 'bob'], { db: t.db, as: 'boss' }).code).toBe(0);
    const r = btmsg(['allow', 'carol', 'boss', '-b'], { db: t.db, as: 'carol' });
    expect(r.code).toBe(4);
    expect(errorLine(r)).toBe('btmsg: carol (project) may not change contacts');
    expect(graph().edges).toEqual([{ from: 'alice', to: 'bob', mutual: false }]);
  });

  it('lists my contacts plus the operator, and everyone for the operator', () => {
    btmsg(['allow', 'alice', 'bob'], { db: t.db });
    btmsg(['allow', 'carol', 'alice'], { db: t.db });
    const mine = json<Agent[]>(btmsg(['contacts', '--json'], { db: t.db, as: 'alice' }));
    expect(mine.map((a) => a.id)).toEqual(['admin', 'bob']);
    const op = json<Agent[]>(btmsg(['contacts', '--json'], { db: t.db, as: 'admin' }));
    expect(op.map((a) => a.id).sort()).toEqual(['alice', 'bob', 'boss', 'carol']);
  });

  it('shows every agent as a node of the graph with its role and tier', () => {
    expect(graph().nodes).toEqual([
      { id: 'admin', role: 'admin', group: '*', tier: 0 },
      { id: 'boss', role: 'manager', group: 'demo', tier: 1 },
      { id: 'alice', role: 'project', group: 'demo', tier: 2 },
      { id: 'bob', role: 'project', group: 'demo', tier: 2 },
      { id: 'carol', role: 'project', group: 'demo', tier: 2 },
    ]);
  });

  it('draws the graph for humans with ↔ for mutual and → for one-way contacts', () => {
    btmsg(['allow', 'alice', 'bob', '-b'], { db: t.db });
    btmsg(['allow', 'alice', 'boss'], { db: t.db });
    const lines = btmsg(['graph'], { db: t.db }).stdout.split('\n');
    expect(lines).toContain('alice (project)  ↔ bob  → boss');
    expect(lines).toContain('admin (admin)  may message anyone');
    expect(lines).toContain('carol (project)  no contacts');
  });
});

describe('btmsg status, whoami and heartbeat', () => {
  let t: ReturnType<typeof tempDb>;
  beforeEach(() => {
    t = tempDb();
    seedTeam(t.db);
  });
  afterEach(() => t.cleanup());

  const status = () => json<Agent[]>(btmsg(['status', '--json'], { db: t.db }));

  it('records a heartbeat as a heartbeats row holding the current unix time in seconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const r = btmsg(['heartbeat', '--json'], { db: t.db, as: 'alice' });
    const after = Math.floor(Date.now() / 1000);
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ agent: string; timestamp: number }>(r);
    expect(out.agent).toBe('alice');
    const db = new Database(t.db, { readonly: true });
    try {
      const row = db.prepare('SELECT agent_id, timestamp, typeof(timestamp) AS type FROM heartbeats').all();
      expect(row).toEqual([{ agent_id: 'alice', timestamp: out.timestamp, type: 'integer' }]);
    } finally {
      db.close();
    }
    expect(out.timestamp).toBeGreaterThanOrEqual(before);
    expect(out.timestamp).toBeLessThanOrEqual(after);
  });

  it('keeps one heartbeat row per agent, moving it forward', () => {
    const db = new Database(t.db);
    try {
      db.prepare('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?)').run('alice', 1000);
      expect(btmsg(['heartbeat'], { db: t.db, as: 'alice' }).code).toBe(0);
      const rows = db.prepare('SELECT timestamp FROM heartbeats WHERE agent_id = ?').all('alice') as { timestamp: number }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]!.timestamp).toBeGreaterThan(Date.now() / 1000 - 60);
    } finally {
      db.close();
    }
  });

  it('reports liveness from heartbeats: alive when recent, stale after five minutes, none without one', () => {
    btmsg(['heartbeat'], { db: t.db, as: 'alice' });
    const db = new Database(t.db);
    try {
      db.prepare('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?)').run('bob', Math.floor(Date.now() / 1000) - 301);
    } finally {
      db.close();
    }
    const live = Object.fromEntries(status().map((a) => [a.id, a.liveness]));
    expect(live).toEqual({ admin: 'none', boss: 'none', alice: 'alive', bob: 'stale' });
  });

  it('shows each agent with its unread count', () => {
    btmsg(['send', 'bob', 'one'], { db: t.db, as: 'alice' });
    btmsg(['send', 'bob', 'two'], { db: t.db, as: 'boss' });
    const s = status();
    expect(s.find((a) => a.id === 'bob')?.unread).toBe(2);
    expect(s.find((a) => a.id === 'alice')?.unread).toBe(0);
    expect(btmsg(['status'], { db: t.db }).stdout).toMatch(/^bob\s+project\s+2\s+demo\s+no heartbeat\s+2\s+Bob$/m);
  });

  it('tells an agent who it is, with unread messages and contacts', () => {
    btmsg(['send', 'alice', 'hi'], { db: t.db, as: 'bob' });
    const me = json<Agent & { contacts: number }>(btmsg(['whoami', '--json'], { db: t.db, as: 'alice' }));
    // boss and bob, plus the operator.
    expect(me).toMatchObject({ id: 'alice', role: 'project', tier: 2, group: 'demo', unread: 1, contacts: 3, liveness: 'none' });
  });

  it('answers whoami as the operator without BTMSG_AGENT_ID, and refuses heartbeat for an unregistered id', () => {
    const unset = btmsg(['whoami'], { db: t.db, as: null });
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.stdout).toMatch(/^admin\b/);
    const ghost = btmsg(['heartbeat'], { db: t.db, as: 'ghost' });
    expect(ghost.code).toBe(3);
    expect(errorLine(ghost)).toBe("btmsg: BTMSG_AGENT_ID 'ghost' is not a registered agent");
    expect(status().every((a) => a.heartbeat === null)).toBe(true);
  });
});
