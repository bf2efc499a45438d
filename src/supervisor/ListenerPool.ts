/**
 * An `[eventlistener:x]` pool: the event buffer and dispatcher that feeds supervisord's listener
 * protocol to the pool's listener processes, one event at a time each.
 *
 * Owns: the FIFO buffer (`buffer_size`), the pool serials, the protocol state of each listener
 * (ListenerProtocol.ts) and the event each BUSY listener holds. The listener processes themselves
 * are ordinary process actors; the pool only reads their stdout (`tapStdout`, applied by whoever
 * spawns them) and writes their stdin.
 *
 * Rules (supervisord: process.py `EventListenerPool`, dispatchers.py `PEventListenerDispatcher`):
 * - the pool sees the events published from its own group's PROCESS_GROUP_ADDED on (that event
 *   included): supervisord makes each pool just before it announces the pool's group, one group
 *   at a time in (priority, name) order, so at startup a pool misses the PROCESS_GROUP_ADDED of the
 *   groups announced before its own (other pools with a lower name, programs with a lower priority);
 * - an accepted event gets the global serial (once, shared by every pool, see `EventSerials`) and
 *   the next pool serial; a full buffer drops its OLDEST event (ERRO `pool x event buffer
 *   overflowed, discarding event N`);
 * - dispatch pops the oldest event and offers it to the first listener (in attach order) that is
 *   RUNNING and READY; a write failure is logged and the next listener tried; if nobody takes it,
 *   it goes back to the head and dispatch stops;
 * - a rejected event (FAIL, bad result line, handler error) or the event of a listener whose
 *   child ends while BUSY goes back to the HEAD of the buffer, keeping both serials. The latter
 *   happens at the child's exit (its state event, after that event is buffered, as in supervisord's
 *   `finish`), not when its stdout closes: a listener that closes its stdout keeps its event until
 *   it exits.
 * - supervisord's quirk kept: a rejected event (either kind above) is also put back into every
 *   OTHER pool that has a listener of the rejecting listener's priority (its `handle_rejected` asks
 *   `process in pool`, and processes compare equal by priority), subscribed to that event or not:
 *   with the default priority (-1) of every listener, each pool gets it. The pool serial is the one
 *   that pool gave the event, or a new one (`EventRejections`).
 * Event-driven instead of supervisord's once-per-loop-pass: dispatch runs on every accepted event,
 * every listener output and every `PROCESS_STATE_RUNNING` of one of the pool's processes.
 * Everything is handled by one fiber reading a mailbox, so the state needs no locks.
 * A write to a listener's stdin is queued (the process's bounded stdin queue), never awaited: a
 * listener that says READY but never reads its stdin stays BUSY with its event, as in supervisord.
 * See shared/reference/supervisord-4.2.5.md §7.2-7.4.
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { ListenerConfig } from "../config/Types.ts"
import { matchesAny } from "../domain/EventTypes.ts"
import type { SupervisorEvent } from "../events/Event.ts"
import { EventBus } from "../events/EventBus.ts"
import * as Protocol from "../events/ListenerProtocol.ts"
import { envelope } from "../events/Payload.ts"
import type { ProcessActor } from "../process/ProcessActor.ts"
import type { Spawner } from "../process/Spawner.ts"

/** What the pool needs of a listener process; a ProcessActor is one. */
export type ListenerProcess = Pick<ProcessActor, "config" | "snapshot" | "writeStdin">

/** Assigns each event its global serial the first time any pool accepts it (supervisord's GlobalSerial). */
export interface EventSerials {
  readonly serialOf: (event: SupervisorEvent) => number
}

/** A fresh serial counter: 0, 1, 2, … wrapping to 0 after the largest safe integer. */
export const makeEventSerials = (): EventSerials => {
  const serials = new WeakMap<SupervisorEvent, number>()
  let last = -1
  return {
    serialOf: (event) => {
      const known = serials.get(event)
      if (known !== undefined) return known
      last = last === Number.MAX_SAFE_INTEGER ? 0 : last + 1
      serials.set(event, last)
      return last
    }
  }
}

/** The serials shared by every pool of a supervisor. Defaults to one counter per process; provide a fresh one per supervisor. */
export const EventSerials = Context.Reference<EventSerials>("effsup/supervisor/EventSerials", {
  defaultValue: makeEventSerials
})

/** An event a listener rejected (or held when it died), as every pool of the supervisor hears of it. */
export interface RejectedEvent {
  readonly event: SupervisorEvent
  readonly serial: number
  /** The pool of the listener that rejected it. */
  readonly pool: string
  /** That listener's priority. */
  readonly priority: number
}

/** How the pools of a supervisor hear of each other's rejected events (supervisord's EventRejectedEvent). */
export interface EventRejections {
  readonly publish: (rejected: RejectedEvent) => void
  /** Hear of every rejected event until the returned function is called. */
  readonly subscribe: (listener: (rejected: RejectedEvent) => void) => () => void
}

/** A fresh hub of rejected events, for one supervisor's pools. */
export const makeEventRejections = (): EventRejections => {
  const listeners = new Set<(rejected: RejectedEvent) => void>()
  return {
    publish: (rejected) => {
      for (const listener of listeners) listener(rejected)
    },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }
  }
}

/** The rejected-event hub of a supervisor's pools. Defaults to one per process; provide a fresh one per supervisor. */
export const EventRejections = Context.Reference<EventRejections>("effsup/supervisor/EventRejections", {
  defaultValue: makeEventRejections
})

/** An event in a pool buffer, with the serials it was accepted with. */
export interface BufferedEvent {
  readonly event: SupervisorEvent
  readonly serial: number
  readonly poolSerial: number
}

/** What a pool is created from. */
export interface PoolOptions {
  /** The pool (group) name. */
  readonly name: string
  readonly listener: ListenerConfig
  /** `[supervisord] identifier`, the `server:` of every envelope. */
  readonly identifier: string
  /**
   * Whether the pool's group has already been announced (PROCESS_GROUP_ADDED): then the pool sees
   * events at once. Default false: it sees them from its group's announcement on, as the tree makes it.
   */
  readonly announced?: boolean | undefined
}

/** A running pool. */
export interface ListenerPool {
  readonly name: string
  /**
   * The stdout of listener `processName`'s child with pid `pid`, as the pool reads it. Whoever
   * spawns the child must drain this stream instead of the raw one (it passes every chunk through).
   */
  readonly tapStdout: (processName: string, pid: number, stdout: Stream.Stream<Uint8Array>) => Stream.Stream<Uint8Array>
  /**
   * `spawner`, with the stdout of every child it spawns routed through `tapStdout(processName, …)`.
   * Provide it as the Spawner of listener `processName`'s actor: the actor needs no protocol knowledge.
   */
  readonly spawnerFor: (processName: string, spawner: Spawner["Service"]) => Spawner["Service"]
  /** Hand the pool its listener processes, in dispatch order (priority, then config order). */
  readonly attach: (processes: ReadonlyArray<ListenerProcess>) => Effect.Effect<void>
  /** The events waiting in the buffer, oldest first. */
  readonly buffered: Effect.Effect<ReadonlyArray<BufferedEvent>>
}

type Message =
  | { readonly _tag: "Event"; readonly event: SupervisorEvent }
  | { readonly _tag: "Dropped"; readonly count: number }
  | { readonly _tag: "Spawned"; readonly name: string; readonly pid: number }
  | { readonly _tag: "Output"; readonly name: string; readonly pid: number; readonly data: Uint8Array }
  | { readonly _tag: "Closed"; readonly name: string; readonly pid: number }
  | { readonly _tag: "Gone"; readonly name: string; readonly pid: number }
  | { readonly _tag: "Attach"; readonly processes: ReadonlyArray<ListenerProcess> }
  | { readonly _tag: "Wake" }
  | { readonly _tag: "Rejected"; readonly rejected: RejectedEvent }

/** The state events that say a process's child has ended (the event's pid is that child's). */
const CHILD_GONE: ReadonlySet<string> = new Set(["PROCESS_STATE_EXITED", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_STOPPED"])

/** The pool's view of one listener child. */
interface Listener {
  readonly name: string
  readonly pid: number
  protocol: Protocol.ProtocolState
  inFlight: BufferedEvent | undefined
  open: boolean
}

/** Create a pool in the current scope: it subscribes to the bus now and stops when the scope closes. */
export const make = (options: PoolOptions): Effect.Effect<ListenerPool, never, Scope.Scope | EventBus> =>
  Effect.gen(function*() {
    const { identifier, listener: config, name } = options
    const serials = yield* EventSerials
    const rejections = yield* EventRejections
    const bus = yield* EventBus
    const mailbox = yield* Queue.unbounded<Message>()
    const events = yield* bus.subscribeWithDrops

    const buffer: Array<BufferedEvent> = []
    const listeners = new Map<string, Listener>()
    let processes: ReadonlyArray<ListenerProcess> = []
    let lastPoolSerial = -1
    /** The pool serial this pool gave each event it accepted (a rejected event may come back from another pool). */
    const poolSerials = new WeakMap<SupervisorEvent, number>()

    const accept = (item: SupervisorEvent | BufferedEvent, head: boolean) =>
      Effect.gen(function*() {
        let buffered: BufferedEvent
        if ("event" in item) {
          buffered = item
          yield* Effect.logDebug(
            `rebuffering event ${item.serial} for pool ${name} (buf size=${buffer.length}, max=${config.bufferSize})`
          )
        } else {
          lastPoolSerial = lastPoolSerial === Number.MAX_SAFE_INTEGER ? 0 : lastPoolSerial + 1
          buffered = { event: item, serial: serials.serialOf(item), poolSerial: lastPoolSerial }
          poolSerials.set(item, lastPoolSerial)
        }
        if (buffer.length >= config.bufferSize && buffer.length > 0) {
          const discarded = buffer.shift()!
          yield* Effect.logError(`pool ${name} event buffer overflowed, discarding event ${discarded.serial}`)
        }
        if (head) buffer.unshift(buffered)
        else buffer.push(buffered)
      })

    /** Put back the event a listener held, if any, and tell the other pools (they may take it too). */
    const requeue = (l: Listener) =>
      Effect.suspend(() => {
        const item = l.inFlight
        l.inFlight = undefined
        if (item === undefined) return Effect.void
        const priority = processes.find((p) => p.config.name === l.name)?.config.priority
        return Effect.andThen(
          accept(item, true),
          Effect.sync(() => {
            if (priority !== undefined) rejections.publish({ event: item.event, serial: item.serial, pool: name, priority })
          })
        )
      })

    /** Another pool's rejected event: ours too when one of our listeners has the rejecting one's priority. */
    const onRejected = (rejected: RejectedEvent) =>
      Effect.suspend(() => {
        if (!processes.some((p) => p.config.priority === rejected.priority)) return Effect.void
        const poolSerial = poolSerials.get(rejected.event)
        return accept(poolSerial === undefined ? rejected.event : { event: rejected.event, serial: rejected.serial, poolSerial }, true)
      })

    const available = (process: ListenerProcess) =>
      Effect.map(process.snapshot, (snapshot) => {
        const l = listeners.get(process.config.name)
        return l !== undefined && l.open && snapshot.state === "RUNNING" && Protocol.isReady(l.protocol) ? l : undefined
      })

    const offer = (item: BufferedEvent) =>
      Effect.gen(function*() {
        for (const process of processes) {
          const l = yield* available(process)
          if (l === undefined) continue
          const listenerName = process.config.name
          const written = yield* Effect.result(process.writeStdin(envelope({ identifier, pool: name, ...item })))
          if (written._tag === "Failure") {
            yield* Effect.logDebug(
              `epipe occurred while sending event ${item.serial} to listener ${listenerName}, listener state unchanged`
            )
            continue
          }
          l.protocol = Protocol.sent(l.protocol)
          l.inFlight = item
          yield* Effect.logDebug(`event ${item.serial} sent to listener ${listenerName}`)
          return true
        }
        return false
      })

    const dispatch = Effect.gen(function*() {
      const capable = yield* Effect.forEach(processes, available)
      if (!capable.some((l) => l !== undefined)) return
      while (buffer.length > 0) {
        const item = buffer.shift()!
        if (!(yield* offer(item))) {
          yield* accept(item, true)
          return
        }
      }
    })

    const onOutput = (l: Listener, listenerName: string, data: Uint8Array) =>
      Effect.gen(function*() {
        const [protocol, actions] = Protocol.feed(l.protocol, listenerName, data)
        l.protocol = protocol
        for (const action of actions) {
          if (action._tag === "Log") {
            yield* action.level === "debug" ? Effect.logDebug(action.message) : Effect.logWarning(action.message)
          } else if (action._tag === "Processed") {
            l.inFlight = undefined
          } else {
            yield* requeue(l)
          }
        }
      })

    const current = (listenerName: string, pid: number) => {
      const l = listeners.get(listenerName)
      return l !== undefined && l.pid === pid ? l : undefined
    }

    const handle = (message: Message): Effect.Effect<void> =>
      Effect.gen(function*() {
        switch (message._tag) {
          case "Event":
            yield* accept(message.event, false)
            break
          case "Dropped":
            yield* Effect.logError(`pool ${name} missed ${message.count} events: the event bus overflowed`)
            // an exit may be among them: the event of a listener whose stdout is closed goes back now
            for (const l of listeners.values()) if (!l.open) yield* requeue(l)
            break
          case "Spawned": {
            const previous = listeners.get(message.name)
            if (previous !== undefined) yield* requeue(previous)
            listeners.set(message.name, { name: message.name, pid: message.pid, protocol: Protocol.initial, inFlight: undefined, open: true })
            return
          }
          case "Output": {
            const l = current(message.name, message.pid)
            if (l === undefined) return
            yield* onOutput(l, message.name, message.data)
            break
          }
          case "Closed": {
            const l = current(message.name, message.pid)
            if (l === undefined) return
            l.open = false
            break
          }
          case "Gone": {
            const l = current(message.name, message.pid)
            if (l === undefined) return
            l.open = false
            yield* requeue(l)
            break
          }
          case "Attach":
            processes = message.processes
            break
          case "Wake":
            break
          case "Rejected":
            yield* onRejected(message.rejected)
            break
        }
        yield* dispatch
      })

    // the tree makes every group before it announces any: wait for our own announcement
    let announced = options.announced ?? false
    yield* Stream.runForEach(events, (item): Effect.Effect<unknown> => {
      if (item._tag === "EventsDropped") {
        announced = true // the announcement may be among the lost: better late than never
        return Queue.offer(mailbox, { _tag: "Dropped", count: item.count })
      }
      if (!announced) {
        if (item._tag !== "PROCESS_GROUP_ADDED" || item.groupName !== name) return Effect.void
        announced = true
      }
      const ours = "fromState" in item && item.groupName === name
      const wake = ours && item._tag === "PROCESS_STATE_RUNNING"
      const gone = ours && CHILD_GONE.has(item._tag) && item.pid !== 0
      return Effect.all([
        matchesAny(config.events, item._tag) ? Queue.offer(mailbox, { _tag: "Event", event: item }) : Effect.void,
        wake ? Queue.offer(mailbox, { _tag: "Wake" }) : Effect.void,
        gone ? Queue.offer(mailbox, { _tag: "Gone", name: item.processName, pid: item.pid }) : Effect.void
      ])
    }).pipe(Effect.forkScoped)
    yield* Queue.take(mailbox).pipe(Effect.flatMap(handle), Effect.forever, Effect.forkScoped)
    const unsubscribe = rejections.subscribe((rejected) => {
      if (rejected.pool !== name) Queue.offerUnsafe(mailbox, { _tag: "Rejected", rejected })
    })
    yield* Effect.addFinalizer(() => Effect.sync(unsubscribe))

    const post = (message: Message) => Queue.offer(mailbox, message)
    const tapStdout: ListenerPool["tapStdout"] = (processName, pid, stdout) =>
      Stream.unwrap(Effect.as(
        post({ _tag: "Spawned", name: processName, pid }),
        stdout.pipe(
          Stream.tap((data) => post({ _tag: "Output", name: processName, pid, data })),
          Stream.ensuring(post({ _tag: "Closed", name: processName, pid }))
        )
      ))
    return {
      name,
      tapStdout,
      spawnerFor: (processName, spawner) => ({
        resolve: spawner.resolve,
        listen: spawner.listen,
        spawn: (request) =>
          Effect.map(spawner.spawn(request), (child) => ({
            pid: child.pid,
            stdout: tapStdout(processName, child.pid, child.stdout),
            stderr: child.stderr,
            exit: child.exit,
            kill: child.kill,
            writeStdin: child.writeStdin
          }))
      }),
      attach: (list) => Effect.asVoid(post({ _tag: "Attach", processes: list })),
      buffered: Effect.sync(() => [...buffer])
    } satisfies ListenerPool
  })
