// The GitLab sandbox's public face: the server, its state and the limits tests refer to.
export { GitLabSandbox, API_PREFIX } from './server.js';
export { GitLabState, ACCESS } from './state.js';
export type {
  GitLabUser,
  GitLabProject,
  GitLabGroup,
  GitLabMergeRequest,
  GitLabDiff,
  GitLabNote,
  GitLabDiscussion,
  GitLabCommitStatus,
  GitLabHook,
  GitLabHookLog,
  RecordedRequest,
} from './state.js';
export { COUNT_LIMIT } from './http.js';
export { NOTE_MAX } from './notes.js';
export { STATUS_TEXT_MAX } from './statuses.js';
