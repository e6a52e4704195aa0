import { Chalk, type ChalkInstance } from 'chalk';
import { colorLevel } from '../core/color.js';
import { stdoutIsTTY } from './stdout.js';

/** Chalk for stdout and for stderr, each at the level its own stream earns (src/core/color.ts). */
let stdoutChalk: ChalkInstance | undefined;
let stderrChalk: ChalkInstance | undefined;

export function color(): ChalkInstance {
  return (stdoutChalk ??= new Chalk({ level: colorLevel({ isTTY: stdoutIsTTY() }) }));
}
export function errColor(): ChalkInstance {
  return (stderrChalk ??= new Chalk({ level: colorLevel(process.stderr) }));
}
