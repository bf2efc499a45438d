/**
 * The control servers' error answers (400, 401, 404, 411, 413, 500) as supervisord's HTTP server (medusa)
 * gives them: the status and a small `text/html` page naming the code and its reason.
 * @since 0.1.0
 */
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/** The reason phrases of the error answers the servers give. */
const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  411: "Length Required",
  413: "Request Entity Too Large",
  500: "Internal Server Error"
}

/** An error answer with status `code` and medusa's page for it. */
export const errorPage = (code: number): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(
    ["<head>", "<title>Error response</title>", "</head>", "<body>", "<h1>Error response</h1>", `<p>Error code ${code}.`,
      `<p>Message: ${REASONS[code] ?? "Error"}.`, "</body>", ""].join("\r\n"),
    { status: code, contentType: "text/html" }
  )
