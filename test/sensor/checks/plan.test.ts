/** The action budget and transitions of a check, decided on results and a clock passed in. */
import t from 'tap';
import type { CheckConfig } from '../../../sensor/checks/config.js';
import { plan, type CheckMemory } from '../../../sensor/checks/plan.js';
import { failed, ok, unavailable } from '../../../sensor/checks/result.js';

const fix = { type: 'exec', command: ['/usr/local/bin/fix-wan'], timeoutS: 30 } as const;
const notify = { type: 'exec', command: ['/usr/bin/logger', 'back'], timeoutS: 30 } as const;
const check: CheckConfig = {
  name: 'wan', type: 'command', command: ['true'], timeoutS: 5, everyS: 60,
  onFailure: [fix], onRecovery: [notify], alertOn: { failure: false, recovery: false }, budget: { actions: 2, windowS: 600 },
};

t.test('failure actions run on every failing run until the budget is spent, then again once the window moved on', async (t) => {
  let memory: CheckMemory | undefined;
  const runs: number[] = [];
  for (let minute = 0; minute < 12; minute++) {
    const decided = plan(check, memory, failed('default route missing'), minute * 60_000);
    if (decided.run.length > 0) runs.push(minute);
    if (minute === 0) t.equal(decided.transition, 'failed');
    else t.equal(decided.transition, null, `minute ${minute}: still failing, no new transition`);
    if (minute === 2) t.same(decided.overBudget, [fix], 'what the budget left out is said');
    memory = decided.memory;
  }
  t.same(runs, [0, 1, 10, 11], 'two actions in any 10 minutes');
  t.equal(memory!.since, 0, 'the failure is dated from its first run');
});

t.test('a passing run after a failure runs the recovery actions once and resets the budget', async (t) => {
  let memory = plan(check, undefined, failed('x'), 0).memory;
  memory = plan(check, memory, failed('x'), 1000).memory;
  t.equal(plan(check, memory, failed('x'), 2000).run.length, 0, 'spent');
  const recovered = plan(check, memory, ok('fine'), 3000);
  t.equal(recovered.transition, 'recovered');
  t.same(recovered.run, [notify]);
  t.same(recovered.memory, { status: 'ok', since: 3000, detail: 'fine', actions: [] });
  t.same(plan(check, recovered.memory, ok('fine'), 4000).run, [], 'recovery actions run once');
  t.same(plan(check, recovered.memory, failed('x'), 5000).run, [fix], 'a new failure has the whole budget again');
});

t.test('a first run that passes is no recovery, and "not available" changes nothing', async (t) => {
  t.match(plan(check, undefined, ok('fine'), 0), { transition: null, run: [] });
  const failing = plan(check, undefined, failed('x'), 0).memory;
  const gone = plan(check, failing, unavailable('conntrack not available'), 1000);
  t.match(gone, { transition: null, run: [], memory: { status: 'failed', since: 0 } });
});

t.test('a budget of zero actions never runs any', async (t) => {
  t.same(plan({ ...check, budget: { actions: 0, windowS: 60 } }, undefined, failed('x'), 0).run, []);
});
