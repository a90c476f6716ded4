// The HTML report: one self-contained file (no scripts, nothing fetched), a <details> per scenario
// open when it failed, and no user text that a browser would read as markup. Its markup is also
// well-formed XML, so xmllint checks the structure and reads the hostile texts back as plain text.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { htmlReport, writeHtml } from '../../runtime/rig/report-html.ts';
import { HOSTILE_NAME_AS_READ, HOSTILE_TEXT, passedScenario, runResult } from './report-fixtures.ts';

const folder = mkdtempSync(join(tmpdir(), 'report-html-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** Elements the report itself writes; anything else in the file came from user text. */
const OWN_ELEMENTS = new Set(['html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'p', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'code', 'span', 'details', 'summary', 'div', 'pre']);

/** The string value of an XPath expression on `file`, the HTML read as XML. */
function xpath(file: string, expression: string): string {
  return execFileSync('xmllint', ['--xpath', `string(${expression})`, file], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

describe('writeHtml', () => {
  const file = join(folder, 'out', 'booth-rig.html');
  let html = '';
  before(() => {
    writeHtml(runResult(), file);
    html = readFileSync(file, 'utf8');
  });

  it('is one HTML document that an XML parser accepts', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    execFileSync('xmllint', ['--noout', file], { timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.deepEqual(readdirSync(join(folder, 'out')), ['booth-rig.html'], 'written atomically, no temporary file left');
  });

  it('is self-contained: inline CSS, no scripts, no external resources, a CSP that forbids both', () => {
    assert.equal(xpath(file, 'count(//script | //link | //img | //iframe | //object | //embed)'), '0');
    assert.equal(xpath(file, 'count(//style)'), '1');
    assert.equal(xpath(file, "//meta[@http-equiv='Content-Security-Policy']/@content"), "default-src 'none'; style-src 'unsafe-inline'");
    assert.equal(xpath(file, 'count(//@src | //@srcset | //@action | //@data)'), '0');
    assert.equal(xpath(file, "count(//a[not(starts-with(@href, '#scenario-'))])"), '0', 'links only within the page');
    assert.doesNotMatch(xpath(file, '//style'), /url\(|@import|https?:/i);
  });

  it('shows a summary table with a row per scenario, and the counts', () => {
    assert.equal(xpath(file, "count(//table[@class='summary']/tbody/tr)"), '3');
    assert.equal(xpath(file, "//p[contains(@class, 'verdict')]"), '1 passed, 2 failed');
    assert.equal(xpath(file, "//table[@class='summary']/tbody/tr[1]/td[3]/a/@href"), '#scenario-1');
    assert.equal(xpath(file, "//table[@class='summary']/tbody/tr[2]/td[7]").slice(0, 8), 'step 9: ');
  });

  it('has a <details> per scenario, open exactly when it failed or could not run', () => {
    assert.equal(xpath(file, 'count(//details)'), '3');
    assert.equal(xpath(file, "count(//details[@id='scenario-1'][@open])"), '0');
    assert.equal(xpath(file, "count(//details[@id='scenario-2'][@open])"), '1');
    assert.equal(xpath(file, "count(//details[@id='scenario-3'][@open])"), '1');
  });

  it('lists the timeline: offset, step, kind with its icon, text, ✓/✗, detail; the failing entry marked', () => {
    const rows = "//details[@id='scenario-2']//table[@class='timeline']/tbody/tr";
    assert.equal(xpath(file, `count(${rows})`), '10');
    assert.equal(xpath(file, `${rows}[9]/td[1]`), '+2.700s');
    assert.equal(xpath(file, `${rows}[9]/td[2]`), '9');
    assert.equal(xpath(file, `${rows}[9]/td[3]/span/@class`), 'kind kind-expect');
    assert.equal(xpath(file, `${rows}[9]/td[3]`), '◎ expect');
    assert.equal(xpath(file, `${rows}[9]/td[5]`), '✗');
    assert.equal(xpath(file, `${rows}[9]/td[6]`), 'bolt locked');
    assert.match(xpath(file, `${rows}[9]/@class`), /\bfailing\b/);
    assert.equal(xpath(file, `${rows}[2]/td[5]`), '✓');
    assert.equal(xpath(file, `${rows}[8]/td[3]`), '⚙ device');
    assert.equal(xpath(file, `count(//tr[contains(@class, 'failing')])`), '1');
  });

  it('contains no unescaped user text: only its own elements, hostile texts read back as text', () => {
    const elements = new Set([...html.matchAll(/<([a-zA-Z][\w-]*)/g)].map((match) => match[1]!.toLowerCase()));
    for (const element of elements) assert.ok(OWN_ELEMENTS.has(element), `<${element}> is not one of the report's own elements`);
    assert.equal(xpath(file, "count(//@*[starts-with(name(), 'on')])"), '0', 'no event handler attribute');
    assert.doesNotMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no control characters');
    assert.equal(xpath(file, "//details[@id='scenario-2']/summary/text()[1]").trim(), HOSTILE_NAME_AS_READ);
    assert.equal(xpath(file, "//table[@class='summary']/tbody/tr[2]/td[3]/a"), HOSTILE_NAME_AS_READ);
    const event = "//details[@id='scenario-2']//table[@class='timeline']/tbody/tr[7]";
    assert.equal(xpath(file, `${event}/td[4]`), HOSTILE_TEXT.replace('\u001b', '\\x1b').replace('\u0007', '\\x07'));
    assert.equal(xpath(file, `${event}/td[6]/pre`), `log line ${HOSTILE_TEXT.replace('\u001b', '\\x1b').replace('\u0007', '\\x07')}\nsecond line`);
    assert.equal(xpath(file, "//table[@class='summary']/tbody/tr[2]/td[5]/span[2]"), '<b>tag</b>');
  });

  it('shows where the logs of a scenario are', () => {
    assert.match(xpath(file, "//details[@id='scenario-2']//p[@class='artifacts']"), /boothd log var\/rig\/hostile\/boothd\.log · audit log var\/rig\/hostile\/audit\.log/);
  });

  it('says so when a scenario has no timeline, and renders a run with no scenarios', () => {
    assert.equal(xpath(file, "//details[@id='scenario-3']//p[@class='meta'][2]"), 'No timeline entries.');
    const empty = htmlReport(runResult([]));
    assert.match(empty, /0 passed, 0 failed/);
    assert.doesNotMatch(empty, /<details/);
    assert.match(htmlReport(runResult([passedScenario])), /<p class="verdict passed">1 passed, 0 failed<\/p>/);
  });
});
