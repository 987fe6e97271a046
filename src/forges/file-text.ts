// A file a forge answered with its raw bytes, as the analysis reads it: text, or null when it is larger
// than the analysis reads (as declared, or as read), binary (a NUL byte: git's own test) or not UTF-8.
import type { HttpAnswer } from '../http/forge-http.js';

export async function fileText(
  res: HttpAnswer,
  maxBytes: number,
  o: {
    /** The header that declares the file's size before its body (else Content-Length). */
    sizeHeader?: string;
    /** Drop the body unread (the answer is not a file: a directory's listing). */
    skip?: boolean;
  } = {},
): Promise<string | null> {
  const declared = Number((o.sizeHeader && res.headers.get(o.sizeHeader)) ?? res.headers.get('content-length'));
  if (o.skip || (Number.isFinite(declared) && declared > maxBytes)) {
    await res.cancel();
    return null;
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > maxBytes || bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
