/**
 * @module Claims signed so a stateless edge can check them on any isolate:
 * `<claims>.<HMAC-SHA256>` (base64url). Each use signs under its own context prefix (domain
 * separation), so a token made for one purpose never passes for another under the same key.
 * WebCrypto: runs in workerd. Used by confirmation tokens and the status page's session.
 */

const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function signClaims(key: CryptoKey, context: string, claims: object): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(context + payload));
  return `${payload}.${base64url(new Uint8Array(signature))}`;
}

/**
 * The parsed claims of a token this key signed under `context`; null for anything else
 * (forged, altered, another context, garbage). The caller checks the claims' shape.
 */
export async function verifyClaims(key: CryptoKey, context: string, token: string): Promise<unknown> {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const sig = fromBase64url(signature);
  if (!sig) return null;
  // verify() compares in constant time.
  if (!(await crypto.subtle.verify("HMAC", key, sig, encoder.encode(context + payload)))) return null;
  const bytes = fromBase64url(payload);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}
