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
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { Channel } from "../supervisor/Api.ts"
import { Supervisor } from "../supervisor/Supervisor.ts"
import { errorPage } from "./ErrorPage.ts"
import { unquote } from "./RequestPath.ts"

/** How many bytes of existing log a new tail starts with. */
export const INITIAL_BYTES = 1024

/** What a follower prints when the file shrinks under it. */
export const TRUNCATED = "==> File truncated <==\n"

/** Options of `follow` and `followItems`. */
export interface FollowOptions {
  /** Bytes of existing content to start with (default 1024). */
  readonly initialBytes?: number
  /** Safety-net re-check interval when no file event arrives (default 1 second). */
  readonly recheck?: Duration.Input
  /**
   * Resume where an earlier follower stopped: the file's inode (as text) and the next byte offset.
   * When the file at the path is another one, or shorter, the follower starts it over with a Reset.
   */
  readonly resume?: { readonly ino: string; readonly offset: number }
}

/** What a follower sees, in order: where it starts, bytes with their offsets, and restarts. */
export type FollowItem =
  /** First item: the file (inode as text, '' when unknown) and the offset reading starts at. */
  | { readonly _tag: "Start"; readonly ino: string; readonly offset: number }
  /** Bytes read at `offset` of the current file. */
  | { readonly _tag: "Data"; readonly offset: number; readonly bytes: Uint8Array }
  /** The file was replaced (rotation) or shrank (cleared): reading starts over at offset 0 of `ino`. */
  | { readonly _tag: "Reset"; readonly reason: "rotated" | "truncated"; readonly ino: string }

const truncated = new TextEncoder().encode(TRUNCATED)

/**
 * A stream of the file's last `initialBytes` bytes (or from `resume`) and then everything appended
 * to it, as FollowItems. Never fails: a missing file (between rotations) simply yields nothing
 * until it reappears.
 */
export const followItems = (file: string, options: FollowOptions = {}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const initialBytes = options.initialBytes ?? INITIAL_BYTES
    const base = path.basename(file)
    // where we are: the inode followed and the next byte offset to send (undefined before the first read)
    let cursor: { ino: string; pos: number } | undefined

    const step: Stream.Stream<FollowItem> = Stream.unwrap(Effect.gen(function*() {
      const info = yield* fs.stat(file)
      const size = Number(info.size)
      const ino = String(Option.getOrElse(info.ino, () => ""))
      const prefix: Array<FollowItem> = []
      if (cursor === undefined) {
        const resume = options.resume
        if (resume === undefined) {
          cursor = { ino, pos: Math.max(0, size - initialBytes) }
        } else if (resume.ino !== ino || resume.offset > size) {
          cursor = { ino, pos: 0 }
          prefix.push({ _tag: "Reset", reason: resume.ino !== ino ? "rotated" : "truncated", ino })
        } else {
          cursor = { ino, pos: resume.offset }
        }
        prefix.unshift({ _tag: "Start", ino, offset: cursor.pos })
      } else if (ino !== cursor.ino) {
        cursor = { ino, pos: 0 }
        prefix.push({ _tag: "Reset", reason: "rotated", ino })
      } else if (size < cursor.pos) {
        cursor.pos = 0
        prefix.push({ _tag: "Reset", reason: "truncated", ino })
      }
      const from = cursor.pos
      if (size <= from) return Stream.fromIterable(prefix)
      cursor.pos = size
      const data = fs.stream(file, { offset: from, bytesToRead: size - from }).pipe(
        Stream.mapAccum(() => from, (offset, bytes): readonly [number, ReadonlyArray<FollowItem>] =>
          [offset + bytes.length, [{ _tag: "Data", offset, bytes }]])
      )
      return Stream.concat(Stream.fromIterable(prefix), data)
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

/**
 * A stream of the file's last `initialBytes` bytes and then everything appended to it, as raw
 * bytes: a rotation continues silently with the new file, a truncation prints TRUNCATED.
 */
export const follow = (file: string, options: FollowOptions = {}) =>
  Effect.map(followItems(file, options), (items) =>
    Stream.filterMap(items, (item) =>
      item._tag === "Data"
        ? Result.succeed(item.bytes)
        : item._tag === "Reset" && item.reason === "truncated"
        ? Result.succeed(truncated)
        : Result.failVoid))

const httpDate = (d: Date): string => d.toUTCString()

/** A 200 streaming response following `file`, or 404 when the file does not exist. */
const tailResponse = (file: string, headers: Readonly<Record<string, string>>, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* Effect.option(fs.stat(file))
    if (Option.isNone(info)) return errorPage(404)
    // an empty first chunk sends the headers at once, as supervisord does, even while the log stays empty
    const body = Stream.concat(Stream.succeed(new Uint8Array(0)), yield* follow(file))
    const modified = Option.getOrUndefined(info.value.mtime)
    return HttpServerResponse.stream(body.pipe(Stream.interruptWhen(until)), {
      contentType: "text/plain;charset=utf-8",
      headers: modified === undefined ? headers : { ...headers, "last-modified": httpDate(modified) }
    })
  })

/**
 * `/logtail/<namespec>[/<channel>]`: `rest` is the routed path after `/logtail/` (RequestPath.ts),
 * decoded once more, as supervisord's handler decodes it again (`g%253Ax` names `g:x` there too).
 */
export const logtail = (request: HttpServerRequest.HttpServerRequest, rest: string, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    if (request.method !== "GET") return errorPage(400)
    const decoded = unquote(rest)
    const slash = decoded.indexOf("/")
    const name = slash < 0 ? decoded : decoded.slice(0, slash)
    const channel = slash < 0 ? "stdout" : decoded.slice(slash + 1)
    if (channel !== "stdout" && channel !== "stderr") return errorPage(404)
    const supervisor = yield* Supervisor
    const file = yield* Effect.option(supervisor.processLogPath(name, channel satisfies Channel))
    if (Option.isNone(file)) return errorPage(404)
    return yield* tailResponse(file.value, { "x-accel-buffering": "no" }, until)
  })

/** `/mainlogtail`: the activity log. */
export const mainlogtail = (request: HttpServerRequest.HttpServerRequest, until: Effect.Effect<void>) =>
  Effect.gen(function*() {
    if (request.method !== "GET") return errorPage(400)
    const supervisor = yield* Supervisor
    const file = yield* Effect.option(supervisor.mainLogPath)
    if (Option.isNone(file)) return errorPage(404)
    return yield* tailResponse(file.value, {}, until)
  })
