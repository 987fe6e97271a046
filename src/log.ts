// Structured JSON logs (pino). Anything that looks like a secret is redacted by key, as a backstop:
// the code never passes secrets to the logger in the first place.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    base: { name },
    redact: {
      paths: ['secret', 'token', '*.secret', '*.token', 'headers.authorization', 'headers["x-hub-signature-256"]'],
      censor: '[redacted]',
    },
  });
}
