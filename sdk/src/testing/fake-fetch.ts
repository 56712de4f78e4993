/** Test doubles for the SDK's unit tests (not part of the package). */

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export type FakeHandler = (request: RecordedRequest, callNumber: number) => Response | Promise<Response>;

/** A fetch that records every request (body parsed) and answers through `handler`. */
export function fakeFetch(handler: FakeHandler): { fetch: (request: Request) => Promise<Response>; calls: RecordedRequest[] } {
  const calls: RecordedRequest[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const text = await request.text();
    const url = new URL(request.url);
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname + url.search,
      url: request.url,
      headers: Object.fromEntries(request.headers.entries()),
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    calls.push(recorded);
    return handler(recorded, calls.length);
  };
  return { fetch, calls };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });

export const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}): Response =>
  json(status, { type: `https://govmatrix.dev/problems/${title.toLowerCase().replace(/\s+/g, '-')}`, title, status, detail, ...extra });

export const networkError = (): TypeError => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });

/** A sleep that records the requested waits and returns at once. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}
