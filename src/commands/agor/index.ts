import type { AnyVerb } from '../../cli/run.js';
import { completionVerb } from '../../cli/completion.js';
import { approval, approve, deny } from './approval.js';
import { audit } from '../btmsg/audit.js';
import { budget } from './budget.js';
import { restart, start, stop } from './control.js';
import { conflicts } from './conflicts.js';
import { dash } from './dash.js';
import { doctor } from './doctor.js';
import { hostOption, withHost } from './host-option.js';
import { hosts } from './hosts.js';
import { down } from './down.js';
import { init } from './init.js';
import { logs } from './logs.js';
import { ps } from './ps.js';
import { reload } from './reload.js';
import { report } from './report.js';
import { runs } from './runs.js';
import { schedule } from './schedule.js';
import { search } from './search.js';
import { selftest } from './selftest.js';
import { secret } from './secret.js';
import { service } from './service.js';
import { up } from './up.js';
import { wake } from './wake.js';
import { why } from './why.js';
import { merge, worktree } from './worktree.js';

const completion = completionVerb('agor');

/** Every agor verb, in the order --help lists them. */
export const commands: AnyVerb[] = [
  init,
  up,
  dash,
  down,
  reload,
  ps,
  start,
  stop,
  restart,
  wake,
  logs,
  runs,
  search,
  why,
  report,
  budget,
  approval,
  approve,
  deny,
  worktree,
  merge,
  conflicts,
  schedule,
  secret,
  audit,
  hosts,
  doctor,
  selftest,
  service,
  completion,
].map(withHost);

/** Options every agor verb takes besides --db and --json. */
export const options = hostOption;

export const describe = 'Supervise a team of agents: spawn, restart, detect stalls, wake on messages and schedules';

export const epilog =
  'Exit codes: 0 ok, 1 failure, 2 usage (bad agor.yaml too), 3 not found, 4 not permitted, 5 conflict, 6 timeout, 7 busy (another supervisor holds the database; a relay locking out this address). See man agor and man agor.yaml.';

export { completeValues } from './completion.js';
export { extensions } from './extensions.js';
