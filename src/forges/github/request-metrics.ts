// Counts GitHub API calls and keeps the remaining rate limit from each answer's headers, through an
// Octokit request hook, so every activity's calls are seen without touching the activities.
import type { Octokit } from '@octokit/rest';
import type { WorkerMetrics } from '../../telemetry/worker-metrics.js';

type Headers = Record<string, string | number | undefined>;

export function observeRequests(
  octokit: Octokit,
  metrics: Pick<WorkerMetrics, 'githubRequests' | 'githubRateLimitRemaining'>,
): void {
  octokit.hook.wrap('request', async (request, options) => {
    // The route template (/repos/{owner}/{repo}/...), not the URL: label values stay few.
    const labels = { method: String(options.method), route: String(options.url) };
    const seen = (status: number, headers: Headers | undefined) => {
      metrics.githubRequests.inc({ ...labels, status: String(status) });
      const remaining = Number(headers?.['x-ratelimit-remaining']);
      if (headers?.['x-ratelimit-remaining'] !== undefined && Number.isFinite(remaining)) {
        metrics.githubRateLimitRemaining.set(
          { resource: String(headers['x-ratelimit-resource'] ?? 'core') },
          remaining,
        );
      }
    };
    try {
      const response = await request(options);
      seen(response.status, response.headers as Headers);
      return response;
    } catch (err) {
      const e = err as { status?: number; response?: { headers?: Headers } };
      seen(e.status ?? 0, e.response?.headers);
      throw err;
    }
  });
}
