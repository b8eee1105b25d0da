import { axisOf } from './parallel-axes.js';

export interface PcRun {
  readonly id: string;
  readonly label: string;
  /** Values by axis label; the last axis is the metric the lines are coloured by. */
  readonly values: Readonly<Record<string, string | number | undefined>>;
}

const W = 760;
const H = 300;
const top = 28;
const bottom = 24;
const side = 70;

/** Blue (low) to orange (high) through grey, readable on light and dark backgrounds. */
function colour(t: number): string {
  const hue = 220 - 190 * t;
  return `hsl(${hue} 70% 45%)`;
}

/**
 * Parallel coordinates, drawn as SVG: one vertical axis per param and the chosen metric last; each run a
 * polyline through its values, coloured by the metric so good and bad settings separate at a glance.
 */
export function ParallelCoordinates({ runs, params, metric }: { runs: readonly PcRun[]; params: readonly string[]; metric: string }) {
  const labels = [...params, metric];
  const axes = labels.map((l) => axisOf(l, runs.map((r) => r.values[l])));
  const x = (i: number) => side + (i * (W - 2 * side)) / Math.max(1, labels.length - 1);
  const y = (p: number) => top + (1 - p) * (H - top - bottom);
  const m = axes[axes.length - 1]!;
  const summary = runs.map((r) => `${r.label}: ${labels.map((l) => `${l}=${r.values[l] ?? '—'}`).join(', ')}`).join('; ');
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={`Parallel coordinates of ${params.join(', ')} against ${metric}. ${summary}`} style={{ maxWidth: W, fontSize: 11 }}>
      {axes.map((a, i) => (
        <g key={a.label} transform={`translate(${x(i)},0)`}>
          <line y1={y(0)} y2={y(1)} stroke="currentColor" strokeOpacity={0.5} />
          <text y={top - 10} textAnchor="middle" fontWeight={600} fill="currentColor">
            {a.label}
          </text>
          {a.ticks().map((t) => (
            <text key={`${t.at}-${t.text}`} x={-6} y={y(t.at) + 4} textAnchor="end" fill="currentColor">
              {t.text}
            </text>
          ))}
        </g>
      ))}
      {runs.map((r) => {
        const pts = axes.map((a, i) => {
          const p = a.position(r.values[a.label]);
          return p === undefined ? undefined : `${x(i)},${y(p)}`;
        });
        const mp = m.position(r.values[metric]);
        return (
          <polyline key={r.id} points={pts.filter(Boolean).join(' ')} fill="none" stroke={mp === undefined ? 'gray' : colour(mp)} strokeWidth={2} strokeOpacity={0.85}>
            <title>{r.label}</title>
          </polyline>
        );
      })}
    </svg>
  );
}
