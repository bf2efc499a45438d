/**
 * HTML the servers write themselves (the tail page, the console page's first rows): text is only
 * ever put in as escaped text.
 * @since 0.1.0
 */

/** `text` as HTML text (also safe inside a double-quoted attribute). */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;")
