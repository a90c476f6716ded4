/**
 * The lighting and lifecycle contracts against the real `enttec,dmx-usb-pro` driver, talking
 * over a socat PTY pair to the DMX USB Pro twin. The command hooks act on the widget-parameters
 * request (label 3), which is what `levels()` — the contract's probe — asks; the keep-alive's
 * serial-number requests are left alone so they do not eat a hook meant for the probe.
 */
import { systemClock } from '../../hal/clock.ts';
import type { Lighting } from '../../hal/index.ts';
import { dmxUsbProProps, EnttecDmxUsbPro } from '../../drivers/enttec-dmx-usb-pro/index.ts';
import { DmxWidgetTwin, WIDGET_LABEL } from '../../simulator/wire/dmx-widget-twin.ts';
import type { Harness } from './harness.ts';
import { lightingContract } from './lighting.contract.ts';

async function dmxHarness(): Promise<Harness<Lighting, object>> {
  const twin = await DmxWidgetTwin.start();
  const device = new EnttecDmxUsbPro(
    { id: 'lights', compatible: 'enttec,dmx-usb-pro', clock: systemClock, port: { path: twin.pair.driverPath, baudRate: 115_200 } },
    dmxUsbProProps.parse({ identifyRetryMs: 50 }),
  );
  return {
    device,
    hooks: {
      // Awaited by the contract: the replug can never start before the unplug has finished.
      unplug: () => twin.unplug(),
      replug: () => twin.replug(),
      hangNextCommand: () => twin.hangNextRequest(WIDGET_LABEL.getParameters),
      failNextCommand: (code) => twin.failNextRequest(code, WIDGET_LABEL.getParameters),
    },
    cleanup: () => twin.close(),
  };
}

lightingContract('enttec,dmx-usb-pro', dmxHarness);
