// A file a forge answered with its raw bytes, as the analysis reads it: text, or null when it is larger
// than the analysis reads (as declared, or as read), binary (a NUL byte: git's own test) or not UTF-8.
import type { HttpAnswer } from '../http/forge-http.js';

export interface FileRead {
  text: string | null;
  /** The file's size in bytes, when it is over what is read (as declared before its body, else as read). */
  tooLarge?: number;
}

/**
 * A file's answer as text, and its size when it is too large: a declared size over `maxBytes` drops the
 * body unread. A `Content-Length` declares the file's size only when the body is not content-encoded
 * (a compressed body's length is not the file's).
 */
export async function fileRead(
  res: HttpAnswer,
  maxBytes: number,
  o: {
    /** The header that declares the file's size before its body (else Content-Length). */
    sizeHeader?: string;
    /** Drop the body unread (the answer is not a file: a directory's listing). */
    skip?: boolean;
  } = {},
): Promise<FileRead> {
  const encoded = !/^(identity)?$/i.test(res.headers.get('content-encoding') ?? '');
  const header =
    (o.sizeHeader && res.headers.get(o.sizeHeader)) ?? (encoded ? null : res.headers.get('content-length'));
  const declared = header === null ? NaN : Number(header);
  if (o.skip) {
    await res.cancel();
    return { text: null };
  }
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.cancel();
    return { text: null, tooLarge: declared };
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > maxBytes) return { text: null, tooLarge: bytes.byteLength };
  if (bytes.includes(0)) return { text: null };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { text: null };
  }
}

/** `fileRead`'s text alone. */
export async function fileText(res: HttpAnswer, maxBytes: number, o: Parameters<typeof fileRead>[2] = {}) {
  return (await fileRead(res, maxBytes, o)).text;
}
