export type StepKind = 'person' | 'device' | 'infra' | 'officer' | 'wait' | 'expect' | 'event';
export interface TimelineEntry { atMs: number; step?: number; kind: StepKind; text: string; ok?: boolean; detail?: string }
export interface ScenarioResult { name: string; file: string; tags: string[]; status: 'passed' | 'failed' | 'error'; durationMs: number; failure?: { message: string; step?: number }; timeline: TimelineEntry[]; artifacts: { boothdLog?: string; auditLog?: string } }
export interface RunResult { startedAt: string; durationMs: number; rig: { boothd: string; broker: string; devices: string }; scenarios: ScenarioResult[] }
