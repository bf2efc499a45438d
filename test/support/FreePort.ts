/** A free TCP port for tests: one the kernel hands out for 127.0.0.1, closed again before it is returned. */
import * as Net from "node:net"

/** A TCP port nothing listens on right now (on 127.0.0.1). */
export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as Net.AddressInfo
      server.close(() => resolve(port))
    })
  })
