import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The session cookie's name: one per port. Browsers keep cookies by host, not by port, so two
 * `segbench serve` on 127.0.0.1 under one name overwrote each other's token, and opening the
 * second logged the first one's tabs out (401).
 */
export function tokenCookieName(port: number): string {
  return `segbench_token_${port}`;
}

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a request presents: `Authorization: Bearer`, `?token=`, or the session cookie named `cookieName`. */
export function presentedToken(request: IncomingMessage, url: URL, cookieName: string): string | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const query = url.searchParams.get('token');
  if (query) return query;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName) return safeDecode(rest.join('='));
  }
  return null;
}

/** decodeURIComponent that answers null for a broken escape (`%E0%A4%A`) instead of throwing. */
export function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
