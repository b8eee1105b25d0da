import { layersOf, shortName, vertexLabel, type LineageEdge } from './lineage-layout.js';

export interface LineageVertex {
  readonly Arn: string;
  readonly Type: string;
}

const colW = 230;
const rowH = 64;
const boxW = 190;
const boxH = 44;
const pad = 16;

/**
 * The lineage graph as SVG, layered left to right; the start vertex is outlined, a click re-centres on a vertex.
 * `locations`: an artifact vertex's location by its ARN (DescribeArtifact's Source.SourceUri), its label.
 */
export function LineageGraph({ vertices, edges, start, locations, onOpen }: {
  vertices: readonly LineageVertex[]; edges: readonly LineageEdge[]; start: string; locations: ReadonlyMap<string, string>; onOpen: (arn: string) => void;
}) {
  const byArn = new Map(vertices.map((v) => [v.Arn, v]));
  const layers = layersOf(vertices.map((v) => v.Arn), edges);
  const pos = new Map<string, { x: number; y: number }>();
  layers.forEach((l, i) => l.forEach((arn, j) => pos.set(arn, { x: pad + i * colW, y: pad + j * rowH })));
  const w = pad * 2 + Math.max(1, layers.length) * colW - (colW - boxW);
  const h = pad * 2 + Math.max(1, ...layers.map((l) => l.length)) * rowH - (rowH - boxH);
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width="100%" style={{ maxWidth: w, fontSize: 12 }} role="group" aria-label={`Lineage graph of ${shortName(start)}: ${vertices.length} resources, ${edges.length} links`}>
      <defs>
        <marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = pos.get(e.SourceArn);
        const b = pos.get(e.DestinationArn);
        if (!a || !b) return null;
        const x1 = a.x + boxW;
        const y1 = a.y + boxH / 2;
        const x2 = b.x;
        const y2 = b.y + boxH / 2;
        const mid = (x1 + x2) / 2;
        return (
          <path key={`${e.SourceArn}>${e.DestinationArn}`} d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} fill="none" stroke="currentColor" strokeOpacity={0.55} markerEnd="url(#lineage-arrow)">
            <title>{`${shortName(e.SourceArn)} ${e.AssociationType} ${shortName(e.DestinationArn)}`}</title>
          </path>
        );
      })}
      {[...pos].map(([arn, p]) => {
        const v = byArn.get(arn);
        const full = vertexLabel(arn, locations.get(arn));
        // The accessible name must match the visible text (axe: label-content-name-mismatch).
        const name = full.length > 28 ? `${full.slice(0, 27)}…` : full;
        return (
          <g key={arn} transform={`translate(${p.x},${p.y})`} role="button" tabIndex={0} aria-label={`${v?.Type ?? 'Resource'} ${name}`} style={{ cursor: 'pointer' }} onClick={() => onOpen(arn)} onKeyDown={(ev) => (ev.key === 'Enter' || ev.key === ' ') && onOpen(arn)}>
            <rect width={boxW} height={boxH} rx={6} fill="var(--mantine-color-body)" stroke={arn === start ? 'var(--mantine-color-blue-7)' : 'currentColor'} strokeWidth={arn === start ? 3 : 1} strokeOpacity={arn === start ? 1 : 0.6} />
            <text fill="currentColor">
              <tspan x={8} y={17} fontWeight={600}>
                {v?.Type ?? 'Resource'}
              </tspan>{' '}
              <tspan x={8} y={34}>
                {name}
              </tspan>
            </text>
          </g>
        );
      })}
    </svg>
  );
}
