// Budgets against cost amplifiers: anyone who can comment can have commands answered. Replies to commands
// that change nothing (`/approve` with nothing waiting) are posted once per pull request, budget window
// (spec.budgets.window_minutes) and text: the reply workflow's id says so, and Temporal refuses a second
// start of it. The ingress only starts that workflow; it waits for no worker.
//
// Agent and fleet runs are counted against their budget windows by the routed workflow itself, before it
// reaches a model (workflows/routed-event.ts): the ingress starts them as any other delivery.
import { createHash } from 'node:crypto';
import type { Resources } from '../config/load.js';
import { budgetWindow } from '../temporal/budget-window.js';
import type { Dispatcher } from './dispatch.js';

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The dispatcher whose replies are posted once per pull request, window and text. A dispatcher without
 * `reply` (one pointed elsewhere in tests) is returned as it is.
 */
export function repliesOncePerWindow(dispatch: Dispatcher, resources: () => Resources): Dispatcher {
  const { reply } = dispatch;
  if (!reply) return dispatch;
  const wrapped: Dispatcher = (input) => dispatch(input);
  return Object.assign(wrapped, dispatch, {
    reply: (input: Parameters<NonNullable<Dispatcher['reply']>>[0]) => {
      const spec = resources().daemon.spec;
      const window = budgetWindow(Date.now(), spec.budgets.window_minutes).label;
      const key = `${spec.temporal.task_queue}/${input.owner}/${input.repo}#${input.issueNumber}/${window}/${hash(input.body)}`;
      return reply(input, key);
    },
  });
}
