// One SDK client per endpoint (base URL and key), made on first use: agents may point at different
// servers, and a client keeps its connection pool between turns.
export function clientCache<T>(make: (apiKey: string, baseURL: string | undefined) => T) {
  const clients = new Map<string, T>();
  return (apiKey: string, baseURL: string | undefined): T => {
    const id = `${baseURL ?? ''}\u0000${apiKey}`;
    let client = clients.get(id);
    if (!client) clients.set(id, (client = make(apiKey, baseURL)));
    return client;
  };
}
