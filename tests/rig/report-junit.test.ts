// The JUnit report is checked by a real XML parser (Debian's xmllint, libxml2-utils): well-formed,
// the structure CI systems read, and hostile names read back exactly (minus what XML cannot hold).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { classnameOf, junitXml, writeJunit } from '../../runtime/rig/report-junit.ts';
import { HOSTILE_NAME_AS_READ, errorScenario, passedScenario, runResult } from './report-fixtures.ts';

const folder = mkdtempSync(join(tmpdir(), 'report-junit-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function xmllint(args: string[]): string {
  return execFileSync('xmllint', args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The string value of an XPath expression on `file`. */
function xpath(file: string, expression: string): string {
  return xmllint(['--xpath', `string(${expression})`, file]).replace(/\n$/, '');
}

describe('writeJunit', () => {
  const file = join(folder, 'reports', 'booth-rig.xml');
  before(() => writeJunit(runResult(), file));

  it('writes well-formed XML (xmllint --noout accepts it)', () => {
    xmllint(['--noout', file]);
  });

  it('has one testsuite "booth-rig" with the counts, time and timestamp', () => {
    assert.equal(xpath(file, 'name(/*)'), 'testsuite');
    assert.equal(xpath(file, '/testsuite/@name'), 'booth-rig');
    assert.equal(xpath(file, '/testsuite/@tests'), '3');
    assert.equal(xpath(file, '/testsuite/@failures'), '1');
    assert.equal(xpath(file, '/testsuite/@errors'), '1');
    assert.equal(xpath(file, '/testsuite/@time'), '49.723');
    assert.equal(xpath(file, '/testsuite/@timestamp'), '2026-11-28T10:00:00.000Z');
    assert.equal(xpath(file, "/testsuite/properties/property[@name='rig.devices']/@value"), 'sim <all seven>');
  });

  it('has one testcase per scenario: classname from the file, name, time in seconds', () => {
    assert.equal(xpath(file, 'count(/testsuite/testcase)'), '3');
    assert.equal(xpath(file, '/testsuite/testcase[1]/@classname'), 'perfect-person');
    assert.equal(xpath(file, '/testsuite/testcase[1]/@name'), passedScenario.name);
    assert.equal(xpath(file, '/testsuite/testcase[1]/@time'), '8.123');
    assert.equal(xpath(file, 'count(/testsuite/testcase[1]/failure | /testsuite/testcase[1]/error)'), '0');
    assert.equal(xpath(file, '/testsuite/testcase[3]/@classname'), 'broker-outage');
    assert.equal(classnameOf('scenarios/sub/door-jammed.yaml'), 'door-jammed');
  });

  it('gives a failure its type, its step and message, and the timeline entries before it', () => {
    assert.equal(xpath(file, '/testsuite/testcase[2]/failure/@type'), 'expectation');
    const message = xpath(file, '/testsuite/testcase[2]/failure/@message');
    assert.ok(message.startsWith('step 9: expected door unlocked within 2000 ms'), message);
    const body = xpath(file, '/testsuite/testcase[2]/failure');
    assert.match(body, /^step 9: expected door unlocked/);
    assert.match(body, /last timeline entries:/);
    assert.match(body, /step 9 +expect +door unlocked ✗ \(bolt locked\)/);
    assert.match(body, /step 8 +device +unplug scanner/);
    assert.doesNotMatch(body, /session escalated/, 'entries after the failure are not part of it');
  });

  it('reports a scenario that could not run as <error>', () => {
    assert.equal(xpath(file, 'count(/testsuite/testcase[3]/error)'), '1');
    assert.equal(xpath(file, 'count(/testsuite/testcase[3]/failure)'), '0');
    assert.equal(xpath(file, '/testsuite/testcase[3]/error/@message'), errorScenario.failure!.message);
  });

  it('puts the timeline and the logs in <system-out>', () => {
    const out = xpath(file, '/testsuite/testcase[2]/system-out');
    assert.match(out, /\+0\.700s step 8 +device +unplug scanner/);
    assert.match(out, /\[\[ATTACHMENT\|var\/rig\/hostile\/boothd\.log\]\]/);
    assert.match(out, /audit log: var\/rig\/hostile\/audit\.log/);
  });

  it('escapes hostile names: a parser reads them back, with control characters made visible', () => {
    assert.equal(xpath(file, '/testsuite/testcase[2]/@name'), HOSTILE_NAME_AS_READ);
    assert.equal(xpath(file, 'count(//script | //img)'), '0');
    assert.ok(xpath(file, '/testsuite/testcase[2]/failure/@message').endsWith('<img src=x onerror="alert(1)"> ]]><![CDATA[ </details></table> &amp; \\x1b]0;title\\x07'));
    assert.ok(xpath(file, '/testsuite/testcase[2]/system-out').includes('log line <img src=x'));
  });

  it('leaves no character XML 1.0 forbids in the file', () => {
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    assert.ok(!text.includes('\ufffd'), 'nothing was lost to replacement characters');
    assert.ok(junitXml(runResult()).includes('\\x1b'));
  });

  it('replaces the file atomically and leaves no temporary file behind', () => {
    writeFileSync(file, 'old');
    writeJunit(runResult([passedScenario]), file);
    assert.deepEqual(readdirSync(join(folder, 'reports')), ['booth-rig.xml']);
    assert.equal(xpath(file, '/testsuite/@tests'), '1');
  });

  it('writes an empty run as a valid suite of 0 tests', () => {
    const empty = join(folder, 'empty.xml');
    writeJunit(runResult([]), empty);
    xmllint(['--noout', empty]);
    assert.equal(xpath(empty, '/testsuite/@tests'), '0');
  });
});
