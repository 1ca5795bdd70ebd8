/**
 * The status page in a real browser (Debian's Chromium): served by the real health handler over
 * HTTP with its own headers (so its CSP is enforced), then the DOM, the chart, accessibility
 * (axe-core, zero violations) and a screenshot against a committed golden PNG.
 * UPDATE_GOLDENS=1 writes the goldens anew.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { PNG } from "pngjs";
import pixelmatch from "pixelmatch";
import { scenario, servedPage, type Scenario } from "./statusPages.js";

const CHROMIUM = "/usr/bin/chromium";
const GOLDENS = path.resolve("test/fixtures/goldens");
const DIFFS = path.resolve(".cache/golden-diffs");
const UPDATE = process.env["UPDATE_GOLDENS"] === "1";
/** Per pixel (pixelmatch's YIQ distance) and share of pixels that may differ: font antialiasing, not layout. */
const PIXEL_THRESHOLD = 0.1;
const MAX_DIFF_SHARE = 0.002;
const VIEWPORT = { width: 1100, height: 900 };
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const NAMES: Array<Scenario["name"]> = ["healthy", "broken", "no-channel", "warning"];
let browser: Browser;
let server: Server;
let base = "";
const served = new Map<string, Awaited<ReturnType<typeof servedPage>>>();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  for (const n of NAMES) served.set(n, await servedPage(await scenario(n)));
  server = createServer((req, res) => {
    const page = served.get((req.url ?? "/").slice(1));
    if (!page) return res.writeHead(404).end();
    res.writeHead(page.status, page.headers).end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--font-render-hinting=none",
      "--force-color-profile=srgb",
      "--disable-lcd-text",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

/** The page as a browser gets it, with what the CSP refused (there must be nothing). */
async function open(name: Scenario["name"], width = VIEWPORT.width) {
  const context = await browser.newContext({
    viewport: { ...VIEWPORT, width },
    deviceScaleFactor: 1,
    locale: "en-GB",
    timezoneId: "UTC",
    colorScheme: "light",
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  const refused: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  const res = await page.goto(`${base}/${name}`);
  return { page, res: res!, refused, close: () => context.close() };
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  // a string: the test's TypeScript has no DOM library
  return page.evaluate<string[]>(
    "axe.run().then((r) => r.violations.map((v) => v.id + ': ' + JSON.stringify(v.nodes.map((n) => n.target))))",
  );
}

function compareWithGolden(name: string, png: Buffer): void {
  const file = path.join(GOLDENS, `statuspage-${name}.png`);
  if (UPDATE) {
    mkdirSync(GOLDENS, { recursive: true });
    writeFileSync(file, png);
    return;
  }
  if (!existsSync(file))
    throw new Error(
      `no golden ${file}: run UPDATE_GOLDENS=1 npx vitest run ${path.relative(".", import.meta.filename)}`,
    );
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(png);
  expect(`${got.width}x${got.height}`, `${name}: screenshot size`).toBe(`${want.width}x${want.height}`);
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: PIXEL_THRESHOLD });
  const share = differing / (want.width * want.height);
  if (share > MAX_DIFF_SHARE) {
    mkdirSync(DIFFS, { recursive: true });
    writeFileSync(path.join(DIFFS, `statuspage-${name}.png`), png);
    writeFileSync(path.join(DIFFS, `statuspage-${name}.diff.png`), PNG.sync.write(diff));
  }
  expect(share, `${name}: ${differing} pixels differ from the golden (see ${DIFFS})`).toBeLessThanOrEqual(
    MAX_DIFF_SHARE,
  );
}

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();
const colour = (page: Page, selector: string) =>
  page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).color`);

describe("status page in Chromium", () => {
  it("a 13-hour outage with the role removed: PROBLEM in red, 503, the incident on top with its fix, the gap on the chart", async () => {
    const { page, res, refused, close } = await open("broken");
    expect(res.status()).toBe(503);
    expect(res.headers()["x-content-type-options"]).toBe("nosniff");
    expect(await text(page, "h1")).toBe("Keeper connector: PROBLEM");
    expect(await page.locator("header.state").getAttribute("class")).toContain("state-problem");
    expect(await page.locator("header.state").getAttribute("data-http-status")).toBe("503");
    // the inline style applies under the CSP: the headline is red
    expect(await colour(page, "h1")).toBe("rgb(177, 14, 28)");
    expect(await text(page, "header.state")).toContain("Health probes get HTTP 503.");
    // the incidents come before the checks, the first one carries the fix
    const headings = await page.locator("h2").allInnerTexts();
    expect(headings[0]).toMatch(/^Current incident/);
    expect(headings.indexOf("Checks")).toBeGreaterThan(0);
    const first = page.locator("article.incident").first();
    expect(await first.locator("h3").innerText()).toContain("Monitoring Metrics Publisher");
    expect(await first.locator(".fix pre").innerText()).toContain("az role assignment create");
    expect(await first.getAttribute("class")).toContain("incident-problem");
    // problems in the table, the ok checks collapsed
    expect(await page.locator("section[aria-labelledby=checks-h] > table tbody tr").count()).toBe(3);
    expect(await page.evaluate<boolean>(`document.querySelector("details.ok-checks").open`)).toBe(false);
    expect(await text(page, "details.ok-checks summary")).toMatch(/^\d+ checks ok$/);
    // times on the customer's clock, and which
    expect(await text(page, "header.state")).toContain("Wed 25 Nov 23:00 UTC+11");
    expect(await text(page, "header.state")).toContain("Sydney time (TRAFFIC_TIME_ZONE Australia/Sydney)");
    // the chart: band, gap, now, both axes, a name for assistive technology
    const svg = page.locator("svg.chart");
    expect(await svg.getAttribute("width")).toBe("100%");
    expect(await svg.getAttribute("viewBox")).toBe("0 0 840 280");
    expect(await svg.locator("path.band").count()).toBe(1);
    expect(await svg.locator("rect.gap").count()).toBe(1);
    expect(await svg.locator("line.now").count()).toBe(1);
    expect(await svg.locator("text.now-label").textContent()).toBe("now");
    expect(await svg.locator("text.gap-label").textContent()).toMatch(/^no events for 13 h/);
    expect(await svg.locator("text.y-axis").textContent()).toBe("Events per hour");
    expect(await svg.locator("text.x-axis").textContent()).toContain("UTC+11");
    expect(await svg.locator("#chart-desc").textContent()).toContain("open gap");
    // the gap ends at "now", and no bar stands in it
    const gap = (await svg.locator("rect.gap").boundingBox())!;
    const now = (await svg.locator("line.now").boundingBox())!;
    expect(Math.abs(gap.x + gap.width - (now.x + now.width / 2))).toBeLessThan(2);
    const bars = await svg.locator("rect.bar").evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().x));
    expect(bars.filter((x) => x > gap.x + 2 && x < gap.x + gap.width).length).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    expect(refused).toEqual([]);
    compareWithGolden("broken", await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" }));
    await close();
  });

  it("healthy: OK in green, 200, no incident, no gap, the usual band", async () => {
    const { page, res, refused, close } = await open("healthy");
    expect(res.status()).toBe(200);
    expect(await text(page, "h1")).toBe("Keeper connector: OK");
    expect(await page.locator("header.state").getAttribute("class")).toContain("state-ok");
    expect(await colour(page, "h1")).toBe("rgb(14, 112, 14)");
    expect(await text(page, "#incidents-h")).toBe("No open incident");
    expect(await page.locator("article.incident").count()).toBe(0);
    expect(await page.locator("svg.chart path.band").count()).toBe(1);
    expect(await page.locator("svg.chart rect.gap").count()).toBe(0);
    expect(await page.locator("svg.chart line.now").count()).toBe(1);
    expect(await text(page, "header.state")).toContain("Times are UTC (learned from Keeper's traffic).");
    expect(await axeViolations(page)).toEqual([]);
    // opened, the ok checks are a table with row headers, and still accessible
    await page.locator("details.ok-checks summary").click();
    expect(await page.locator("details.ok-checks tbody th[scope=row]").count()).toBeGreaterThan(10);
    expect(await axeViolations(page)).toEqual([]);
    expect(refused).toEqual([]);
    await page.locator("details.ok-checks summary").click();
    compareWithGolden("healthy", await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" }));
    await close();
  });

  it("no alert channel (the default): OK, 200, the channel's note among the ok checks", async () => {
    const { page, res, close } = await open("no-channel");
    expect(res.status()).toBe(200);
    expect(await text(page, "h1")).toBe("Keeper connector: OK");
    expect(await page.locator(".mark-problem").count()).toBe(0);
    const row = page.locator("details.ok-checks tr", { hasText: "alerts.channel" });
    expect(await row.locator("td").last().textContent()).toContain("No alert channel is configured");
    expect(await axeViolations(page)).toEqual([]);
    compareWithGolden("no-channel", await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" }));
    await close();
  });

  it("a failing alert channel (a warning): WARNING in amber, 200, never the red of a critical problem", async () => {
    const { page, res, close } = await open("warning");
    expect(res.status()).toBe(200);
    expect(await text(page, "h1")).toBe("Keeper connector: WARNING");
    expect(await page.locator("header.state").getAttribute("class")).toContain("state-warning");
    expect(await colour(page, "h1")).toBe("rgb(138, 75, 0)");
    expect(await page.locator(".mark-problem, .incident-problem").count()).toBe(0);
    const incident = page.locator("article.incident").first();
    expect(await incident.getAttribute("class")).toContain("incident-warning");
    expect(await incident.locator(".fix pre").innerText()).toContain("ALERT_TEAMS_WEBHOOK_URL");
    expect(await page.locator("section[aria-labelledby=checks-h] > table .mark-warning").innerText()).toBe("Warning");
    expect(await axeViolations(page)).toEqual([]);
    compareWithGolden("warning", await page.screenshot({ fullPage: true, animations: "disabled", caret: "hide" }));
    await close();
  });

  it("Confirm cut-over (status page #rotation) lands on the confirm command, in view, with placeholders only", async () => {
    const { page, res, close } = await open("healthy");
    await page.goto(`${res.url()}#rotation`);
    const section = page.locator("section#rotation");
    expect(await section.count()).toBe(1);
    const box = (await section.boundingBox())!;
    const scrolled = await page.evaluate<number>("window.scrollY");
    expect(scrolled).toBeGreaterThan(0);
    expect(Math.abs(box.y)).toBeLessThan(VIEWPORT.height);
    const command = await section.locator("pre").innerText();
    expect(command).toContain('curl -X POST "https://<host>/api/rotation/confirm"');
    expect(command).toContain('-H "x-functions-key: <admin key>"');
    expect(command).toContain('"rotationId":"<rotation id>"');
    expect(await axeViolations(page)).toEqual([]);
    await close();
  });

  it("the chart takes the width it is given (a phone)", async () => {
    const { page, close } = await open("broken", 420);
    const box = (await page.locator("svg.chart").boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(420);
    expect(box.width).toBeGreaterThan(340);
    expect(box.height).toBeCloseTo((box.width * 280) / 840, 0);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(420);
    await close();
  });
});
