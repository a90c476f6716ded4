/**
 * Debounce of the Firmata inputs on the fake clock, and the `props` schemas of the three Firmata
 * compatibles (pin names, pins used twice, what each device needs).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DebouncedInput } from '../../drivers/firmata/debounce.ts';
import { firmataDoorLockProps } from '../../drivers/firmata-door-lock/config.ts';
import { firmataPwmLightingProps } from '../../drivers/firmata-pwm-lighting/config.ts';
import { firmataSensorsProps } from '../../drivers/firmata-sensors/config.ts';
import { FakeClock } from '../support/fake-clock.ts';

function input(mode: 'leading' | 'settle', ms: number) {
  const clock = new FakeClock();
  const changes: Array<[number, boolean]> = [];
  const start = clock.now();
  const debounced = new DebouncedInput(clock, mode, ms, (active) => changes.push([clock.now() - start, active]));
  return { clock, changes, debounced };
}

describe('DebouncedInput', () => {
  it('reports nothing before it is primed, then takes the last report as the state without an event', () => {
    const { changes, debounced } = input('leading', 20);
    assert.equal(debounced.prime(), false, 'nothing reported yet');
    const other = input('settle', 20);
    other.debounced.feed(true);
    other.debounced.feed(false);
    assert.equal(other.debounced.value, undefined);
    assert.equal(other.debounced.prime(), true);
    assert.equal(other.debounced.value, false);
    assert.deepEqual([...changes, ...other.changes], []);
  });

  it('leading: the first edge at once, bounces ignored for debounceMs, the level then looked at again', async () => {
    const { clock, changes, debounced } = input('leading', 20);
    debounced.feed(false);
    debounced.prime();
    debounced.feed(true); // pressed: reported now
    await clock.advance(2);
    debounced.feed(false); // bounce
    debounced.feed(true);
    await clock.advance(5);
    debounced.feed(false); // a 7 ms press: released inside the lock-out
    assert.deepEqual(changes, [[0, true]]);
    await clock.advance(20);
    assert.deepEqual(changes, [
      [0, true],
      [20, false],
    ]);
    assert.equal(debounced.unsettled, true, 'the release is locked out in turn');
    await clock.advance(20);
    assert.equal(debounced.unsettled, false);
  });

  it('settle: a change counts once the level held for debounceMs; a shorter glitch never shows', async () => {
    const { clock, changes, debounced } = input('settle', 30);
    debounced.feed(false);
    debounced.prime();
    debounced.feed(true);
    await clock.advance(10);
    debounced.feed(false); // glitch of 10 ms
    await clock.advance(50);
    assert.deepEqual(changes, []);
    debounced.feed(true);
    const settled = debounced.settled();
    await clock.advance(29);
    assert.deepEqual(changes, []);
    await clock.advance(1);
    await settled;
    assert.deepEqual(changes, [[90, true]]);
    assert.equal(debounced.value, true);
  });

  it('forgets everything on reset: the next report is a first report again', () => {
    const { changes, debounced } = input('leading', 0);
    debounced.feed(false);
    debounced.prime();
    debounced.feed(true);
    debounced.reset();
    debounced.feed(false);
    assert.equal(debounced.value, undefined);
    debounced.prime();
    assert.deepEqual(changes, [[0, true]]);
  });
});

describe('Firmata props', () => {
  it('accepts pin numbers, "D<n>" and "A<n>", and fills the defaults', () => {
    const door = firmataDoorLockProps.parse({ relay: { pin: 'D7' }, boltSensor: { pin: 8 }, doorContact: { pin: 'A1', activeLow: true, pullUp: true } });
    assert.deepEqual(door.relay, { pin: 'D7', activeLow: false });
    assert.deepEqual(door.doorContact, { pin: 'A1', activeLow: true, pullUp: true, debounceMs: 20, debounce: 'settle' });
    assert.equal(door.board.heartbeatMs, 1000);
    const sensors = firmataSensorsProps.parse({ inputs: { 'exit-button': { pin: 2 } } });
    assert.equal(sensors.inputs['exit-button']?.debounce, 'leading', 'the exit button acts on its first edge');
  });

  it('refuses a pin used twice in one device, bad pin names and empty devices', () => {
    const twice = firmataDoorLockProps.safeParse({ relay: { pin: 7 }, boltSensor: { pin: 'D7' } });
    assert.equal(twice.success, false);
    assert.match(JSON.stringify(twice.error?.issues), /pin D7 is already used by relay\.pin/);
    assert.equal(firmataDoorLockProps.safeParse({ relay: { pin: 'X7' } }).success, false);
    assert.equal(firmataSensorsProps.safeParse({}).success, false);
    assert.equal(firmataSensorsProps.safeParse({ inputs: { doorbell: { pin: 2 } } }).success, false);
    assert.equal(firmataPwmLightingProps.safeParse({ channels: {} }).success, false);
    assert.equal(firmataDoorLockProps.safeParse({ relay: { pin: 7 }, board: { heartbeatMs: 1000, heartbeatTimeoutMs: 500 } }).success, false);
  });

  it('lighting: scenes may only name channels, and "off" is always there', () => {
    const props = firmataPwmLightingProps.parse({ channels: { key: { pin: 9 }, led: { pin: 13, dimmable: false } }, scenes: { portrait: { key: 80 } } });
    assert.deepEqual(props.scenes.off, { key: 0, led: 0 });
    assert.deepEqual(Object.keys(props.scenes), ['off', 'portrait']);
    const unknown = firmataPwmLightingProps.safeParse({ channels: { key: { pin: 9 } }, scenes: { disco: { strobe: 100 } } });
    assert.match(JSON.stringify(unknown.error?.issues), /unknown channel \\"strobe\\"/);
  });
});
