// How much of a change's review threads a gate reads and changes on one push (report: review), on every
// forge: bounded however many threads a pull or merge request has.

/** Pages of 100 threads (GitHub) or discussions (GitLab) read at most: the oldest 500 are followed. */
export const THREAD_PAGES = 5;
/** Threads resolved (or reopened) per review at most: the rest on the next push. */
export const MUTATIONS_MAX = 100;
