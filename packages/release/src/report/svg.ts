import type { StateMachineGraph, VisitedState } from '../report-schema';
import { escapeHtml, formatDuration } from './format';
import { layoutGraph, type LaidOutEdge, type Point } from './layout';

/** What an execution did in one state: visits, time spent, whether it failed there, the error raised. */
export interface StateVisits {
  visits: number;
  durationMs?: number;
  failed: boolean;
  error?: string;
}

export const visitsByState = (path: VisitedState[]): Map<string, StateVisits> => {
  const visits = new Map<string, StateVisits>();
  for (const visit of path) {
    const seen = visits.get(visit.name) ?? { visits: 0, failed: false };
    seen.visits += 1;
    if (visit.durationMs !== undefined) seen.durationMs = (seen.durationMs ?? 0) + visit.durationMs;
    if (visit.outcome === 'failed') seen.failed = true;
    if (visit.error !== undefined) seen.error = visit.error;
    visits.set(visit.name, seen);
  }
  return visits;
};

/**
 * The transitions the execution took, by index in graph.transitions: between consecutive states, the Choice rule the
 * visit recorded, else every transition between the two.
 */
export const takenTransitions = (graph: StateMachineGraph, path: VisitedState[]): Set<number> => {
  const taken = new Set<number>();
  path.slice(1).forEach((visit, i) => {
    const from = path[i]!;
    const chosen = from.transition !== undefined ? graph.transitions[from.transition] : undefined;
    if (chosen && chosen.to === visit.name) {
      taken.add(from.transition!);
      return;
    }
    graph.transitions.forEach((t, index) => {
      if (t.from === from.name && t.to === visit.name) taken.add(index);
    });
  });
  return taken;
};

const round = (n: number) => Math.round(n * 10) / 10;

/** A polyline with rounded corners. */
const pathData = (points: Point[]): string => {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M${round(first.x)},${round(first.y)}`;
  for (let i = 0; i < rest.length; i += 1) {
    const corner = rest[i]!;
    const after = rest[i + 1];
    if (!after) {
      d += ` L${round(corner.x)},${round(corner.y)}`;
      break;
    }
    const before = i === 0 ? first : rest[i - 1]!;
    const r = Math.min(
      8,
      Math.hypot(corner.x - before.x, corner.y - before.y) / 2,
      Math.hypot(after.x - corner.x, after.y - corner.y) / 2,
    );
    const towards = (p: Point, q: Point, d: number) => {
      const length = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      return { x: p.x + ((q.x - p.x) * d) / length, y: p.y + ((q.y - p.y) * d) / length };
    };
    const a = towards(corner, before, r);
    const b = towards(corner, after, r);
    d += ` L${round(a.x)},${round(a.y)} Q${round(corner.x)},${round(corner.y)} ${round(b.x)},${round(b.y)}`;
  }
  return d;
};

const edgeTitle = (edge: LaidOutEdge): string =>
  `${edge.from} → ${edge.to} (${edge.kind}${edge.label ? `: ${edge.label}` : ''})`;

/** Where a choice label goes: along the edge's first leg, every other one lower so neighbours do not collide. */
const labelAt = (edge: LaidOutEdge, stagger: number): Point => {
  const [a, b] = edge.points;
  const down = Math.min(12 + (stagger % 2) * 12, Math.max(8, (b!.y - a!.y) * 0.6));
  const along = b!.y - a!.y === 0 ? 0.5 : down / (b!.y - a!.y);
  return { x: a!.x + (b!.x - a!.x) * along, y: a!.y + down };
};

/** `$.stack.route = x or $.stack.route = y` → `route = x | y`; the whole rule stays in the edge's title. */
export const shortLabel = (label: string): string => {
  const parts = label.split(' or ').map((part) => part.replace(/^[\w.]*?(\w+) = /, '$1 = '));
  const variables = new Set(parts.map((part) => part.split(' = ')[0]));
  const text =
    parts.length > 1 && variables.size === 1 && parts.every((part) => part.includes(' = '))
      ? `${parts[0]!.split(' = ')[0]} = ${parts.map((part) => part.split(' = ')[1]).join(' | ')}`
      : parts.join(' or ');
  return text.length > 36 ? `${text.slice(0, 35)}…` : text;
};

/**
 * The state machine as an inline SVG laid out from its definition: a box per state, an edge per transition (Next,
 * Choice rules, Default, Catch), the execution's path highlighted, each visited state's time, the failed one marked.
 * `id` keeps the arrow markers of several pictures on one page apart.
 */
export const stateMachineSvg = (graph: StateMachineGraph, path: VisitedState[], id: string): string => {
  const layout = layoutGraph(graph);
  const visits = visitsByState(path);
  const taken = takenTransitions(graph, path);
  const type = new Map(graph.states.map((s) => [s.name, s]));
  const choiceIndex = new Map<LaidOutEdge, number>();
  for (const edge of layout.edges) {
    if (edge.kind !== 'choice') continue;
    const siblings = layout.edges.filter((e) => e.kind === 'choice' && e.from === edge.from);
    const byX = [...siblings].sort((a, b) => a.points[0]!.x - b.points[0]!.x);
    choiceIndex.set(edge, byX.indexOf(edge));
  }
  const marker = (name: string) =>
    `<marker id="${id}-${name}" class="arrow ${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>`;
  const edges = layout.edges
    .map((edge) => {
      const isTaken = taken.has(edge.index);
      const classes = ['edge', edge.kind, edge.route, isTaken ? 'taken' : ''].filter(Boolean).join(' ');
      const arrow = isTaken ? 'taken' : edge.kind === 'catch' ? 'catch' : 'plain';
      const label =
        edge.kind === 'choice' && edge.label
          ? `<text class="edge-label${isTaken ? ' taken' : ''}" x="${round(labelAt(edge, choiceIndex.get(edge) ?? 0).x)}" y="${round(labelAt(edge, choiceIndex.get(edge) ?? 0).y)}">${escapeHtml(shortLabel(edge.label))}</text>`
          : '';
      const html = `<g class="${classes}" data-from="${escapeHtml(edge.from)}" data-to="${escapeHtml(edge.to)}" data-kind="${edge.kind}"><title>${escapeHtml(edgeTitle(edge))}</title><path d="${pathData(edge.points)}" marker-end="url(#${id}-${arrow})"/>${label}</g>`;
      return { isTaken, html };
    })
    // Taken edges last, so they are drawn over the others.
    .sort((a, b) => Number(a.isTaken) - Number(b.isTaken))
    .map((edge) => edge.html)
    .join('');
  const nodes = layout.nodes
    .map((node) => {
      const state = type.get(node.name)!;
      const seen = visits.get(node.name);
      const status = seen ? (seen.failed ? 'failed' : 'visited') : 'unvisited';
      const time = seen?.durationMs !== undefined ? formatDuration(seen.durationMs) : undefined;
      const meta = seen
        ? [
            seen.visits > 1 ? `${seen.visits}×` : '',
            time ?? '',
            seen.failed ? 'failed' : seen.error ? 'error caught' : '',
          ]
            .filter(Boolean)
            .join(' · ')
        : state.type;
      const title = [
        `${node.name} (${state.type}${state.resource ? `: ${state.resource}` : ''})`,
        seen ? `visited ${seen.visits}×${time ? `, ${time}` : ''}` : 'not visited',
        seen?.error ? `error: ${seen.error}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      const start = node.name === graph.startAt ? ' start' : '';
      return (
        `<g class="state ${status} type-${state.type.toLowerCase()}${start}" data-state="${escapeHtml(node.name)}" data-visits="${seen?.visits ?? 0}"` +
        `${seen?.durationMs !== undefined ? ` data-duration-ms="${seen.durationMs}"` : ''} transform="translate(${round(node.x)},${round(node.y)})">` +
        `<title>${escapeHtml(title)}</title><rect width="${node.width}" height="${node.height}" rx="${state.type === 'Choice' ? 16 : 5}"/>` +
        `<text class="name" x="${node.width / 2}" y="18">${escapeHtml(node.name)}</text>` +
        `<text class="meta" x="${node.width / 2}" y="34">${escapeHtml(meta)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="state-machine" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" style="max-width:${layout.width}px" role="img" aria-label="${escapeHtml(`${graph.name}: ${path.length} states visited`)}">` +
    `<defs>${marker('plain')}${marker('taken')}${marker('catch')}</defs><g class="edges">${edges}</g><g class="states">${nodes}</g></svg>`
  );
};
