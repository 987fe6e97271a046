// Webhook deliveries of the sandbox's hooks (the App's hook, repository and organization hooks), as
// GitHub lists and redelivers them: newest first, cursor pagination with a Link header, and a redelivery
// is a new entry with `redelivery: true` and the same GUID. Tests seed deliveries (failed or not); a hook
// given a URL and secret really receives the redelivered payload, signed, and its answer is recorded.
import { randomUUID } from 'node:crypto';
import { sign } from '../../ingress/signature.js';
import { HttpError, route, type Route } from './http.js';
import type { GitHubSandbox } from './server.js';

export interface SandboxDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  /** Not listed (GitHub shows it only on the single-delivery endpoint); sent again on redelivery. */
  payload?: unknown;
}

export interface HookTarget {
  url: string;
  secret: string;
}

/** A hook's key: `app`, `repos/<owner>/<repo>/hooks/<id>` or `orgs/<org>/hooks/<id>`. */
export type HookKey = string;

export class HookDeliveries {
  private readonly byHook = new Map<HookKey, SandboxDelivery[]>();
  private readonly targets = new Map<HookKey, HookTarget>();
  /** Redelivery requests received (POST .../attempts), by hook and delivery id. */
  readonly attempts: { hook: HookKey; deliveryId: number; at: number }[] = [];
  /** What a redelivery's entry records when the hook has no URL to send to. */
  redeliveryStatus = 200;

  /** `seen` learns each seeded payload (the sandbox registers the issue it names: it exists). */
  constructor(
    private readonly nextId: () => number,
    private readonly seen: (payload: unknown) => void = () => undefined,
  ) {}

  /** Redeliveries to this hook are POSTed to `url`, signed with `secret`. */
  setTarget(hook: HookKey, target: HookTarget): void {
    this.targets.set(hook, target);
  }

  /** Seeds one delivery (defaults: now, a fresh GUID, not a redelivery); returns it. */
  add(
    hook: HookKey,
    d: Partial<SandboxDelivery> & { event: string; status_code: number; payload?: unknown },
  ): SandboxDelivery {
    const entry: SandboxDelivery = {
      id: d.id ?? this.nextId(),
      guid: d.guid ?? randomUUID(),
      delivered_at: d.delivered_at ?? new Date().toISOString(),
      redelivery: d.redelivery ?? false,
      duration: d.duration ?? 0.1,
      status: d.status ?? statusText(d.status_code),
      status_code: d.status_code,
      event: d.event,
      action: d.action ?? null,
      installation_id: d.installation_id ?? null,
      repository_id: d.repository_id ?? null,
      payload: d.payload,
    };
    if (d.payload !== undefined) this.seen(d.payload);
    const list = this.byHook.get(hook) ?? [];
    list.push(entry);
    this.byHook.set(hook, list);
    return entry;
  }

  /** All entries of a hook, newest first (as listed). */
  of(hook: HookKey): SandboxDelivery[] {
    return [...(this.byHook.get(hook) ?? [])].sort(
      (a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id,
    );
  }

  /** One page of the list: `cursor` is the id to continue after; the Link header names the next page. */
  list(hook: HookKey, query: URLSearchParams, selfUrl: string): { body: unknown[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30)));
    const all = this.of(hook);
    const cursor = query.get('cursor');
    const start = cursor ? all.findIndex((d) => String(d.id) === cursor) + 1 : 0;
    const page = all.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    if (start + perPage < all.length && page.length) {
      const next = new URL(selfUrl);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('cursor', String(page[page.length - 1]!.id));
      headers.link = `<${next}>; rel="next"`;
    }
    return { body: page.map(({ payload: _p, ...listed }) => listed), headers };
  }

  /** POST .../deliveries/:id/attempts: accepted at once; the new entry appears when the attempt ends. */
  redeliver(hook: HookKey, deliveryId: number): boolean {
    const original = this.byHook.get(hook)?.find((d) => d.id === deliveryId);
    if (!original) return false;
    this.attempts.push({ hook, deliveryId, at: Date.now() });
    void this.attempt(hook, original);
    return true;
  }

  /** Resolves once every redelivery requested so far has its entry. */
  async settled(): Promise<void> {
    while (this.pending > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private pending = 0;

  private async attempt(hook: HookKey, original: SandboxDelivery): Promise<void> {
    this.pending++;
    const started = Date.now();
    let status = this.redeliveryStatus;
    const target = this.targets.get(hook);
    try {
      if (target && original.payload !== undefined) {
        const body = JSON.stringify(original.payload);
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': original.event,
            'x-github-delivery': original.guid,
            'x-github-hook-id': hook.split('/').pop() ?? '',
            'x-hub-signature-256': sign(target.secret, body),
          },
          body,
        }).catch(() => undefined);
        await res?.arrayBuffer();
        status = res?.status ?? 0; // GitHub records a failed connection with no status code
      }
      this.add(hook, {
        ...original,
        id: undefined,
        delivered_at: new Date().toISOString(),
        redelivery: true,
        duration: (Date.now() - started) / 1000,
        status: undefined,
        status_code: status,
      });
    } finally {
      this.pending--;
    }
  }

  reset(): void {
    this.byHook.clear();
    this.targets.clear();
    this.attempts.length = 0;
    this.redeliveryStatus = 200;
  }
}

function statusText(code: number): string {
  if (code === 0) return 'failed to connect to host';
  if (code >= 200 && code < 300) return 'OK';
  return code >= 500 ? 'Server Error' : 'Client Error';
}

/** Repository and organization hooks' deliveries (a token with admin rights on the hook, on GitHub). */
export function hookRoutes(s: GitHubSandbox): Route[] {
  const scopes = ['repos/{owner}/{repo}', 'orgs/{org}'];
  return [
    ...scopes.map((scope) =>
      route('GET', `/${scope}/hooks/{hook_id}/deliveries`, ({ params, query, url }) => {
        const page = s.deliveries.list(hookKey(scope, params), query, url);
        return { body: page.body, headers: page.headers };
      }),
    ),
    ...scopes.map((scope) =>
      route('POST', `/${scope}/hooks/{hook_id}/deliveries/{delivery_id}/attempts`, ({ params }) => {
        if (!s.deliveries.redeliver(hookKey(scope, params.slice(0, -1)), Number(params[params.length - 1])))
          throw new HttpError(404, 'Not Found');
        return { status: 202, body: {} };
      }),
    ),
  ];
}

/** `repos/<owner>/<repo>/hooks/<id>` or `orgs/<org>/hooks/<id>`, from a route's scope and parameters. */
function hookKey(scope: string, params: string[]): string {
  return scope.startsWith('repos')
    ? `repos/${params[0]}/${params[1]}/hooks/${params[2]}`
    : `orgs/${params[0]}/hooks/${params[1]}`;
}
