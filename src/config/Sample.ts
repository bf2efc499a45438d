/**
 * The sample configuration `effsup echo-config` prints (the counterpart of echo_supervisord_conf):
 * every section and option effsup understands, commented out and set to its default (or, for an
 * option without one, an example), with the doc line of its row in the option tables (Options.ts).
 * Only the presentation lives here: which sections are on, their order, headings and the values set.
 *
 * Invariant: the text loads without issues or warnings, and every commented-out value that the tables
 * call a default decodes to exactly what leaving it out gives (test/config/Sample.test.ts checks both).
 * @since 0.1.0
 */
import {
  CTL_OPTIONS, FCGI_OPTIONS, GROUP_OPTIONS, INCLUDE_OPTIONS, INET_SERVER_OPTIONS, LISTENER_OPTIONS, PROGRAM_OPTIONS, SUPERVISORD_OPTIONS,
  UNIX_SERVER_OPTIONS
} from "./Options.ts"
import { optionRows, type Row } from "./Table.ts"

/** One section of the sample. */
export interface SampleSection {
  /** The header without brackets, e.g. `program:theprogramname`. */
  readonly header: string
  /** Whether the section is on as printed (else its header is commented out too). */
  readonly active: boolean
  /** Comment lines printed before the header. */
  readonly intro: ReadonlyArray<string>
  /** The header line's note. */
  readonly doc: string | undefined
  readonly rows: ReadonlyArray<Row>
  /** Options set (not commented out) as printed, by name: their value. */
  readonly set: Readonly<Record<string, string>>
}

const section = (header: string, rows: ReadonlyArray<Row>, more: Partial<Omit<SampleSection, "header" | "rows">> = {}): SampleSection => ({
  header,
  active: more.active ?? false,
  intro: more.intro ?? [],
  doc: more.doc,
  rows,
  set: more.set ?? {}
})

/** The socket the sample's server and client agree on. */
const SOCKET = "/tmp/effsup.sock"

const PREAMBLE = `; effsup configuration (supervisord-compatible INI).
;
; Lines starting with ';' or '#' are comments. An inline comment needs a space
; before its ';' or '#'. Values may use %(here)s (this file's directory) and
; %(ENV_NAME)s (an environment variable); write %% for a literal percent sign.
; Every commented option below shows its default, or an example where it has none.`

/** The main XML-RPC interface supervisorctl needs, declared as supervisord requires (Sections.ts accepts only it). */
const RPC_INTERFACE = `[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface`

/** The sample, block by block: literal text or a section of option rows. */
const blocks: ReadonlyArray<string | SampleSection> = [
  PREAMBLE,
  section("unix_http_server", optionRows(UNIX_SERVER_OPTIONS), { active: true, set: { file: SOCKET } }),
  section("inet_http_server", optionRows(INET_SERVER_OPTIONS), { doc: "TCP listener, off unless this section exists" }),
  section("supervisord", optionRows(SUPERVISORD_OPTIONS), { active: true }),
  RPC_INTERFACE,
  section("supervisorctl", optionRows(CTL_OPTIONS), { active: true, set: { serverurl: `unix://${SOCKET}` } }),
  section("program:theprogramname", optionRows(PROGRAM_OPTIONS), {
    intro: ["; A program runs numprocs copies of one command, as a group of the same name."]
  }),
  section(
    "eventlistener:theeventlistenername",
    [{ ...PROGRAM_OPTIONS.command, sample: "/bin/eventlistener", doc: "the listener command (required)" }, ...optionRows(LISTENER_OPTIONS)],
    {
      intro: [
        "; An event listener pool: processes that receive events on stdin.",
        "; It takes every [program:x] option except redirect_stderr, ready and healthcheck, plus these."
      ]
    }
  ),
  section(
    "fcgi-program:thefcgiprogramname",
    [{ ...PROGRAM_OPTIONS.command, sample: "/usr/bin/php-cgi", doc: "the FastCGI program (required)" }, ...optionRows(FCGI_OPTIONS)],
    {
      intro: [
        "; A FastCGI program: effsup makes its socket when the group is added, every process",
        "; accepts on it as its fd 0 (stdin), and it stays open across restarts. It takes every",
        "; [program:x] option, plus these."
      ]
    }
  ),
  section("group:thegroupname", optionRows(GROUP_OPTIONS), {
    intro: ["; A group of programs, controlled together as groupname:processname."]
  }),
  section("include", optionRows(INCLUDE_OPTIONS), { intro: ["; More files to read; later values override earlier ones."] })
]

/** The sections of the sample, in order. */
export const sampleSections: ReadonlyArray<SampleSection> = blocks.filter((b) => typeof b !== "string")

/** `text` then, if any, `; doc` from column 32. */
const withDoc = (text: string, doc: string | undefined): string => doc === undefined ? text : `${text.padEnd(30)} ; ${doc}`

const renderSection = (s: SampleSection): string => {
  const off = s.active ? "" : ";"
  const lines = [...s.intro, withDoc(`${off}[${s.header}]`, s.doc)]
  for (const row of s.rows) {
    const set = s.set[row.name]
    lines.push(withDoc(set === undefined ? `;${row.name}=${row.sample}` : `${off}${row.name}=${set}`, row.doc))
  }
  return lines.join("\n")
}

/** A commented sample config; uncomment and edit what you need. */
export const sampleConfig: string = `${blocks.map((b) => typeof b === "string" ? b : renderSection(b)).join("\n\n")}\n`
