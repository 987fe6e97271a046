// Redelivery activities: list a hook's recent deliveries and pick the failed ones (inside one activity,
// returning only a bounded list), and ask GitHub to redeliver one. They run on the GitHub task queue.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Octokit } from '@octokit/rest';
import type { GitHubClientFor } from '../../src/github/client.js';
import { failedDeliveries, type FailedDelivery, type ListedDelivery } from '../../src/github/failed-deliveries.js';
import { githubCall } from '../../src/github/failures.js';
import { hookLabel, hookRoutes, type HookRef } from '../../src/github/webhook-hooks.js';
import type { WorkerMetrics } from '../../src/telemetry/worker-metrics.js';

export interface ListFailedInput {
  hook: HookRef;
  maxAgeHours: number;
  /** At most this many failed deliveries are returned (oldest first). */
  limit: number;
}

export interface ListFailedResult {
  /** Entries read from GitHub's list. */
  listed: number;
  failed: FailedDelivery[];
  /** More failed deliveries than `limit`: the rest wait for the next run. */
  more: number;
}

export interface RedeliverInput {
  hook: HookRef;
  delivery: FailedDelivery;
}

const PER_PAGE = 100;
/** GitHub keeps deliveries for a while beyond the window; never read more than this many pages. */
const MAX_PAGES = 50;

export interface RedeliveryClients {
  clientFor: GitHubClientFor;
  /** The App's JWT client; needed for the App's own hook only. */
  appClient?: () => Octokit | undefined;
  metrics?: WorkerMetrics;
}

export function createRedeliveryActivities(clients: RedeliveryClients) {
  const clientOf = (hook: HookRef): Octokit => {
    if (hook.kind === 'app') {
      const app = clients.appClient?.();
      if (!app)
        throw ApplicationFailure.nonRetryable(
          'redelivery of the App hook needs platforms.github.app',
          'RedeliveryConfig',
        );
      return app;
    }
    return clients.clientFor({ owner: hook.kind === 'repository' ? hook.owner : hook.org });
  };

  return {
    async listFailedDeliveries(input: ListFailedInput): Promise<ListFailedResult> {
      const gh = clientOf(input.hook);
      const routes = hookRoutes(input.hook);
      const now = Date.now();
      const maxAgeMs = input.maxAgeHours * 3600_000;
      const entries: ListedDelivery[] = [];
      let pages = 0;
      // Newest first: stop at the first page that reaches past the window.
      const iterator = gh.paginate.iterator(
        routes.list as 'GET /app/hook/deliveries',
        {
          ...routes.params,
          per_page: PER_PAGE,
        } as never,
      );
      await githubCall(async () => {
        for await (const page of iterator) {
          const items = page.data as unknown as ListedDelivery[];
          entries.push(...items);
          Context.current().heartbeat(++pages);
          const oldest = items[items.length - 1];
          if (!oldest || now - Date.parse(oldest.delivered_at) > maxAgeMs || pages >= MAX_PAGES) break;
        }
      });
      const failed = failedDeliveries(entries, now, maxAgeMs);
      return {
        listed: entries.length,
        failed: failed.slice(0, input.limit),
        more: Math.max(0, failed.length - input.limit),
      };
    },

    async redeliverDelivery(input: RedeliverInput): Promise<void> {
      const gh = clientOf(input.hook);
      const routes = hookRoutes(input.hook);
      await githubCall(() =>
        gh.request(
          routes.redeliver as 'POST /app/hook/deliveries/{delivery_id}/attempts',
          {
            ...routes.params,
            delivery_id: input.delivery.id,
          } as never,
        ),
      );
      const d = input.delivery;
      const hook = hookLabel(input.hook);
      clients.metrics?.webhookRedeliveries.inc({ hook, event: d.event });
      Context.current().log.info('webhook delivery redelivered', {
        hook,
        guid: d.guid,
        deliveryId: d.id,
        event: d.action ? `${d.event}.${d.action}` : d.event,
        failedWith: d.status_code,
        deliveredAt: d.delivered_at,
      });
    },
  };
}

export type RedeliveryActivities = ReturnType<typeof createRedeliveryActivities>;
