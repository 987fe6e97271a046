// Redelivery activities: list a hook's recent deliveries and pick the failed ones (inside one activity,
// returning only a bounded list), and ask the forge to redeliver one. They run on the forge task queue.
// GitHub's hooks are read here; another forge's hook (`forge: 'gitlab'`) goes to that adapter's
// DeliveryVerbs (src/forges/<forge>/redelivery.ts), with the same selection rules (failed-deliveries.ts).
//
// Each hook is read and redelivered with its tenant's own credentials only: the App's hook with the App's
// JWT; the hook of an organization in platforms.github.organizations (or of one of its repositories) with
// that organization's token, or its App installation; never the global token or another installation.
// Other hooks belong to the global tenant and use the global credentials.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Octokit } from '@octokit/rest';
import type { GitHubClientFor } from '../../src/forges/github/client.js';
import {
  boundedFailedDeliveries,
  type FailedDeliveries,
  type FailedDelivery,
  type ListedDelivery,
} from '../../src/forges/failed-deliveries.js';
import { githubCall } from '../../src/forges/github/failures.js';
import { hookRoutes, type GitHubHookRef } from '../../src/forges/github/webhook-hooks.js';
import type { GitLabHookRef } from '../../src/forges/gitlab/redelivery.js';
import { hookLabel, type HookRef } from '../../src/forges/hooks.js';
import type { DeliveryVerbs } from '../../src/forges/port.js';
import type { WorkerMetrics } from '../../src/telemetry/worker-metrics.js';

export interface ListFailedInput {
  hook: HookRef;
  maxAgeHours: number;
  /** At most this many failed deliveries are returned (oldest first). */
  limit: number;
}

export type ListFailedResult = FailedDeliveries;

export interface RedeliverInput {
  hook: HookRef;
  delivery: FailedDelivery;
}

const PER_PAGE = 100;
/** GitHub keeps deliveries for a while beyond the window; never read more than this many pages. */
const MAX_PAGES = 50;

/** An organization with its own webhook secret, as platforms.github.organizations lists it. */
export interface TenantOrganization {
  name: string;
  token_env?: string;
  installation_id?: string | number;
}

export interface RedeliveryClients {
  clientFor: GitHubClientFor;
  /** The App's JWT client; needed for the App's own hook only. */
  appClient?: () => Octokit | undefined;
  /** The organizations that are tenants of their own (their credentials, their hooks). */
  organizations?: () => readonly TenantOrganization[];
  /** platforms.github.app is configured (an organization's installation can then be used). */
  hasApp?: boolean;
  metrics?: WorkerMetrics;
  /** GitLab's adapter, for GitLab hooks (platforms.gitlab.redelivery). */
  gitlab?: DeliveryVerbs<GitLabHookRef>;
}

export function createRedeliveryActivities(clients: RedeliveryClients) {
  const gitlab = (): DeliveryVerbs<GitLabHookRef> => {
    if (!clients.gitlab)
      throw ApplicationFailure.nonRetryable('gitlab is not configured on this worker', 'ForgeNotConfigured');
    return clients.gitlab;
  };
  const clientOf = (hook: GitHubHookRef): Octokit => {
    if (hook.kind === 'app') {
      const app = clients.appClient?.();
      if (!app)
        throw ApplicationFailure.nonRetryable(
          'redelivery of the App hook needs platforms.github.app',
          'RedeliveryConfig',
        );
      return app;
    }
    const owner = hook.kind === 'repository' ? hook.owner : hook.org;
    const org = organizations().find((o) => o.name.toLowerCase() === owner.toLowerCase());
    if (!org) return clients.clientFor({ owner });
    // clientFor takes an organization's own token first.
    if (org.token_env) return clients.clientFor({ owner });
    if (org.installation_id !== undefined && clients.hasApp)
      return clients.clientFor({ owner, installationId: Number(org.installation_id) });
    throw ApplicationFailure.nonRetryable(
      `hook ${hookLabel(hook)} belongs to organization "${org.name}", which has no credentials of its own (token_env, or installation_id with platforms.github.app); it is not read with another tenant's`,
      'RedeliveryConfig',
    );
  };
  const organizations = () => clients.organizations?.() ?? [];
  /** On the App's hook: installations of organizations that are tenants of their own. */
  const otherTenants = (hook: GitHubHookRef): Set<number> =>
    new Set(
      hook.kind === 'app'
        ? organizations()
            .filter((o) => o.installation_id !== undefined)
            .map((o) => Number(o.installation_id))
        : [],
    );

  return {
    async listFailedDeliveries(input: ListFailedInput): Promise<ListFailedResult> {
      if ('forge' in input.hook)
        return gitlab().listFailedDeliveries(input.hook, {
          maxAgeHours: input.maxAgeHours,
          limit: input.limit,
          onPage: (page) => Context.current().heartbeat(page),
        });
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
      return boundedFailedDeliveries(entries, now, maxAgeMs, input.limit, otherTenants(input.hook));
    },

    async redeliverDelivery(input: RedeliverInput): Promise<void> {
      const { hook: ref } = input;
      if ('forge' in ref) await gitlab().redeliver(ref, input.delivery, { retry: Context.current().info.attempt > 1 });
      else {
        const gh = clientOf(ref);
        const routes = hookRoutes(ref);
        await githubCall(() =>
          gh.request(
            routes.redeliver as 'POST /app/hook/deliveries/{delivery_id}/attempts',
            {
              ...routes.params,
              delivery_id: input.delivery.id,
            } as never,
          ),
        );
      }
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
