// The pull request and head commit a gate event is about: a push, a re-run of the check, or a `/review`.
// A check run or suite that GitHub sends without pull requests (a branch's own checks, a fork's) has none.
export function reviewTarget(payload: Record<string, any>): { number: number; headSha?: string } | undefined {
  if (payload.pull_request) return { number: payload.pull_request.number, headSha: payload.pull_request.head?.sha };
  const run = payload.check_run ?? payload.check_suite;
  if (run?.pull_requests?.[0]) return { number: run.pull_requests[0].number, headSha: run.head_sha };
  if (payload.issue?.pull_request) return { number: payload.issue.number };
  return undefined;
}
