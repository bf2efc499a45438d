/**
 * A child's output channel, as every layer names it: the log pipeline drains one, the Supervisor
 * contract reads and tails its log, transports take it from a method name or URL.
 * @since 0.1.0
 */

/** A child's output channel. */
export type Channel = "stdout" | "stderr"
