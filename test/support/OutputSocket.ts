/**
 * Finds the output socket a spawn helper listens on, from /proc: the listening unix socket under
 * an `effsup-spawn-` directory among the helper's open files (its command line cannot tell: it
 * sets its process title over it).
 */
import * as Fs from "node:fs"

/** Paths of the output sockets process `pid` listens on (a spawn helper has one). */
export const outputSocketsOf = (pid: number): ReadonlyArray<string> => {
  const inodes = new Set<string>()
  for (const fd of Fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(Fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m !== null) inodes.add(m[1]!)
    } catch {
      // closed meanwhile
    }
  }
  return Fs.readFileSync("/proc/net/unix", "utf8").split("\n").slice(1).flatMap((line) => {
    const fields = line.trim().split(/\s+/)
    const [flags, inode, path] = [fields[3], fields[6], fields[7]]
    // 00010000: accepting connections (the helper's accepted ends carry the same path)
    const listening = flags === "00010000"
    return listening && inode !== undefined && path !== undefined && inodes.has(inode) &&
        /\/effsup-spawn-[^/]+\/output\.sock$/.test(path)
      ? [path]
      : []
  })
}
