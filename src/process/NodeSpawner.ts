/**
 * The Spawner on Node: the native spawner (NativeSpawner.ts) where its addon loads, otherwise
 * node:child_process (ChildProcessSpawner.ts), announced by one warning line that says why.
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ChildProcessSpawner from "./ChildProcessSpawner.ts"
import { loadNativeAddon, type NativeLoad } from "./NativeAddon.ts"
import * as NativeSpawner from "./NativeSpawner.ts"
import { Spawner } from "./Spawner.ts"

/** The node:child_process spawner. */
export const childProcessLayer: Layer.Layer<Spawner> = ChildProcessSpawner.layer

/** The spawner for an attempt to load the addon: native if it loaded, else node:child_process with a warning. */
export const layerFor = (native: NativeLoad): Layer.Layer<Spawner> =>
  native._tag === "Loaded"
    ? Layer.effect(Spawner, NativeSpawner.make(native.addon))
    : Layer.merge(
      childProcessLayer,
      Layer.effectDiscard(Effect.logWarning(
        `native spawner unavailable (${native.reason}): children are started with node:child_process ` +
          "(slower as the daemon grows, and they outlive a killed daemon)"
      ))
    )

/** The native spawner; dies when its addon cannot load (use `layer` to fall back instead). */
export const nativeLayer: Layer.Layer<Spawner> = Layer.effect(
  Spawner,
  Effect.suspend(() => {
    const native = loadNativeAddon()
    return native._tag === "Loaded" ? NativeSpawner.make(native.addon) : Effect.die(new Error(`native spawner: ${native.reason}`))
  })
)

/** The native spawner where its addon loads, else node:child_process with a one-line warning. */
export const layer: Layer.Layer<Spawner> = Layer.unwrap(Effect.sync(() => layerFor(loadNativeAddon())))
