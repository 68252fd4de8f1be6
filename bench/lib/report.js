// The Markdown report of a benchmark run.

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = {
  rps: (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  ms: (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toString()) : '–'),
  ratio: (v) => (Number.isFinite(v) ? v.toFixed(2) : '–'),
  mb: (kib) => (Number.isFinite(kib) && kib > 0 ? Math.round(kib / 1024).toString() : '–'),
};

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** The summary of one endpoint: medians of each target's runs, ratios, the service's peak RSS. */
export function summarise(endpoint) {
  const s = endpoint.runs.service;
  const r = endpoint.runs.reference;
  const m = (runs, key) => median(runs.map((run) => run[key]));
  const summary = {
    service: { rps: m(s, 'rps'), p50: m(s, 'p50'), p99: m(s, 'p99'), cpu: m(s, 'cpuMsPerRequest') },
    reference: { rps: m(r, 'rps'), p50: m(r, 'p50'), p99: m(r, 'p99'), cpu: m(r, 'cpuMsPerRequest') },
    peakRssKiB: Math.max(0, ...s.map((run) => run.peakRssKiB ?? 0)),
    failures: [...s, ...r].reduce((sum, run) => sum + run.non2xx + run.errors, 0),
  };
  summary.rpsRatio = summary.service.rps / summary.reference.rps;
  summary.p99Ratio = summary.service.p99 / summary.reference.p99;
  return summary;
}

export function renderReport({ meta, startup, endpoints, targets, notes, warnings = [] }) {
  const out = [];
  out.push('# Benchmark results', '');
  out.push(`Measured by \`npm run bench\` (see [README.md](README.md) for what each column means).`, '');
  for (const warning of warnings) out.push(`> **Warning:** ${warning}`, '');
  for (const [key, value] of meta) out.push(`- ${key}: ${value}`);
  out.push('');

  out.push('## Requests/s and latency (median of the runs)', '');
  out.push(
    table(
      [
        'endpoint',
        'conns',
        'service req/s',
        'reference req/s',
        'ratio',
        'service p50 ms',
        'reference p50 ms',
        'service p99 ms',
        'reference p99 ms',
        'p99 ratio',
        'service CPU ms/req',
        'reference CPU ms/req',
        'service peak RSS MB',
        'non-2xx + errors',
      ],
      endpoints.map((e) => {
        const x = e.summary;
        return [
          `\`${e.label}\``,
          e.connections,
          fmt.rps(x.service.rps),
          fmt.rps(x.reference.rps),
          `**${fmt.ratio(x.rpsRatio)}**`,
          fmt.ms(x.service.p50),
          fmt.ms(x.reference.p50),
          fmt.ms(x.service.p99),
          fmt.ms(x.reference.p99),
          fmt.ratio(x.p99Ratio),
          fmt.ms(x.service.cpu),
          fmt.ms(x.reference.cpu),
          fmt.mb(x.peakRssKiB),
          x.failures,
        ];
      }),
    ),
  );
  out.push('');

  out.push('## Start-up of `node dist/main.js`', '');
  out.push(
    table(
      ['start', 'spawn → "listening" log line', 'spawn → first 200 on /health'],
      startup.map((s) => [
        s.label,
        s.listeningMs === undefined ? '– (not logged at this level)' : `${Math.round(s.listeningMs)} ms`,
        `${Math.round(s.healthMs)} ms`,
      ]),
    ),
  );
  out.push('');

  out.push('## Targets of issue 6', '');
  out.push(
    table(
      ['target', 'measured', 'holds'],
      targets.map((t) => [t.name, t.measured, t.holds === undefined ? '–' : t.holds ? 'yes' : '**no**']),
    ),
  );
  out.push('');

  out.push('## Every run', '');
  const rows = [];
  for (const e of endpoints) {
    for (const target of ['service', 'reference']) {
      e.runs[target].forEach((run, i) => {
        const codes = Object.entries(run.statusCodes)
          .map(([code, count]) => `${code}×${count}`)
          .join(' ');
        rows.push([
          `\`${e.label}\``,
          target,
          i + 1,
          fmt.rps(run.rps),
          fmt.ms(run.p50),
          fmt.ms(run.p99),
          `${run.duration.toFixed(1)} s`,
          fmt.ms(run.cpuMsPerRequest),
          codes || '–',
          run.errors,
          fmt.mb(run.peakRssKiB),
        ]);
      });
    }
  }
  out.push(
    table(
      ['endpoint', 'target', 'run', 'req/s', 'p50 ms', 'p99 ms', 'duration', 'CPU ms/req', 'status codes', 'errors', 'peak RSS MB'],
      rows,
    ),
  );
  out.push('');

  if (notes.length > 0) {
    out.push('## Notes', '');
    for (const note of notes) out.push(`- ${note}`);
    out.push('');
  }
  return out.join('\n');
}

export { fmt };
