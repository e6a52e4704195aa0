import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selfCommand, shellWord } from '../../../../src/commands/agor/shared.js';

describe('the agor command printed for the user to run next', () => {
  let dir: string;
  let saved: { argv1: string | undefined; path: string | undefined; cwd: string };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agor-self-'));
    saved = { argv1: process.argv[1], path: process.env.PATH, cwd: process.cwd() };
    mkdirSync(join(dir, 'clone', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'clone', 'dist', 'agor.cjs'), '#!/usr/bin/env node\n');
    chmodSync(join(dir, 'clone', 'dist', 'agor.cjs'), 0o755);
    process.argv[1] = join(dir, 'clone', 'dist', 'agor.cjs');
  });
  afterEach(() => {
    process.argv[1] = saved.argv1!;
    process.env.PATH = saved.path;
    process.chdir(saved.cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is node and the path of this agor when no agor is on PATH, relative from inside the clone', () => {
    process.env.PATH = '/nonexistent';
    expect(selfCommand()).toBe(`node ${join(dir, 'clone', 'dist', 'agor.cjs')}`);
    process.chdir(join(dir, 'clone'));
    expect(selfCommand()).toBe('node dist/agor.cjs');
  });

  it('is plain agor when the agor on PATH is this one (a link, as npm link makes)', () => {
    mkdirSync(join(dir, 'bin'));
    symlinkSync(join(dir, 'clone', 'dist', 'agor.cjs'), join(dir, 'bin', 'agor'));
    process.env.PATH = `/nonexistent:${join(dir, 'bin')}`;
    expect(selfCommand()).toBe('agor');
  });

  it('is not plain agor when the first agor on PATH is another installation', () => {
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'agor'), '#!/bin/sh\n');
    chmodSync(join(dir, 'other', 'agor'), 0o755);
    mkdirSync(join(dir, 'bin'));
    symlinkSync(join(dir, 'clone', 'dist', 'agor.cjs'), join(dir, 'bin', 'agor'));
    process.env.PATH = `${join(dir, 'other')}:${join(dir, 'bin')}`;
    expect(selfCommand()).toBe(`node ${join(dir, 'clone', 'dist', 'agor.cjs')}`);
  });

  it('quotes a path the shell would split', () => {
    expect(shellWord('/tmp/a b/agor.db')).toBe(`'/tmp/a b/agor.db'`);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('/tmp/agor-demo-x1/agor.db')).toBe('/tmp/agor-demo-x1/agor.db');
  });
});
