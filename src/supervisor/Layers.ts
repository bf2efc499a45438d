/**
 * The layers that build a supervision tree (Tree.ts) behind the `Supervisor` contract, and the
 * Node wiring they run on. Building the layer starts every autostart process; releasing it stops
 * every child in reverse priority order and flushes their logs. `layer(config)` and
 * `layerFromFile(path)` are self-contained on Node; `layerWith` takes the platform services from
 * outside (tests provide a scripted Spawner). The public API exports this module as
 * `NodeSupervisor` (`NodeSupervisor.layerFromFile("supervisord.conf")`), the way Effect puts a
 * service's Node implementation in a `Node*` module apart from the service.
 * Only this module imports the tree; transports import the contract (Supervisor.ts) alone.
 * See DESIGN.md "The public API".
 * @since 0.1.0
 */
import { NodeServices } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import { type ConfigError, load } from "../config/Load.ts"
import type { Config } from "../config/Types.ts"
import { CantReread } from "../domain/Errors.ts"
import type { TickEvent } from "../events/Event.ts"
import { EventBus } from "../events/EventBus.ts"
import { DatagramSockets } from "../logs/Syslog.ts"
import * as Datagram from "../process/Datagram.ts"
import { loadNativeAddon } from "../process/NativeAddon.ts"
import * as NodeSpawner from "../process/NodeSpawner.ts"
import type { Spawner } from "../process/Spawner.ts"
import * as ListenerPool from "./ListenerPool.ts"
import { Supervisor } from "./Supervisor.ts"
import * as Tree from "./Tree.ts"

/** Options for a tree beyond its config. Everything has a sensible default for embedding. */
export interface LayerOptions {
  /** How reloadConfig and restart re-read the config (default: they cannot; reloadConfig fails with CANT_REREAD, restart keeps the config; see `rereadFile`). */
  readonly reload?: Effect.Effect<Config, CantReread> | undefined
  /** The activity log, for readLog/clearLog (default: none). */
  readonly mainLog?: Tree.TreeOptions["mainLog"] | undefined
  /** SUPERVISOR_SERVER_URL for children (default: none). */
  readonly serverUrl?: string | undefined
  /** Start autostart programs only once this completes (default: while the layer is built). */
  readonly autostartGate?: Effect.Effect<void> | undefined
  /** Run this once the autostart programs have been started (the daemon compacts its heap then). */
  readonly afterAutostart?: Effect.Effect<void> | undefined
  /** Run this after each tick is published (the daemon looks at its heap at TICK_5). */
  readonly onTick?: ((tick: TickEvent) => Effect.Effect<void>) | undefined
  /** The events' global serials, to go on across the trees a daemon builds (default: a fresh counter; see `makeEventSerials`). */
  readonly serials?: EventSerials | undefined
}

/** Assigns each event its global serial (the `serial:` of listener envelopes). */
export type EventSerials = ListenerPool.EventSerials

/** A fresh counter of the events' global serials (0, 1, 2, …), for `LayerOptions.serials`. */
export const makeEventSerials: () => EventSerials = ListenerPool.makeEventSerials

/**
 * reloadConfig's re-read of a config file: `load` with this process's environment and working
 * directory, then `adjust` (e.g. command-line overrides), a bad file failing with CANT_REREAD and
 * every problem in its detail. The result runs on the FileSystem and Path it was made with.
 */
export const rereadFile = (
  file: string,
  adjust: (config: Config) => Config = (config) => config
): Effect.Effect<Effect.Effect<Config, CantReread>, never, FileSystem.FileSystem | Path.Path> =>
  Effect.map(Effect.context<FileSystem.FileSystem | Path.Path>(), (services) =>
    load(file, process.env, process.cwd()).pipe(
      Effect.map(adjust),
      Effect.mapError((e) => new CantReread({ detail: e.message })),
      Effect.provide(services)
    ))

/** A Supervisor from a config, using the Spawner, EventBus and platform services it is given. */
export const layerWith = (
  config: Config,
  options: LayerOptions = {}
): Layer.Layer<Supervisor, never, Spawner | EventBus | FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    Supervisor,
    Tree.make(config, {
      reload: options.reload,
      mainLog: options.mainLog,
      pid: process.pid,
      autostartGate: options.autostartGate,
      afterAutostart: options.afterAutostart,
      onTick: options.onTick,
      serials: options.serials,
      environment: { env: process.env, cwd: process.cwd(), serverUrl: options.serverUrl }
    })
  )

/**
 * Give the pages malloc holds free back to the kernel, in every thread's arena (glibc's
 * malloc_trim, through the native addon; nothing without it). glibc keeps what was freed in each
 * thread's arena; the daemon calls this after it compacts its heap (cli/DaemonHeap.ts).
 */
export const releaseFreedMemory = (): void => {
  const native = loadNativeAddon()
  if (native._tag === "Loaded") native.addon.trimMalloc()
}

/** The fds a program can hold at once: two log files, its stdin, stdout and stderr pipes, its pidfd. */
const FDS_PER_PROCESS = 6

/** Fds beyond the programs': the daemon's own (logs, sockets, connections) and spawns in flight. */
const FDS_BESIDE_PROCESSES = 128

/**
 * Grow this process's fd table to what `config`'s programs will hold (through the native addon;
 * nothing without it), on a thread of the addon's while the caller goes on. The kernel grows it by
 * doubling as fds are taken, and each growth in a process with threads stalls every thread that
 * opens an fd for an RCU grace period (4–9 ms here): four times during a start of 500 programs,
 * once when done up front, and then only in the addon's thread (11–20 ms for 3 128 fds) and in a
 * thread that needs an fd beyond the old size meanwhile. The daemon calls it before it builds the
 * supervisor.
 */
export const growFdTableFor = (config: Config): void => {
  const native = loadNativeAddon()
  if (native._tag !== "Loaded") return
  const processes = config.groups.reduce((n, group) => n + group.processes.length, 0)
  native.addon.growFdTable(FDS_BESIDE_PROCESSES + FDS_PER_PROCESS * processes, true)
}

/** Unix datagram sockets for syslog (`*_syslog`, `logfile=syslog`): the native addon's. */
export const datagramSockets: Layer.Layer<never> = Layer.succeed(DatagramSockets, Datagram.sender)

/** The platform pieces a Supervisor runs on, on Node: spawner, event bus, file system, datagram sockets. */
const platform: Layer.Layer<Spawner | EventBus | FileSystem.FileSystem | Path.Path> = Layer.mergeAll(
  NodeSpawner.layer,
  EventBus.layer,
  NodeServices.layer,
  datagramSockets
)

/** A self-contained Supervisor on Node for a loaded config (`load(path, env, cwd)`). */
export const layer = (config: Config, options: LayerOptions = {}): Layer.Layer<Supervisor> =>
  layerWith(config, options).pipe(Layer.provide(platform))

/** A self-contained Supervisor on Node from a config file (fails with every config problem); reloadConfig re-reads the file. */
export const layerFromFile = (file: string): Layer.Layer<Supervisor, ConfigError> =>
  Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* load(file, process.env, process.cwd())
      return layer(config, { reload: yield* rereadFile(config.file) })
    })
  ).pipe(Layer.provide(NodeServices.layer))
