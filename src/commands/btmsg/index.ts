import type { AnyVerb } from '../../cli/run.js';
import { completionVerb } from '../../cli/completion.js';
import { ack } from './ack.js';
import { allow } from './allow.js';
import { audit } from './audit.js';
import { channel } from './channel.js';
import { contacts } from './contacts.js';
import { dlq } from './dlq.js';
import { feed } from './feed.js';
import { graph } from './graph.js';
import { heartbeat } from './heartbeat.js';
import { history } from './history.js';
import { inbox } from './inbox.js';
import { notify } from './notify.js';
import { read } from './read.js';
import { register } from './register.js';
import { reply } from './reply.js';
import { search } from './search.js';
import { send } from './send.js';
import { show } from './show.js';
import { status } from './status.js';
import { unread } from './unread.js';
import { wait } from './wait.js';
import { whoami } from './whoami.js';

/** Every btmsg verb, in the order --help lists them. */
export const commands: AnyVerb[] = [
  send,
  inbox,
  read,
  reply,
  ack,
  show,
  history,
  unread,
  wait,
  search,
  feed,
  notify,
  channel,
  contacts,
  status,
  whoami,
  graph,
  heartbeat,
  register,
  allow,
  dlq,
  audit,
  completionVerb('btmsg'),
];

export const describe = 'Messages between agents: direct messages, replies, channels, heartbeats and dead letters.';

export const epilog = 'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 not permitted, 5 conflict, 6 timeout, 7 busy, 8 dead letter. See man btmsg.';

export { completeValues } from './completion.js';
