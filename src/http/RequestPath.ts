/**
 * A request's path as supervisord's HTTP server (medusa) reads it to choose a handler, so that
 * supervisord's URLs reach the same place on effsup however a client spells them.
 *
 * Invariants (supervisord: medusa http_server.py `found_terminator`, `split_uri`; web.py
 * `supervisor_ui_handler.match`):
 * - the path (the URL before `?`) is percent-decoded once before routing, as Python's
 *   `urllib.parse.unquote` does it: a malformed escape (`%ZZ`) stays as it is, and bytes that are
 *   not UTF-8 become U+FFFD; `/%52PC2` is `/RPC2`, `/logtail%2Fx` is `/logtail/x`;
 * - what follows a `;`, `?` or `#` in the decoded path is not part of it (`/ok.html%3Fx` is `/ok.html`);
 * - supervisord's pages are named without their leading slashes, and no name is `index.html`:
 *   `/`, `//index.html` and `/index.html` are the status page.
 * effsup's own routes (the console's assets, `/api/v1`, `/metrics`) are matched on the path as sent.
 * @since 0.1.0
 */

const utf8 = new TextEncoder()
const lenient = new TextDecoder("utf-8")

/** Python's `urllib.parse.unquote(text)`: `%XX` escapes decoded as UTF-8 (U+FFFD where not), anything else kept. */
export const unquote = (text: string): string => {
  if (!text.includes("%")) return text
  const pieces = text.split(/(%[0-9A-Fa-f]{2})/)
  const bytes: Array<number> = []
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) bytes.push(parseInt(piece.slice(1), 16))
    else for (const byte of utf8.encode(piece)) bytes.push(byte)
  })
  return lenient.decode(Uint8Array.from(bytes))
}

/** The decoded path supervisord's handlers match a request `url` (path and query) on. */
export const routePath = (url: string): string => {
  const query = url.search(/[?#]/)
  const decoded = unquote(query < 0 ? url : url.slice(0, query))
  return /^[^;?#]*/.exec(decoded)![0]
}

/** supervisord's pages (web.py VIEWS). */
export type Page = "index.html" | "tail.html" | "ok.html"

/** The supervisord page a decoded path names (leading slashes do not count; none is the status page), if any. */
export const page = (path: string): Page | undefined => {
  const name = path.replace(/^\/+/, "") || "index.html"
  return name === "index.html" || name === "tail.html" || name === "ok.html" ? name : undefined
}
