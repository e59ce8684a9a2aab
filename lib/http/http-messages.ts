/** The parts of an Express or Fastify request/response the interceptor reads (both expose these). */
export interface HttpRequest {
  method?: string;
  url?: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpResponse {
  statusCode: number;
  getHeader(name: string): unknown;
}

export function headerOf(request: HttpRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** A 2xx response that sets no cookie and is not marked no-store (nor private, unless the route varies per caller). */
export function isStorableResponse(response: HttpResponse, variesPerCaller: boolean): boolean {
  if (response.statusCode < 200 || response.statusCode >= 300) return false;
  if (response.getHeader('set-cookie') !== undefined) return false;
  const cacheControl = String(response.getHeader('cache-control') ?? '');
  if (cacheControl.includes('no-store')) return false;
  return variesPerCaller || !cacheControl.includes('private');
}

/** The request headers a response's `Vary` names, lower-case (`*`: it varies on anything, never storable). */
export function varyOf(response: HttpResponse): string[] {
  const vary = response.getHeader('vary');
  if (vary === undefined || vary === null) return [];
  const text = Array.isArray(vary) ? vary.join(',') : String(vary);
  return text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
}
