// Who sent an event: the bot itself, another bot, or a person. Events from bots start nothing unless a
// Trigger opts in, so two bots (or one bot and its own comments) cannot loop.

/** True when `login` is one of the bot's own logins (with or without GitHub's `[bot]` suffix). */
export function isBotLogin(login: unknown, bots: string | readonly string[] | undefined): boolean {
  if (typeof login !== 'string' || !bots) return false;
  const strip = (s: string) => s.toLowerCase().replace(/\[bot\]$/, '');
  return (typeof bots === 'string' ? [bots] : bots).some((b) => b !== '' && strip(login) === strip(b));
}

/** Every hidden marker this product writes begins so (`<!-- aof-gate-check -->`, `<!-- aof:op=... -->`). */
export const PRODUCT_MARKER_PREFIX = '<!-- aof';

/** A comment carrying the product's own marker is its own output, whoever's account posted it. */
export function carriesProductMarker(body: unknown): boolean {
  return typeof body === 'string' && body.toLowerCase().includes(PRODUCT_MARKER_PREFIX);
}

/** A GitHub App or other bot account (GitHub marks them `type: Bot` and a `[bot]` login). */
export function isBotSender(sender: { login?: unknown; type?: unknown } | undefined): boolean {
  return sender?.type === 'Bot' || (typeof sender?.login === 'string' && sender.login.endsWith('[bot]'));
}
