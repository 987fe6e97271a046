// Reads the request body as exact bytes (the signature covers them byte for byte). A body over the
// limit is refused with 413 without being read further.
import getRawBody from 'raw-body';
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    throw new BodyError(413, `payload of ${declared} bytes exceeds the ${limitBytes}-byte limit`);
  }
  try {
    return await getRawBody(req, { limit: limitBytes, length: Number.isFinite(declared) ? declared : undefined });
  } catch (err) {
    const e = err as { status?: number; type?: string; message: string };
    if (e.type === 'entity.too.large') throw new BodyError(413, `payload exceeds the ${limitBytes}-byte limit`);
    throw new BodyError(e.status ?? 400, `could not read body: ${e.message}`);
  }
}
