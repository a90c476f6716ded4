/** Every boothctl command, in the order `boothctl --help` lists them. */
import type { CommandSpec } from './command.ts';
import { auditCommand } from './commands/audit.ts';
import { bundleCommand } from './commands/bundle.ts';
import { callCommand, simCommand } from './commands/call.ts';
import { completeCommand, completionCommand } from './commands/completion.ts';
import { configCommand } from './commands/config.ts';
import { deviceCommand } from './commands/device.ts';
import { doctorCommand } from './commands/doctor.ts';
import { doorCommand } from './commands/door.ts';
import { sessionCommand } from './commands/session.ts';
import { exportCommand } from './commands/export.ts';
import { keysCommand } from './commands/keys.ts';
import { logsCommand } from './commands/logs.ts';
import { outboxCommand } from './commands/outbox.ts';
import { statusCommand } from './commands/status.ts';
import { tailCommand } from './commands/tail.ts';

export const BOOTHCTL_COMMANDS: readonly CommandSpec[] = [
  statusCommand,
  doctorCommand,
  deviceCommand,
  outboxCommand,
  exportCommand,
  tailCommand,
  logsCommand,
  configCommand,
  auditCommand,
  bundleCommand,
  keysCommand,
  doorCommand,
  sessionCommand,
  simCommand,
  callCommand,
  completionCommand,
  completeCommand(() => BOOTHCTL_COMMANDS),
];
