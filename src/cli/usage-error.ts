// A mistake in how aofctl was called: printed as one line, exit 2, never with a stack trace.
export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown options and missing values. */
export function isParseArgsError(err: unknown): err is Error {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
