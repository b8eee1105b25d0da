/**
 * A cookie readable by scripts (the CSRF token is; the session cookie is HttpOnly and never is). A module of its own:
 * the session code the sign-in page runs needs it, and importing it from `client.ts` pulled the SDK and the whole
 * operation table into the code the sign-in page loads.
 */
export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}
