import { describe, expect, it } from 'vitest';
import type { AgentRow } from '../../../src/db/agents.js';
import type { TaskRow } from '../../../src/db/tasks.js';
import { type Action, can } from '../../../src/task/permissions.js';

const agent = (id: string, role: string, tier = role === 'admin' ? 0 : role === 'project' ? 2 : 1): AgentRow => ({
  id,
  name: id,
  role,
  group_id: 'g',
  tier,
  model: null,
  cwd: null,
  system_prompt: null,
  status: null,
  last_active_at: null,
  created_at: null,
  managed: 0,
});
const task = (assigned_to: string | null): TaskRow => ({
  rowid: 1,
  id: 't1',
  title: 't',
  description: '',
  status: 'todo',
  priority: 'medium',
  assigned_to,
  created_by: 'admin',
  group_id: 'g',
  parent_task_id: null,
  sort_order: 0,
  created_at: '',
  updated_at: '',
  version: 1,
  open_deps: 0,
});

const ALL: Action[] = ['view', 'create', 'comment', 'update', 'assign', 'delete', 'review', 'claim', 'reorder', 'depend'];
const allowed = (a: AgentRow, t?: TaskRow) => ALL.filter((x) => can(a, x, t));

describe('board permissions', () => {
  it('let the operator and managers do everything', () => {
    expect(allowed(agent('admin', 'admin'), task('someone'))).toEqual(ALL);
    expect(allowed(agent('m', 'manager'), task('someone'))).toEqual(ALL);
  });

  it('let an architect create, comment and view, nothing else', () => {
    expect(allowed(agent('a', 'architect'), task(null))).toEqual(['view', 'create', 'comment']);
  });

  it('let a reviewer view, comment and decide reviews', () => {
    expect(allowed(agent('r', 'reviewer'), task('x'))).toEqual(['view', 'comment', 'review']);
  });

  it('let a tester view and comment only', () => {
    expect(allowed(agent('t', 'tester'), task('x'))).toEqual(['view', 'comment']);
  });

  it('let a project agent work on its own tasks only', () => {
    const p = agent('p', 'project');
    expect(allowed(p, task('p'))).toEqual(['view', 'comment', 'update', 'claim']);
    expect(allowed(p, task('other'))).toEqual([]);
  });

  it("let a project agent claim an unassigned task but not someone else's", () => {
    const p = agent('p', 'project');
    expect(can(p, 'claim', task(null))).toBe(true);
    expect(can(p, 'claim', task('other'))).toBe(false);
    expect(can(p, 'update', task(null))).toBe(false);
  });
});
