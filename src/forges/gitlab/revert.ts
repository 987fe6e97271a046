// A merged revert of a merge request. GitLab has no "reverted" event: the Revert button of a merged merge
// request, with "Start a new merge request", opens a merge request from the branch `revert-<short SHA of
// the merge commit>` whose description (the revert commit's message body) is `This reverts merge request
// !<iid>` (GitLab's default, https://gitlab.com/gitlab-org/gitlab/-/issues/24545; seen on gitlab.com, e.g.
// https://gitlab.com/gitlab-org/gitlab-foss/-/merge_requests/4212). Only its merge counts (merging needs
// Developer access to the project), and the text decides nothing but which merge request of the SAME
// project was reverted: a plain `!<iid>` or one qualified by this project's own path, never another
// project's; the iid a plain decimal within GitLab's integer bounds, and not the merge request's own.
// The branch names a commit, not a merge request, so it cannot be checked against the description without
// an API call; it is not read.

/** The largest iid read: GitLab's iids are 32-bit integers. */
const MAX_IID = 2_147_483_647;

/**
 * `This reverts merge request !12` or `... group/sub/project!12`, at the start of the description, followed
 * by whitespace or its end. A project path is letters, digits, `_`, `-`, `.` and `/` (at most 255 here).
 */
const REVERTS = /^This reverts merge request ([A-Za-z0-9_./-]{1,255})?!([1-9][0-9]{0,9})(?:\s|$)/;

/**
 * The iid of the merge request that a Merge Request Hook's merge reverts in `project` (the verified
 * `path_with_namespace`), or undefined: for any other action, or a description that names no merge request
 * of this project.
 */
export function revertedMergeRequest(
  mr: { action: string; iid: number; description: unknown },
  project: string,
): number | undefined {
  if (mr.action !== 'merge' || typeof mr.description !== 'string') return undefined;
  const m = REVERTS.exec(mr.description.slice(0, 400));
  if (!m || (m[1] !== undefined && m[1].toLowerCase() !== project.toLowerCase())) return undefined;
  const iid = Number(m[2]);
  return iid > MAX_IID || iid === mr.iid ? undefined : iid;
}
