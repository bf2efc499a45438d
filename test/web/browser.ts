/**
 * The browser the console tests drive: Debian's Chromium (`/usr/bin/chromium`, installed by
 * `.ci/run` with apt, never downloaded) through playwright-core, headless, with a fresh profile
 * per launch, and helpers to wait on what the page shows (never on time).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"

// page functions run in the browser; this file is compiled without the DOM library
declare const document: any, CSS: any

/** Where the run writes screenshots for a person to look at (git-ignored). */
export const SCREENSHOTS = Path.resolve(import.meta.dirname, "screenshots")

/** The Chromium binary: Debian's package. */
export const CHROMIUM = "/usr/bin/chromium"

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic"
]

/** A launched browser with its own fresh profile; `close` removes the profile too. */
export interface Browser {
  readonly context: BrowserContext
  readonly close: () => Promise<void>
}

/** Launch Chromium with a fresh user-data-dir, answering Basic auth challenges with `credentials`. */
export const launch = async (options: {
  readonly credentials?: { readonly username: string; readonly password: string }
  readonly viewport?: { readonly width: number; readonly height: number }
} = {}): Promise<Browser> => {
  if (!Fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`)
  const profile = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effsup-chromium-"))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    ...(options.credentials === undefined ? {} : { httpCredentials: options.credentials })
  })
  return {
    context,
    close: async () => {
      await context.close()
      Fs.rmSync(profile, { recursive: true, force: true })
    }
  }
}

/** Save a screenshot under SCREENSHOTS: the whole page, or only what the viewport shows. */
export const screenshot = async (page: Page, name: string, options: { readonly fullPage?: boolean } = {}) => {
  Fs.mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: Path.join(SCREENSHOTS, `${name}.png`), fullPage: options.fullPage ?? true })
}

/** Waits until the row of `namespec` shows `state`. */
export const rowState = (page: Page, namespec: string, state: string, timeout = 15_000) =>
  page.waitForFunction(
    ([ns, st]) => document.querySelector(`tr[data-namespec="${CSS.escape(ns!)}"] .state`)?.textContent === st,
    [namespec, state] as const,
    { timeout }
  )

/** Waits until an element's text contains `text`. */
export const textIn = (page: Page, selector: string, text: string, timeout = 15_000) =>
  page.waitForFunction(
    ([sel, t]) => (document.querySelector(sel!)?.textContent ?? "").includes(t!),
    [selector, text] as const,
    { timeout }
  )
