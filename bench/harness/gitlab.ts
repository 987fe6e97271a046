// The GitLab side of bench:review: the GitLab sandbox with the benchmark's projects, merge requests of the
// same synthetic files as the GitHub pull requests, and deliveries as GitLab sends them (a Merge Request
// Hook `open`, then `update` with `oldrev` for a push: GitLab's documented examples, retargeted) to the
// ingress's POST /webhook/gitlab. A review ends when GitLab has answered its last write: the gate's commit
// status in its final state and the summary note (the sandbox's request log says when).
import { randomUUID } from 'node:crypto';
import { gitlabDeliveryHeaders } from '../../src/cli/simulate-gitlab.js';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { COMMENT_MARKER } from '../../src/gate/report.js';
import { ACCESS, GitLabSandbox, type RecordedRequest } from '../../src/sandbox/gitlab/index.js';
import { sha, type addedFile } from '../../test/harness/synthetic-pr.js';

const TOKEN = 'glpat-bench-bot';
const SECRET = 'gl-bench-webhook-secret';
const BASE = sha('gitlab bench: the target branch');

type BenchFile = ReturnType<typeof addedFile>;

/** The gate's own lookups before a review (was this head reviewed; the merge request's head on a quick push). */
export const GITLAB_GATE_LOOKUP = /^GET .*\/(repository\/commits\/[^/]+\/statuses|merge_requests\/\d+)$/;

/** A note written with the gate's summary (created, or edited in place). */
const summaryWrite = (r: RecordedRequest) =>
  r.status > 0 &&
  r.status < 300 &&
  ['POST', 'PUT'].includes(r.method) &&
  /\/merge_requests\/\d+\/notes(\/\d+)?$/.test(r.path) &&
  String((r.body as { body?: unknown } | undefined)?.body ?? '').includes(COMMENT_MARKER);

/** The GitLab sandbox serving `projects` (the bot a Developer in each), for bench:review. */
export async function startGitLabBench(projects: string[]) {
  const sandbox = new GitLabSandbox();
  await sandbox.start();
  const s = sandbox.state;
  s.addUser({ username: 'aofbot', token: TOKEN, bot: true });
  s.addUser({ username: 'root' });
  for (const p of projects) {
    s.addProject({ pathWithNamespace: p });
    s.addMember(p, 'aofbot', ACCESS.developer);
  }
  /** Each merge request's head, by `project!iid`. */
  const heads = new Map<string, string>();

  /**
   * Opens merge request `iid` of `project` with `files`, or, when it is open, pushes them to it; sends the
   * delivery GitLab would and waits for the gate's final status and summary note on the new head.
   */
  async function review(ingressUrl: string, project: string, iid: number, files: BenchFile[]) {
    const p = s.mustProject(project);
    const head = sha(`gitlab:${project}!${iid}:${JSON.stringify(files)}`);
    const diffs = files.map((f) => ({ new_path: f.filename, new_file: true, diff: f.patch, content: f.content }));
    const oldrev = heads.get(`${project}!${iid}`);
    if (oldrev === undefined) s.addMergeRequest(p.id, { iid, author: 'root', headSha: head, baseSha: BASE, diffs });
    else s.push(p.id, iid, head, diffs);
    heads.set(`${project}!${iid}`, head);

    const hook = gitlabExample(oldrev === undefined ? 'merge_request.open' : 'merge_request.update.commits');
    hook.project.id = p.id;
    hook.project.path_with_namespace = project;
    const mr = hook.object_attributes;
    mr.iid = iid;
    mr.source_project_id = mr.target_project_id = p.id;
    mr.last_commit.id = head;
    if (oldrev !== undefined) mr.oldrev = oldrev;

    const before = sandbox.requests.length;
    const started = Date.now();
    const res = await fetch(`${ingressUrl}/webhook/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...gitlabDeliveryHeaders('Merge Request Hook', SECRET, randomUUID()),
      },
      body: JSON.stringify(hook),
    });
    if (res.status !== 201) throw new Error(`POST /webhook/gitlab: ${res.status} ${await res.text()}`);
    const deadline = started + 60_000;
    for (;;) {
      const final = s.statuses.some((x) => x.sha === head && (x.status === 'success' || x.status === 'failed'));
      if (final && sandbox.requests.slice(before).some(summaryWrite)) break;
      if (Date.now() > deadline)
        throw new Error(
          `${project}!${iid}: no final status and summary note in 60 s; GitLab saw\n  ` +
            sandbox.requests
              .slice(before)
              .map((q) => `${q.method} ${q.path} ${q.status}`)
              .join('\n  '),
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300)); // the review workflow ends after its last write
    return {
      label: `gitlab ${project}!${iid} ${oldrev === undefined ? 'open' : 'update'}`,
      started,
      requests: sandbox.requests.slice(before),
    };
  }

  return {
    sandbox,
    /** `platforms.gitlab` of daemon.yaml (YAML). */
    platform: `api_url: ${sandbox.apiUrl}\ntoken_env: AOF_BENCH_GITLAB_TOKEN\nwebhook_secret_env: AOF_BENCH_GITLAB_SECRET`,
    /** What the ingress and the worker read through `platform`'s variables. */
    env: { AOF_BENCH_GITLAB_TOKEN: TOKEN, AOF_BENCH_GITLAB_SECRET: SECRET },
    review,
    stop: () => sandbox.stop(),
  };
}
