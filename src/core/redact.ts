/**
 * Defence in depth: findings never hold secrets, but a notice leaves the tenant (Teams, mail), so
 * anything that looks like a token, a signed URL or a key is cut out once more before rendering.
 */
export function redact(text: string): string {
  return text
    .replace(/eyJ[A-Za-z0-9_-]{10,}(\.[A-Za-z0-9_-]*){0,2}/g, "<token>")
    .replace(/([?&]sig=)[^&\s"'<>]+/gi, "$1<redacted>")
    .replace(/(AccountKey=)[^;\s"']+/gi, "$1<redacted>");
}
