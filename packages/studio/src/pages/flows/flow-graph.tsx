import { useMantineColorScheme } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { canvasTitleOf, layout, titleOf, type FlowDefinition } from './flow-model.js';

const W = 150;
const H = 52;
const GX = 40;
const GY = 22;
const PAD = 12;
const colors = { source: '#2b8a3e', transform: '#1c7ed6', destination: '#9c36b5' } as const;
const edge = (bad: boolean, on: boolean, type: keyof typeof colors) => (bad ? '#e03131' : on ? colors[type] : 'var(--mantine-color-gray-4)');

/**
 * The flow as a left-to-right layered node graph: edges drawn in SVG, nodes as real buttons (keyboard
 * and screen-reader reachable) placed over it. Clicking a node selects it for the side panel.
 */
export function FlowGraph({ def, selected, onSelect, invalid }: { def: FlowDefinition; selected: string | undefined; onSelect: (id: string) => void; invalid?: string }) {
  const { colorScheme } = useMantineColorScheme();
  const { ref, width: boxWidth } = useElementSize();
  const placed = layout(def);
  // Long chains wrap into bands (left to right, then the next band below) to fit the panel's width.
  const perBand = Math.max(2, Math.floor((Math.max(boxWidth, W * 2) - 2 * PAD + GX) / (W + GX)));
  const rowsPerBand = Math.max(0, ...placed.map((p) => p.row)) + 1;
  const bandH = rowsPerBand * (H + GY) + GY;
  const pos = new Map(placed.map((p) => [p.node.id, { x: PAD + (p.layer % perBand) * (W + GX), y: PAD + Math.floor(p.layer / perBand) * bandH + p.row * (H + GY) }]));
  const layers = Math.max(0, ...placed.map((p) => p.layer)) + 1;
  const width = PAD * 2 + Math.min(layers, perBand) * (W + GX) - GX;
  const height = PAD * 2 + Math.ceil(layers / perBand) * bandH - GY * 2;
  const edges = placed.flatMap((p) =>
    (p.node.inputs ?? []).flatMap((i) => {
      const a = pos.get(i);
      const b = pos.get(p.node.id);
      if (!a || !b) return [];
      const key = `${i}->${p.node.id}`;
      const stroke = { fill: 'none', stroke: 'var(--mantine-color-gray-6)', strokeWidth: 1.5, markerEnd: 'url(#flow-arrow)' } as const;
      if (b.x <= a.x) {
        // Into the next band: leave from the bottom, arrive at the top.
        const x1 = a.x + W / 2;
        const y1 = a.y + H;
        const x2 = b.x + W / 2;
        const y2 = b.y - 4;
        return [<path key={key} d={`M${x1},${y1} C${x1},${y1 + GY * 2} ${x2},${y2 - GY * 2} ${x2},${y2}`} {...stroke} />];
      }
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x;
      const y2 = b.y + H / 2;
      const mx = (x1 + x2) / 2;
      return [<path key={key} d={`M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 6},${y2}`} {...stroke} />];
    }),
  );
  return (
    <div ref={ref} style={{ overflow: 'auto', maxWidth: '100%' }} role="group" aria-label="Flow graph">
      <div style={{ position: 'relative', width, height, minWidth: width }}>
        <svg width={width} height={height} style={{ position: 'absolute', inset: 0 }} aria-hidden="true">
          <defs>
            <marker id="flow-arrow" viewBox="0 0 10 10" refX="4" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" fill="var(--mantine-color-gray-6)" />
            </marker>
          </defs>
          {edges}
        </svg>
        {placed.map(({ node }) => {
          const p = pos.get(node.id)!;
          const on = node.id === selected;
          const bad = node.id === invalid;
          return (
            <button
              key={node.id}
              type="button"
              onClick={() => onSelect(node.id)}
              aria-pressed={on}
              title={titleOf(node)}
              style={{
                borderColor: `${edge(bad, on, node.type)} ${edge(bad, on, node.type)} ${edge(bad, on, node.type)} ${colors[node.type]}`,
                position: 'absolute', left: p.x, top: p.y, width: W, height: H, textAlign: 'left', padding: '4px 8px', cursor: 'pointer',
                borderRadius: 8, borderStyle: 'solid', borderWidth: '2px 2px 2px 6px', boxShadow: on ? '0 0 0 3px rgba(28,126,214,.25)' : 'none',
                background: colorScheme === 'dark' ? 'var(--mantine-color-dark-6)' : '#fff', color: 'inherit', font: 'inherit', overflow: 'hidden',
              }}
            >
              <span style={{ display: 'block', fontSize: 11, color: colorScheme === 'dark' ? 'var(--mantine-color-gray-4)' : 'var(--mantine-color-gray-7)' }}>{node.type === 'transform' ? node.id : node.type}</span>
              <span style={{ display: 'block', fontSize: 13, fontWeight: 600, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}>{canvasTitleOf(node)}</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}
