/**
 * A process of a group as the supervision modules see it (dependency gates, strategies, exit
 * policies): its actor with its config as written, and what a group asks of the tree it
 * belongs to. Types only; apart so that Group.ts and the modules it runs do not import each other.
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { ProcessConfig } from "../config/Types.ts"
import type { ProcessActor, ProcessSnapshot } from "../process/ProcessActor.ts"

/** One process of a group: its actor and its config as written (a managed group's actor runs with autorestart off, see Strategy.ts). */
export interface Member {
  readonly actor: ProcessActor
  readonly config: ProcessConfig
}

/** What a group asks of the tree it belongs to. */
export interface GroupHooks {
  /** Start a member the way the tree does (through its dependencies); a strategy restarts members with it. */
  readonly start: (member: Member) => Effect.Effect<void>
  /** The supervisor is stopping: a strategy restarts nothing any more. */
  readonly stopping: () => boolean
  /** A strategy gave up with on_exhausted=shutdown: shut effsup down with this exit status. */
  readonly shutdown: (status: number) => Effect.Effect<void>
  /** A significant member has ended (for the exit policy), or undefined when no exit policy applies. */
  readonly ended: ((member: Member, snapshot: ProcessSnapshot) => Effect.Effect<void>) | undefined
}
