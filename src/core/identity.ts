import { ADMIN } from './roles.js';

/**
 * Who is calling: BTMSG_AGENT_ID; else AGOR_AGENT, which agor sets beside it for every
 * agent (so an agent whose BTMSG_AGENT_ID got lost does not act as the operator); else
 * the operator, `admin`, as at a plain shell.
 */
export const myId = (env: NodeJS.ProcessEnv = process.env): string => env.BTMSG_AGENT_ID || env.AGOR_AGENT || ADMIN;

/**
 * What an agent id (and a channel name) may look like: a letter or digit, then up to 63
 * letters, digits, dots, underscores and dashes. agor.yaml, btmsg register and the
 * supervisor all check against this one pattern.
 */
export const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
