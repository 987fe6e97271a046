// The Bitbucket sandbox's public face: the server, its state and the limits tests refer to.
export { BitbucketSandbox, API_PREFIX, DATA_CENTER_PREFIX } from './server.js';
export { BitbucketState } from './state.js';
export type {
  BitbucketUser,
  BitbucketRepository,
  BitbucketPullRequest,
  BitbucketFileChange,
  BitbucketComment,
  BitbucketBuildStatus,
  BitbucketReport,
  RecordedRequest,
} from './state.js';
export { ANNOTATIONS_PER_REQUEST, ANNOTATIONS_PER_REPORT } from './reports.js';
