// One page of a GitHub list, as the REST API pages: per_page (default 30, at most 100), page (from 1),
// and a Link header naming the next and last pages while there are more.
export function pageOf<T>(
  all: T[],
  query: URLSearchParams,
  url: string,
): { body: T[]; headers: Record<string, string> } {
  const perPage = Math.max(1, Math.min(100, Number(query.get('per_page') ?? 30)));
  const page = Math.max(1, Number(query.get('page') ?? 1));
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const headers: Record<string, string> = {};
  if (page < last) {
    const at = (n: number) => {
      const u = new URL(url);
      u.searchParams.set('per_page', String(perPage));
      u.searchParams.set('page', String(n));
      return u.toString();
    };
    headers.link = `<${at(page + 1)}>; rel="next", <${at(last)}>; rel="last"`;
  }
  return { body: all.slice((page - 1) * perPage, page * perPage), headers };
}
