// Who sent an event: the bot itself, another bot, or a person. Events from bots start nothing unless a
// Trigger opts in, so two bots (or one bot and its own comments) cannot loop.

/** True when `login` is the bot (with or without GitHub's `[bot]` suffix). */
export function isBotLogin(login: unknown, bot: string | undefined): boolean {
  if (typeof login !== 'string' || !bot) return false;
  const strip = (s: string) => s.toLowerCase().replace(/\[bot\]$/, '');
  return strip(login) === strip(bot);
}

/** A GitHub App or other bot account (GitHub marks them `type: Bot` and a `[bot]` login). */
export function isBotSender(sender: { login?: unknown; type?: unknown } | undefined): boolean {
  return sender?.type === 'Bot' || (typeof sender?.login === 'string' && sender.login.endsWith('[bot]'));
}
