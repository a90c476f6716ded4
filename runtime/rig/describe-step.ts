/** A step as one short line of the timeline (`choose-language uz`, `session review`); never the MRZ. */
import { describeCheck } from './expectations.ts';
import type { Step } from './scenario-schema.ts';

export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'wait':
      return `${step.ms} ms`;
    case 'officer':
      return step.officer;
    case 'expect':
      return describeCheck(step.expect.check);
    case 'person':
      return keyed(step.person);
    case 'device':
      return keyed(step.device);
    case 'infra':
      return keyed(step.infra);
  }
}

function keyed(value: string | Record<string, unknown>): string {
  if (typeof value === 'string') return value;
  const [key, argument] = Object.entries(value)[0]!;
  return `${key} ${describeArgument(key, argument)}`;
}

function describeArgument(key: string, argument: unknown): string {
  switch (key) {
    case 'passport':
      // Test data, but a passport line is the kind of thing that never goes into a report.
      return `(${(argument as string[]).length} MRZ lines)`;
    case 'declare-missing': {
      const fingers = argument as Array<{ finger: number; reason: string }>;
      return fingers.length === 0 ? 'none' : fingers.map(({ finger, reason }) => `${finger} ${reason}`).join(', ');
    }
    case 'fingers-missing': {
      const fingers = argument as number[];
      return fingers.length === 0 ? 'none' : fingers.join(', ');
    }
    case 'fail-next': {
      const { device, code } = argument as { device: string; code: string };
      return `${device} ${code}`;
    }
    case 'slow': {
      const { device, latencyMs } = argument as { device: string; latencyMs: number };
      return `${device} ${latencyMs} ms`;
    }
    case 'network-stall':
      return `${(argument as { seconds: number }).seconds} s`;
    case 'clock-jump': {
      const { seconds } = argument as { seconds: number };
      return `${seconds > 0 ? '+' : ''}${seconds} s`;
    }
    default:
      return String(argument);
  }
}
