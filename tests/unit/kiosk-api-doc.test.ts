/** docs/kiosk-api.md stays the truth: its tables are checked against the contract and the code. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PERSON_ACTION_NAMES } from '../../runtime/kiosk/client-messages.ts';
import { KIOSK_ERROR_CODES, KIOSK_PROTOCOL, KIOSK_SOCKET_PATH } from '../../runtime/kiosk/kiosk-protocol.ts';
import { ALLOWED_ACTIONS, SESSION_STATES } from '../../protocols/kiosk/session-contract.ts';

const doc = readFileSync(new URL('../../docs/kiosk-api.md', import.meta.url), 'utf8');

/** The rows of the table that follows `heading`, as cells with backticks removed. */
function tableAfter(heading: string): string[][] {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `heading "${heading}" is in the document`);
  const lines = doc.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('docs/kiosk-api.md', () => {
  it('lists every state with exactly the actions ALLOWED_ACTIONS gives it, in order', () => {
    const table = tableAfter('## States and the actions they accept');
    assert.deepEqual(
      table.map(([state]) => names(state ?? '')[0]),
      [...SESSION_STATES],
    );
    for (const [state, actions] of table) {
      const name = names(state ?? '')[0] as keyof typeof ALLOWED_ACTIONS;
      assert.deepEqual(names(actions ?? ''), [...ALLOWED_ACTIONS[name]], name);
    }
  });

  it('documents every action and every error code', () => {
    assert.deepEqual(
      tableAfter('### `action`').map(([action]) => names(action ?? '')[0]),
      PERSON_ACTION_NAMES,
    );
    assert.deepEqual(
      tableAfter('## Error codes').map(([code]) => names(code ?? '')[0]),
      [...KIOSK_ERROR_CODES],
    );
  });

  it('names the protocol and the socket path the code uses', () => {
    assert.ok(doc.includes(`\`${KIOSK_PROTOCOL}\``));
    assert.ok(doc.includes(`\`${KIOSK_SOCKET_PATH}\``));
  });
});
