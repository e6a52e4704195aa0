import { beforeEach, describe, expect, it } from 'vitest';
import { type Board, type Task, EXIT, add, channelHistory, detail, inbox, insertTasks, ok, refused, snapshot, useTeam } from './fixture.js';

const short = (id: string) => id.slice(0, 8);

describe('bttask review flow', () => {
  const team = useTeam();
  let b: Board;
  beforeEach(() => {
    b = team.fresh();
  });

  it('posts a task moved to review to #review-queue and sends each reviewer a message', () => {
    const [t] = insertTasks(b.db, [{ title: 'Cache the sessions', status: 'progress', assigned_to: 'alice' }]);
    ok(b.alice(['status', t!, 'review', '--json']));

    expect(channelHistory(b, 'review-queue')).toMatchObject([{ from: 'alice', content: `review requested: ${short(t!)} "Cache the sessions" by alice` }]);
    for (const reviewer of ['rev', 'rev2']) {
      expect(inbox(b, reviewer)).toMatchObject([
        {
          from: 'alice',
          content: `Review requested: ${short(t!)} "Cache the sessions". Decide with: bttask status ${short(t!)} done, or bttask status ${short(t!)} progress --comment "..."`,
        },
      ]);
    }
    // With reviewers on the team, managers are not asked.
    expect(inbox(b, 'boss')).toEqual([]);
  });

  it('logs an approval (review to done) to #review-log and tells the assignee', () => {
    const [t] = insertTasks(b.db, [{ title: 'Cache the sessions', status: 'review', assigned_to: 'alice' }]);
    expect(ok<Task>(b.rev(['status', t!, 'done', '--json'])).status).toBe('done');

    expect(channelHistory(b, 'review-log')).toMatchObject([{ from: 'rev', content: `approved: ${short(t!)} "Cache the sessions" by rev` }]);
    expect(inbox(b, 'alice')).toMatchObject([{ from: 'rev', content: `Review of ${short(t!)} "Cache the sessions": approved` }]);
  });

  it('refuses to send a task back from review without --comment (exit 2), and changes nothing', () => {
    const [t] = insertTasks(b.db, [{ title: 'Cache the sessions', status: 'review', assigned_to: 'alice' }]);
    const before = snapshot(b.db);
    const r = b.rev(['status', t!, 'progress']);
    refused(r, EXIT.USAGE, /sending task [0-9a-f]{8} back from review needs a comment/);
    expect(r.stderr).toContain(`bttask status ${short(t!)} progress --comment`);
    expect(snapshot(b.db)).toEqual(before);
  });

  it('sends a task back from review with its comment: on the task, in #review-log and to the assignee', () => {
    const [t] = insertTasks(b.db, [{ title: 'Cache the sessions', status: 'review', assigned_to: 'alice' }]);
    expect(ok<Task>(b.rev(['status', t!, 'progress', '--comment', 'add an expiry test', '--json'])).status).toBe('progress');

    expect(detail(b.boss, t!).comments).toMatchObject([{ agent: 'rev', content: 'add an expiry test' }]);
    expect(channelHistory(b, 'review-log')).toMatchObject([
      { from: 'rev', content: `sent back to progress: ${short(t!)} "Cache the sessions" by rev: add an expiry test` },
    ]);
    expect(inbox(b, 'alice')).toMatchObject([{ from: 'rev', content: `Review of ${short(t!)} "Cache the sessions": sent back to progress: add an expiry test` }]);
  });

  it('sends the assignee a message when a task is assigned, by assign or by add --assign', () => {
    const [t] = insertTasks(b.db, [{ title: 'Patch openssl', priority: 'critical' }]);
    ok(b.boss(['assign', t!, 'alice', '--json']));
    const made = add(b.boss, 'Bump the deps', '--assign', 'bob');

    expect(inbox(b, 'alice')).toMatchObject([
      { from: 'boss', content: `Task assigned to you: ${short(t!)} "Patch openssl" (critical). See: bttask show ${short(t!)}` },
    ]);
    expect(inbox(b, 'bob')).toMatchObject([
      { from: 'boss', content: `Task assigned to you: ${short(made.id)} "Bump the deps" (medium). See: bttask show ${short(made.id)}` },
    ]);
  });
});

describe('bttask review flow without reviewers', () => {
  const team = useTeam([
    ['boss', 'manager'],
    ['boss2', 'manager'],
    ['alice', 'project'],
  ]);

  it('asks the managers to review instead', () => {
    const b = team.fresh();
    const [t] = insertTasks(b.db, [{ title: 'Cache the sessions', status: 'progress', assigned_to: 'alice' }]);
    ok(b.alice(['status', t!, 'review', '--json']));
    for (const manager of ['boss', 'boss2']) expect(inbox(b, manager)).toMatchObject([{ from: 'alice', content: expect.stringMatching(/^Review requested: /) }]);
  });
});
