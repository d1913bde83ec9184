/**
 * report.html in a real browser: Debian's headless Chromium driven by playwright-core (no browser
 * download, no network). The summary, the traceability matrix and a counterexample table render,
 * the page asks for nothing but itself, and a screenshot of it is not blank.
 *
 * UPDATE_DOCS_SCREENSHOT=1 also writes the README's picture, docs/evidence-report.png.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIREMENTS } from '../../evidence/requirements.js';
import type { Evidence } from '../../evidence/types.js';
import { typezero } from '../cli/cli.js';
import { ROOT } from '../helpers.js';

// Browser globals used inside page.evaluate callbacks, which run in Chromium (no DOM lib here).
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: unknown, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const document: {
  querySelector(selector: string): { id: string } | null;
  createElement(tag: 'canvas'): Canvas;
};
declare const Image: new () => {
  src: string;
  naturalWidth: number;
  naturalHeight: number;
  decode(): Promise<void>;
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const OUT = mkdtempSync(join(tmpdir(), 'typezero-report-'));
/** An integrator's requirements file, so the report shows their IDs in the matrix. */
const OURS = join(OUT, 'ours.yaml');
writeFileSync(
  OURS,
  "requirements:\n  - id: SSR-042\n    title: Devices reach only their owner's memory\n    properties: [DmaContainment]\n  - id: SSR-043\n    properties: [TemporalIsolation]\n",
);

/** A package of `name` with small campaigns; the tool copy (about ten seconds) only when asked for. */
function buildPackage(
  name: string,
  extra: readonly string[] = [],
  carryTool = false,
): { dir: string; evidence: Evidence } {
  const dir = join(OUT, name);
  const small = ['--seeds', '4', '--steps', '500', ...(carryTool ? [] : ['--no-tool-copy'])];
  const r = typezero('evidence', `examples/${name}.yaml`, '--out', dir, ...small, ...extra);
  if (r.status === 2) throw new Error(r.stderr);
  return { dir, evidence: JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Evidence };
}

/** Distinct colours and the share of rows and pixels that are not background, sampled. */
async function inkOf(
  page: Page,
  png: Buffer,
): Promise<{ colours: number; inkedRows: number; inked: number }> {
  return page.evaluate(
    async (dataUrl) => {
      const img = new Image();
      img.src = dataUrl;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const colours = new Set<number>();
      let inkedRows = 0;
      let inked = 0;
      let samples = 0;
      for (let y = 0; y < canvas.height; y += 4) {
        const row = ctx.getImageData(0, y, canvas.width, 1).data;
        let rowInk = 0;
        for (let x = 0; x < canvas.width; x += 2) {
          const [r, g, b] = [row[x * 4]!, row[x * 4 + 1]!, row[x * 4 + 2]!];
          colours.add((r << 16) | (g << 8) | b);
          samples++;
          if (r + g + b < 720) {
            inked++;
            rowInk++;
          }
        }
        if (rowInk > 0) inkedRows++;
      }
      return {
        colours: colours.size,
        inkedRows: inkedRows / Math.ceil(canvas.height / 4),
        inked: inked / samples,
      };
    },
    `data:image/png;base64,${png.toString('base64')}`,
  );
}

/** The text as rendered (Playwright's innerText: layout-aware, unlike textContent). */
function shown(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is under test
  return locator.innerText();
}

describe.skipIf(!HAVE_CHROMIUM)(`report.html in headless Chromium (${CHROMIUM})`, () => {
  let context: BrowserContext;
  let failing: { dir: string; evidence: Evidence } | undefined;
  const requests: string[] = [];

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'typezero-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 1000 },
    });
    context.on('request', (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await context?.close();
  });

  // It builds a whole package first (every engine, the proof and the two-run check included), which
  // takes minutes on a loaded machine.
  it('shows the summary, the matrix and a counterexample step by step, and asks for nothing else', {
    timeout: 300_000,
  }, async () => {
    const { dir, evidence } = buildPackage('dma-window-overlap', ['--requirements', OURS]);
    failing = { dir, evidence };
    const page = await context.newPage();
    const url = pathToFileURL(join(dir, 'report.html')).href;
    requests.length = 0;
    await page.goto(url);

    // Summary verdict first.
    const banner = page.locator('#summary .banner');
    await expect.poll(() => banner.getAttribute('data-verdict')).toBe('fail');
    expect(await shown(banner)).toMatch(
      /^FAIL\s+2 of 11 properties violated \(DmaContainment, InformationFlow\)/,
    );
    const firstSection = await page.evaluate(() => document.querySelector('main section')?.id);
    expect(firstSection).toBe('summary');

    // Traceability matrix: one row per requirement-to-property mapping, each with six cells in all,
    // and one for the noninterference check under each family that cites it.
    const rows = page.locator('#matrix tbody tr');
    const mappings = REQUIREMENTS.reduce((n, r) => n + r.properties.length, 0);
    const cited = evidence.requirements.filter((r) => r.checks?.length).map((r) => r.id);
    expect(cited).toEqual(['REQ-IFC', 'REQ-PRIV', 'REQ-DMA']);
    expect(await rows.count()).toBe(mappings + cited.length);
    for (const r of REQUIREMENTS)
      expect(await page.locator(`#matrix tr[data-requirement="${r.id}"][data-property]`).count()).toBe(
        r.properties.length,
      );
    const niRow = page.locator('#matrix tr[data-requirement="REQ-IFC"][data-check="noninterference"]');
    expect(await shown(niRow)).toMatch(
      /^Noninterference \(two runs\)[\s\S]*FDP_IFF\.1\.2: The rule, independently of the labels[\s\S]*agrees with InformationFlow\s+divergence$/,
    );
    // The section it links to shows the diverging pair move by move.
    await niRow.locator('a[href="#noninterference"]').click();
    expect(await shown(page.locator('#noninterference .ni-pair[data-observer="unclass"] pre'))).toMatch(
      /^1\. \[both runs\] security monitor measures the hypervisor image: [\s\S]*\nDivergence: nic0 DMA read from page 3 /,
    );
    const dmaRow = page.locator('#matrix tr[data-requirement="REQ-DMA"][data-property="DmaContainment"]');
    expect(await shown(dmaRow)).toMatch(/DMA protection[\s\S]*DmaContainmentInv[\s\S]*violated/);
    expect((await dmaRow.boundingBox())!.height).toBeGreaterThan(20);
    // Each property's row names the Common Criteria elements it speaks to, and what part it covers.
    expect(await shown(dmaRow.locator('li[data-sfr="FDP_ACF.1.2"]'))).toMatch(
      /FDP_ACF\.1\.2 Security attribute based access control: The rule: a device reaches by DMA only pages its owner may write/,
    );
    expect(await shown(page.locator('#matrix tr[data-requirement="REQ-IFC"]').first())).toMatch(
      /CC: FDP_IFC\.2\.1, FDP_IFC\.2\.2, FDP_IFF\.1\.1, FDP_IFF\.1\.2\s+SKPP: Information flow control/,
    );
    // The integrator's own requirements, each with its properties and result.
    const ours = page.locator('tr[data-integrator-requirement="SSR-042"]');
    expect(await shown(ours)).toMatch(
      /SSR-042\s+Devices reach only their owner's memory\s+DmaContainment violated\s+REQ-DMA\s+not met/,
    );
    expect(await shown(page.locator('tr[data-integrator-requirement="SSR-043"]'))).toMatch(/met$/);
    expect(await shown(page.locator('#summary .facts'))).toMatch(/Your requirements\s+1 of 2 met/);

    // The soundness argument and the tool's qualification, each in a section of its own.
    expect(await shown(page.locator('#abstraction'))).toMatch(/Page-class abstraction\s+passed/);
    expect(await shown(page.locator('tr[data-abstraction="none"]'))).toMatch(/whole states\s+passed/);
    expect(await shown(page.locator('#seeded-bugs'))).toMatch(/Seeded model bugs: \d+ of 11 killed/);
    expect(await shown(page.locator('tr[data-bug="launch-ignores-mismatch"]'))).toMatch(
      /killed[\s\S]*by MeasuredLaunch/,
    );
    expect(await shown(page.locator('#qualification'))).toMatch(/Test suite\s+not carried/);
    // How to reproduce: this package leaves the tool out, says so, and never sends anyone to npx.
    const reproduce = await shown(page.locator('#reproduce'));
    expect(reproduce).toMatch(/This package does not carry the tool \(.*--no-tool-copy/);
    expect(reproduce).toMatch(/typezero evidence system\/\S+ --out "\$PWD\.rerun"/);
    expect(reproduce).not.toMatch(/npx/);

    // The counterexample as a table: one row per state, the changed variables highlighted.
    const cx = evidence.properties.find((p) => p.name === 'DmaContainment')!.counterexamples[0]!;
    const heading = page.locator('#cx-DmaContainment');
    await expect.poll(() => heading.isVisible()).toBe(true);
    const table = page.locator('.counterexample:has(#cx-DmaContainment) table.trace');
    expect(await table.locator('tbody tr[data-step]').count()).toBe(cx.steps + 1);
    const last = table.locator(`tbody tr[data-step="${cx.steps}"]`);
    expect(await shown(last)).toMatch(/nic0 DMA read from page 3/);
    const highlight = last.locator('.new').first();
    expect(await highlight.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(
      'rgba(0, 0, 0, 0)',
    );

    // The memory map flags the window: its bar under page 3 is red, and says why.
    const flagged = page.locator('svg.memory g[data-foreign-dma="nic0"]');
    expect(await flagged.count()).toBe(1);
    expect(await flagged.locator('title').textContent()).toMatch(
      /pages? 3: owned by secret.*its owner may not write: nic0/,
    );

    // The schedule picture renders.
    const svg = page.locator('svg.schedule');
    expect((await svg.boundingBox())!.width).toBeGreaterThan(400);

    // The FAIL banner links to each counterexample; a trace two properties share is shown once,
    // with both named; the initial state is shown, not collapsed.
    for (const p of ['DmaContainment', 'InformationFlow'])
      expect(await banner.locator(`a[href="#cx-${p}"]`).count(), p).toBe(1);
    expect(await page.locator('table.trace').count()).toBe(1);
    expect(await shown(page.locator('#cx-InformationFlow'))).toMatch(
      /same 4-step trace as the counterexample to DmaContainment/,
    );
    expect(await table.locator('tr[data-step="0"] .initial').isVisible()).toBe(true);

    // The root cause, under the counterexample and linked from the banner: the NIC's DMA window,
    // at its line in the system file.
    const cause = cx.causes[0]!;
    expect(cause.path).toBe('devices[0].dma[0]');
    const causes = page.locator('#causes-DmaContainment');
    expect(await shown(causes)).toContain(`devices[0].dma[0] (line ${cause.line}, column ${cause.column})`);
    expect(await shown(causes)).toMatch(/include page 3 \(owned by secret\)/);
    const link = banner.locator('.cx-causes a[href="#causes-DmaContainment"]');
    expect(await shown(link)).toBe('devices[0].dma[0]');
    await link.click();
    await expect
      .poll(() =>
        page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash),
      )
      .toBe('#causes-DmaContainment');
    expect(await causes.isVisible()).toBe(true);

    expect(requests.filter((u) => u !== url)).toEqual([]);

    // What a reader sees is not blank: the first screen and the counterexample's table each have
    // many colours and ink on most rows. (Not a full-page capture: on a report this long it takes
    // seconds on an idle machine and more than a minute on a loaded one.)
    await page.evaluate(() =>
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
    );
    const shots = {
      'first screen': await page.screenshot({ path: join(OUT, 'report.png'), timeout: 90_000 }),
      'counterexample table': await table.screenshot({ path: join(OUT, 'trace.png'), timeout: 90_000 }),
    };
    for (const [what, png] of Object.entries(shots)) {
      const ink = await inkOf(page, png);
      expect(ink.colours, what).toBeGreaterThan(50);
      expect(ink.inkedRows, what).toBeGreaterThan(0.5);
      expect(ink.inked, what).toBeGreaterThan(0.02);
    }

    if (process.env.UPDATE_DOCS_SCREENSHOT) {
      // The README's picture shows a package made with the default bounds.
      const docs = join(OUT, 'docs');
      expect(typezero('evidence', 'examples/dma-window-overlap.yaml', '--out', docs).status).toBe(1);
      await page.goto(pathToFileURL(join(docs, 'report.html')).href);
      // The first screen only: a window that tall, not a full-page capture of a long report.
      await page.setViewportSize({ width: 1280, height: 1180 });
      await page.screenshot({ path: join(ROOT, 'docs', 'evidence-report.png'), timeout: 90_000 });
    }
    await page.close();
  });

  it('prints with the document control and page numbers, nothing collapsed, and fits a narrow window', async () => {
    const { dir, evidence } = failing ?? buildPackage('dma-window-overlap');
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    // Document control on screen, and in every printed page's footer with the page number.
    expect(await shown(page.locator('#document'))).toContain(evidence.document.id);
    const footer = await page.evaluate(() =>
      [
        ...(document as unknown as { styleSheets: Iterable<{ cssRules: Iterable<{ cssText: string }> }> })
          .styleSheets,
      ]
        .flatMap((sheet) => [...sheet.cssRules].map((r) => r.cssText))
        .filter((t) => t.startsWith('@page')),
    );
    expect(footer.join('\n')).toMatch(/@bottom-right \{[^}]*counter\(page\)[^}]*counter\(pages\)/);
    expect(footer.join('\n')).toContain(evidence.document.id);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('table.trace tr[data-step="0"] .initial').isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });

    // Figures and tables fit a narrow window: nothing is wider than the page.
    for (const width of [820, 420]) {
      await page.setViewportSize({ width, height: 1000 });
      const overflow = await page.evaluate(() => {
        const d = (document as unknown as { documentElement: { scrollWidth: number; clientWidth: number } })
          .documentElement;
        return d.scrollWidth - d.clientWidth;
      });
      expect(overflow, `${width} px`).toBeLessThanOrEqual(0);
      for (const svg of ['svg.schedule', 'svg.memory'])
        expect((await page.locator(svg).boundingBox())!.width, svg).toBeLessThanOrEqual(width);
    }

    await page.close();
  });

  it('says PASS first for a secure system, with no counterexample', { timeout: 300_000 }, async () => {
    const { dir, evidence } = buildPackage('mils-two-domain', [], true);
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    const banner = page.locator('#summary .banner');
    expect(await banner.getAttribute('data-verdict')).toBe('pass');
    // FaultRecovery holds only vacuously (no health monitor): not applicable, and its family not
    // demonstrated, on the first screen and in the matrix.
    expect(await shown(banner)).toMatch(/^PASS\s+10 of 11 properties hold .* not applicable .*FaultRecovery/);
    expect(await shown(page.locator('#summary .facts'))).toMatch(
      /1 not applicable[\s\S]*not demonstrated: Fail-secure and trusted recovery/,
    );
    // The scope right under the verdict, and what the model does not cover.
    const scope = page.locator('#scope');
    expect(await shown(scope)).toMatch(
      /over typezero's reference model[\s\S]*not a verdict on any real hypervisor binary/i,
    );
    const [bannerBox, scopeBox, factsBox] = await Promise.all(
      [banner, scope, page.locator('#summary .facts')].map((l) => l.boundingBox()),
    );
    expect(scopeBox!.y).toBeGreaterThanOrEqual(bannerBox!.y + bannerBox!.height);
    expect(scopeBox!.y).toBeLessThan(factsBox!.y);
    expect(await page.locator('#not-covered tr[data-not-covered]').count()).toBeGreaterThanOrEqual(5);
    expect(await shown(page.locator('#not-covered'))).toMatch(/Covert timing channels[\s\S]*FDP_IFF\.3/);
    const recovery = page.locator('#verdicts tr[data-property="FaultRecovery"]');
    expect(await shown(recovery)).toMatch(
      /not applicable[\s\S]*holds vacuously: no partition holds partition-control/,
    );
    const failRow = page.locator('#matrix tr[data-requirement="REQ-FAIL"][data-property="FailSecure"]');
    expect(await shown(failRow)).toMatch(/not demonstrated/);
    expect(await page.locator('table.trace').count()).toBe(0);
    expect(await shown(page.locator('#counterexamples'))).toMatch(/None: no engine found a violation/);
    // The unbounded proof: each invariant in the system's terms, and where it met the enumeration.
    const proof = await shown(page.locator('#proof'));
    expect(proof).toMatch(/^Unbounded proof\n/);
    expect(proof).toContain("unclass's observed set stays within {unclass}");
    expect(proof).toMatch(/holds in each of the 349 reachable states .*: the proof and the enumeration meet/);
    expect(await page.locator('#proof tr[data-proof]').count()).toBe(11);
    // The tool it carries, each tarball with its digest, and an offline install as the first step.
    const copy = evidence.tool.copy!;
    expect(copy.status).toBe('carried');
    expect(await shown(page.locator('#tool'))).toMatch(
      /Tool copy\s+carried in tool\/ for an offline reproduction: typezero's npm tarball, its lockfile and \d+ runtime packages/,
    );
    expect(await page.locator('#tool td table tr').count()).toBe(copy.dependencies.length + 2);
    const how = await shown(page.locator('#reproduce'));
    expect(how).toMatch(/installs the typezero this package carries \(tool\/\) into a new folder/);
    expect(how).toContain('npm install --offline');
    await page.close();
  });
});
