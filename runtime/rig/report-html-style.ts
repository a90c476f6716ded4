/** The HTML report's inline style sheet (report-html.ts): no fonts, images or anything fetched. */
export const REPORT_CSS = `
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --error: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 1.5rem; max-width: 1200px; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.verdict { font-size: 1.15rem; font-weight: 600; margin: 0 0 .75rem; }
.verdict.passed { color: var(--pass); } .verdict.failed { color: var(--fail); }
dl.rig { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0 0 1.25rem; color: var(--muted); }
dl.rig dt { font-weight: 600; } dl.rig dd { margin: 0; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; min-width: 3.6rem; text-align: center; border-radius: 1rem; padding: 0 .5rem; color: #fff; font-weight: 600; font-size: .8rem; }
.status.passed { background: var(--pass); } .status.failed { background: var(--fail); } .status.error { background: var(--error); }
.tag { display: inline-block; border: 1px solid var(--line); border-radius: .3rem; padding: 0 .3rem; margin: 0 .2rem .1rem 0; font-size: .8rem; color: var(--muted); }
details.scenario { border: 1px solid var(--line); border-left-width: 6px; border-radius: .4rem; margin: .75rem 0; }
details.scenario.passed { border-left-color: var(--pass); } details.scenario.failed { border-left-color: var(--fail); } details.scenario.error { border-left-color: var(--error); }
details.scenario > summary { cursor: pointer; padding: .5rem .75rem; font-weight: 600; }
details.scenario > summary .duration { color: var(--muted); font-weight: 400; margin-left: .5rem; }
.body { padding: 0 .75rem .75rem; }
.failure { background: #ffebe9; border: 1px solid #ff8182; border-radius: .3rem; padding: .5rem .75rem; white-space: pre-wrap; font-family: ui-monospace, monospace; }
.meta, .artifacts { color: var(--muted); }
table.timeline td { font-size: .85rem; }
table.timeline td.at { font-family: ui-monospace, monospace; white-space: nowrap; color: var(--muted); }
table.timeline td.text { width: 40%; white-space: pre-wrap; word-break: break-word; }
table.timeline pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-size: .8rem; color: var(--muted); }
table.timeline tr.failing { background: #ffebe9; }
td.ok.yes { color: var(--pass); font-weight: 700; } td.ok.no { color: var(--fail); font-weight: 700; }
.kind { white-space: nowrap; border-radius: .3rem; padding: 0 .35rem; font-size: .8rem; }
.kind-person { background: #ddf4ff; } .kind-device { background: #fff1e5; } .kind-infra { background: #fbefff; }
.kind-officer { background: #dafbe1; } .kind-wait { background: #eaeef2; } .kind-expect { background: #fff8c5; } .kind-event { background: #f6f8fa; }
code { font-family: ui-monospace, monospace; }
`;
