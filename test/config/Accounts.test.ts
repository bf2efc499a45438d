/** The one parser of /etc/passwd and /etc/group. */
import { assert, describe, it } from "@effect/vitest"
import { parseGroup, parsePasswd } from "../../src/config/Accounts.ts"

describe("Accounts", () => {
  it("reads passwd entries, skipping comments, blank and short lines", () => {
    const text = [
      "# a comment:x:1:1::/c:/bin/sh",
      "root:x:0:0:root:/root:/bin/bash",
      "",
      "broken:x:5",
      "web:x:1001:1002:Web,,,:/srv/web:/usr/sbin/nologin"
    ].join("\n")
    assert.deepStrictEqual(parsePasswd(text), [
      { name: "root", uid: 0, gid: 0, home: "/root" },
      { name: "web", uid: 1001, gid: 1002, home: "/srv/web" }
    ])
  })

  it("reads group entries", () => {
    assert.deepStrictEqual(parseGroup("root:x:0:\n#x:x:9:\nadm:x:4:syslog,alice\nshort:x\n"), [
      { name: "root", gid: 0 },
      { name: "adm", gid: 4 }
    ])
  })
})
