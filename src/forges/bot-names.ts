// The bot's own names on a forge, as the ingress keeps them: learnt from its credentials once at start
// and, while some credential's name is still unknown (the forge did not answer), asked again every
// IDENTITY_RETRY_MS until it is. Each forge says how to learn them (src/forges/github/identity.ts,
// src/forges/gitlab/identity.ts, src/forges/bitbucket/identity.ts).

/** How long a failed attempt to learn a credential's name is remembered before it is tried again. */
export const IDENTITY_RETRY_MS = 60_000;

export interface LearntNames {
  /** The names learnt so far. */
  current(): string[];
  stop(): void;
}

/**
 * The names `ask` learns from each distinct credential (by `keyOf`), asked at once; `known` is false while
 * some credential's is unknown (`ask` failed or answered nothing). A credential `ask` cannot learn from
 * (`undefined` instead of a promise) counts as known, with no name.
 */
export async function learnNames<C>(
  credentials: readonly C[],
  keyOf: (c: C) => string,
  ask: (c: C) => Promise<string | undefined> | undefined,
): Promise<{ names: string[]; known: boolean }> {
  const distinct = new Map(credentials.map((c) => [keyOf(c), c]));
  const asked = [...distinct.values()].flatMap((c) => {
    const answer = ask(c);
    return answer
      ? [
          answer.then(
            (n) => n || undefined,
            () => undefined,
          ),
        ]
      : [];
  });
  const learnt = await Promise.all(asked);
  const names = [...new Set(learnt.filter((n): n is string => Boolean(n)))];
  return { names, known: learnt.every(Boolean) };
}

/**
 * `learn` once now, and again every IDENTITY_RETRY_MS until it says every name is `known`; `report` hears the
 * names at start and when they become known.
 */
export async function watchLearnt(
  learn: () => Promise<{ names: string[]; known: boolean }>,
  report: (names: string[], known: boolean) => void = () => {},
): Promise<LearntNames> {
  const first = await learn();
  let names = first.names;
  report(names, first.known);
  const retry = first.known
    ? undefined
    : setInterval(() => {
        void learn().then((learnt) => {
          names = learnt.names;
          if (!learnt.known) return;
          clearInterval(retry);
          report(names, true);
        });
      }, IDENTITY_RETRY_MS);
  retry?.unref();
  return { current: () => names, stop: () => clearInterval(retry) };
}
