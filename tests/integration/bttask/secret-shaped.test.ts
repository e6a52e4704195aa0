import { describe, expect, it } from 'vitest';
import { add, detail, useTeam } from './fixture.js';

// A made-up key in Anthropic's shape.
const ANT = 'sk-ant-api03-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-Dc_Ba9Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4Vu3Ts2Rq1Po0NmAA';

describe('bttask secret_shaped flag', () => {
  const team = useTeam();

  it('flags a task description and a comment holding a token shape, and keeps the text', () => {
    const b = team.fresh();
    const task = add(b.boss, 'Wire the API client', '-d', `use ANTHROPIC_API_KEY=${ANT}`);
    expect(task.flags).toEqual(['secret_shaped']);
    expect(b.boss(['comment', task.id, `same key: ${ANT}`]).code).toBe(0);
    const d = detail(b.boss, task.id);
    expect(d.comments.map((c) => c.flags)).toEqual([['secret_shaped']]);
    expect(d.task.description).toContain(ANT);
    const shown = b.boss(['show', task.id]);
    expect(shown.stdout).toMatch(/secret_shaped: this task holds what looks like a credential/);
  });
});
