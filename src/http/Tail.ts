/**
 * `tail -f` over HTTP: `/logtail/<namespec>[/stdout|stderr]` and `/mainlogtail` send the last
 * 1024 bytes of the log, then every byte appended to it, until the client or the server goes.
 *
 * Following is event-driven: a watch on the log's directory wakes the reader (a slow timer is
 * only a safety net for filesystems without notifications). A new inode at the path (rotation)
 * is read from its start; a file that shrinks in place gets `==> File truncated <==` and is
 * read from its start too.
 * See shared/reference/supervisord-4.2.5.md §5.7.
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import type { Channel } from "../supervisor/Api.ts"
import { Supervisor } from "../supervisor/Supervisor.ts"

/** How many bytes of existing log a new tail starts with. */
export const INITIAL_BYTES = 1024

/** What a follower prints when the file shrinks under it. */
export const TRUNCATED = "==> File truncated <==\n"

/** Options of `follow`. */
export interface FollowOptions {
  /** Bytes of existing content to start with (default 1024). */
  readonly initialBytes?: number
  /** Safety-net re-check interval when no file event arrives (default 1 second). */
  readonly recheck?: Duration.Input
}

const truncated = new TextEncoder().encode(TRUNCATED)

/**
 * A stream of the file's last `initialBytes` bytes and then everything appended to it. Never fails:
 * a missing file (between rotations) simply yields nothing until it reappears.
 */
export const follow = (file: string, options: FollowOptions = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const initialBytes = options.initialBytes ?? INITIAL_BYTES
    const base = path.basename(file)
    // where we are: the inode followed and the next byte offset to send (undefined before the first read)
    let cursor: { ino: bigint | undefined; pos: number } | undefined

    const step: Stream.Stream<Uint8Array> = Stream.unwrap(Effect.gen(function*() {
      const info = yield* fs.stat(file)
      const size = Number(info.size)
      const ino = Option.getOrUndefined(info.ino)
      let prefix: ReadonlyArray<Uint8Array> = []
      if (cursor === undefined) {
        cursor = { ino, pos: Math.max(0, size - initialBytes) }
      } else if (ino !== cursor.ino) {
        cursor = { ino, pos: 0 }
      } else if (size < cursor.pos) {
        cursor.pos = 0
        prefix = [truncated]
      }
      const from = cursor.pos
      if (size <= from) return Stream.fromIterable(prefix)
      cursor.pos = size
      return Stream.concat(Stream.fromIterable(prefix), fs.stream(file, { offset: from, bytesToRead: size - from }))
    })).pipe(Stream.catchCause(() => Stream.empty))

    return Stream.unwrap(Effect.gen(function*() {
      const wake = yield* Queue.sliding<void>(1)
      const changes = fs.watch(path.dirname(file)).pipe(
        Stream.filter((event) => path.basename(event.path) === base),
        Stream.catchCause(() => Stream.never)
      )
      yield* Stream.merge(changes, Stream.tick(options.recheck ?? Duration.seconds(1))).pipe(
        Stream.runForEach(() => Queue.offer(wake, undefined)),
        Effect.forkScoped
      )
      return Stream.fromQueue(wake).pipe(Stream.flatMap(() => step))
    }))
  })

const httpDate = (d: Date): string => d.toUTCString()

/** A 200 streaming response following `file`, or 404 when the file does not exist. */
const tailResponse = (file: string, headers: Readonly<Record<string, string>>, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.option(fs.stat(file))
    if (Option.isNone(info)) return HttpServerResponse.empty({ status: 404 })
    const body = yield* follow(file)
    const modified = Option.getOrUndefined(info.value.mtime)
    return HttpServerResponse.stream(body.pipe(Stream.interruptWhen(until)), {
      contentType: "text/plain;charset=utf-8",
      headers: modified === undefined ? headers : { ...headers, "last-modified": httpDate(modified) }
    })
  })

/** `/logtail/<namespec>[/<channel>]`: `rest` is the URL path after `/logtail/`, still percent-encoded. */
export const logtail = (request: HttpServerRequest.HttpServerRequest, rest: string, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    if (request.method !== "GET") return HttpServerResponse.empty({ status: 400 })
    let decoded: string
    try {
      decoded = decodeURIComponent(rest)
    } catch {
      return HttpServerResponse.empty({ status: 404 })
    }
    const slash = decoded.indexOf("/")
    const name = slash < 0 ? decoded : decoded.slice(0, slash)
    const channel = slash < 0 ? "stdout" : decoded.slice(slash + 1)
    if (channel !== "stdout" && channel !== "stderr") return HttpServerResponse.empty({ status: 404 })
    const supervisor = yield* Supervisor
    const file = yield* Effect.option(supervisor.processLogPath(name, channel satisfies Channel))
    if (Option.isNone(file)) return HttpServerResponse.empty({ status: 404 })
    return yield* tailResponse(file.value, { "x-accel-buffering": "no" }, until)
  })

/** `/mainlogtail`: the activity log. */
export const mainlogtail = (request: HttpServerRequest.HttpServerRequest, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    if (request.method !== "GET") return HttpServerResponse.empty({ status: 400 })
    const supervisor = yield* Supervisor
    const file = yield* Effect.option(supervisor.mainLogPath)
    if (Option.isNone(file)) return HttpServerResponse.empty({ status: 404 })
    return yield* tailResponse(file.value, {}, until)
  })
