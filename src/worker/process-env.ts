// The environment `aofctl` processes start with (aofctl dev, the image, the test and bench harness),
// unless the caller sets these itself. glibc reads them once, at process start, so whoever starts the
// process sets them; nothing inside it can.
// - MALLOC_ARENA_MAX: glibc gives threads that allocate arenas of their own (up to 8 per core), and the
//   Temporal core's threads keep freed memory in theirs.
// - MALLOC_MMAP_THRESHOLD_: blocks of 128 KiB and more are mapped on their own and go back to the system
//   when freed (glibc otherwise raises the threshold as large blocks come and go, and keeps them).
// A worker holding 500 open gates settled at 221 MB with both, 270 MB with the first alone and 286-310
// MB with neither, reviewing as fast (bench:memory).
export const PROCESS_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const;
