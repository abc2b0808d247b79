import type { StateMachineGraph, StateTransition } from '../report-schema';

// A small deterministic layered layout (Sugiyama style) for state machine graphs: cycles broken by a depth-first
// search from StartAt, longest-path layering, long edges split by dummy nodes, barycentre ordering, x by median
// pulls. Catch edges into a state that only errors reach (DeployFailed) share one bus on the right instead of
// crossing the picture. The same graph always gives the same picture.

export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 44;
const DUMMY_WIDTH = 12;
const LAYER_GAP = 46;
const NODE_GAP = 26;
const MARGIN = 20;
const LANE_GAP = 12;
const ORDER_SWEEPS = 8;
const PLACE_SWEEPS = 12;

export interface Point {
  x: number;
  y: number;
}

export interface LaidOutNode {
  name: string;
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidOutEdge extends StateTransition {
  /** Its index in the graph's transitions. */
  index: number;
  /** forward: down the layers; back: a loop drawn up the left side; bus: a catch into an error-only state. */
  route: 'forward' | 'back' | 'bus';
  points: Point[];
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
}

interface Item {
  id: string;
  /** The state, or undefined for a dummy node of a long edge. */
  state?: string;
  layer: number;
  width: number;
  x: number;
  order: number;
}

/** States only catches lead to: drawn at the bottom right, their catch edges on a bus. */
const catchSinks = (graph: StateMachineGraph): Set<string> => {
  const incoming = new Map<string, StateTransition[]>();
  for (const t of graph.transitions) incoming.set(t.to, [...(incoming.get(t.to) ?? []), t]);
  return new Set(
    graph.states
      .map((s) => s.name)
      .filter((name) => name !== graph.startAt && (incoming.get(name) ?? []).length > 0)
      .filter((name) => (incoming.get(name) ?? []).every((t) => t.kind === 'catch')),
  );
};

/** Back edges of a depth-first search from StartAt (then from every state not reached, in definition order). */
const backEdges = (graph: StateMachineGraph, edges: StateTransition[]): Set<StateTransition> => {
  const next = new Map<string, StateTransition[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e]);
  const state = new Map<string, 'open' | 'done'>();
  const back = new Set<StateTransition>();
  const visit = (root: string) => {
    // Iterative, so a long chain of states cannot overflow the stack.
    const stack: { name: string; index: number }[] = [{ name: root, index: 0 }];
    state.set(root, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out = next.get(top.name) ?? [];
      if (top.index >= out.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const edge = out[top.index++]!;
      const seen = state.get(edge.to);
      if (seen === 'open') back.add(edge);
      else if (seen === undefined) {
        state.set(edge.to, 'open');
        stack.push({ name: edge.to, index: 0 });
      }
    }
  };
  visit(graph.startAt);
  for (const s of graph.states) if (!state.has(s.name)) visit(s.name);
  return back;
};

/** Longest-path layers over the forward edges (a topological order, ties in definition order). */
const longestPathLayers = (names: string[], forward: StateTransition[]): Map<string, number> => {
  const indegree = new Map(names.map((n) => [n, 0]));
  const next = new Map<string, string[]>();
  for (const e of forward) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const layer = new Map(names.map((n) => [n, 0]));
  const ready = names.filter((n) => indegree.get(n) === 0);
  while (ready.length > 0) {
    const name = ready.shift()!;
    for (const to of next.get(name) ?? []) {
      layer.set(to, Math.max(layer.get(to)!, layer.get(name)! + 1));
      indegree.set(to, indegree.get(to)! - 1);
      if (indegree.get(to) === 0) ready.push(to);
    }
  }
  return layer;
};

/**
 * Positions for one layer's items, in their order, as close to the wanted ones as possible (least squares)
 * without overlapping: isotonic regression (pool adjacent violators) on the wanted positions less each item's
 * offset.
 */
const place = (layer: Item[], wanted: number[]): void => {
  const offsets: number[] = [];
  let offset = 0;
  for (const item of layer) {
    offsets.push(offset);
    offset += item.width + NODE_GAP;
  }
  const blocks: { sum: number; count: number; start: number }[] = [];
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - offsets[i]!, count: 1, start: i });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1]!;
      const before = blocks[blocks.length - 2]!;
      if (before.sum / before.count <= last.sum / last.count) break;
      blocks.pop();
      before.sum += last.sum;
      before.count += last.count;
    }
  });
  for (const block of blocks) {
    for (let i = block.start; i < block.start + block.count; i += 1)
      layer[i]!.x = block.sum / block.count + offsets[i]!;
  }
};

/** Crossings between links of the same pair of layers (for choosing an ordering). */
const crossings = (links: [Item, Item][]): number => {
  let count = 0;
  const byLayer = new Map<number, [Item, Item][]>();
  for (const link of links) byLayer.set(link[0].layer, [...(byLayer.get(link[0].layer) ?? []), link]);
  for (const list of byLayer.values()) {
    for (let i = 0; i < list.length; i += 1) {
      for (let j = i + 1; j < list.length; j += 1) {
        const [a, b] = [list[i]!, list[j]!];
        if ((a[0].order - b[0].order) * (a[1].order - b[1].order) < 0) count += 1;
      }
    }
  }
  return count;
};

export const layoutGraph = (graph: StateMachineGraph): GraphLayout => {
  const names = graph.states.map((s) => s.name);
  const sinks = catchSinks(graph);
  const isBus = (e: StateTransition) => e.kind === 'catch' && sinks.has(e.to);
  const drawn = graph.transitions.filter((e) => !isBus(e) && e.from !== e.to);
  const back = backEdges(graph, drawn);
  const forward = drawn.filter((e) => !back.has(e));
  const main = names.filter((n) => !sinks.has(n));
  const layerOf = longestPathLayers(main, forward);
  const lastLayer = Math.max(0, ...main.map((n) => layerOf.get(n)!));
  for (const sink of sinks) layerOf.set(sink, lastLayer + 1);

  // Items: states, and a dummy per layer a long forward edge passes through.
  const items = new Map<string, Item>();
  const add = (item: Omit<Item, 'x' | 'order'>) => {
    const full = { ...item, x: 0, order: items.size };
    items.set(item.id, full);
    return full;
  };
  for (const name of names) add({ id: name, state: name, layer: layerOf.get(name)!, width: NODE_WIDTH });
  const chains = new Map<StateTransition, Item[]>();
  const linkKeys = new Set<string>();
  const links: [Item, Item][] = [];
  // Long edges into the same state share their dummies (they merge on the way down): fewer lanes, a narrower picture.
  for (const edge of forward) {
    const from = items.get(edge.from)!;
    const to = items.get(edge.to)!;
    const chain = [from];
    for (let layer = from.layer + 1; layer < to.layer; layer += 1) {
      const id = `dummy:${edge.to}:${layer}`;
      chain.push(items.get(id) ?? add({ id, layer, width: DUMMY_WIDTH }));
    }
    chain.push(to);
    chains.set(edge, chain);
    for (let i = 1; i < chain.length; i += 1) {
      const key = `${chain[i - 1]!.id}\u0000${chain[i]!.id}`;
      if (linkKeys.has(key)) continue;
      linkKeys.add(key);
      links.push([chain[i - 1]!, chain[i]!]);
    }
  }

  const layerCount = Math.max(...[...items.values()].map((i) => i.layer)) + 1;
  let layers: Item[][] = Array.from({ length: layerCount }, (_, layer) =>
    [...items.values()].filter((i) => i.layer === layer),
  );
  const renumber = () => layers.forEach((layer) => layer.forEach((item, order) => (item.order = order)));
  renumber();
  const up = new Map<Item, Item[]>();
  const down = new Map<Item, Item[]>();
  for (const [a, b] of links) {
    down.set(a, [...(down.get(a) ?? []), b]);
    up.set(b, [...(up.get(b) ?? []), a]);
  }

  // Barycentre ordering, keeping the order with the fewest crossings.
  let best = layers.map((l) => [...l]);
  let fewest = crossings(links);
  for (let sweep = 0; sweep < ORDER_SWEEPS; sweep += 1) {
    const downward = sweep % 2 === 0;
    const sequence = downward ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of sequence) {
      const neighbours = downward ? up : down;
      const centre = new Map(
        layer.map((item) => {
          const around = neighbours.get(item) ?? [];
          return [item, around.length ? around.reduce((sum, n) => sum + n.order, 0) / around.length : item.order];
        }),
      );
      layer.sort((a, b) => centre.get(a)! - centre.get(b)! || a.order - b.order);
      layer.forEach((item, order) => (item.order = order));
    }
    const count = crossings(links);
    if (count < fewest) {
      fewest = count;
      best = layers.map((l) => [...l]);
    }
  }
  layers = best;
  renumber();
  // Error-only states at the bottom right, under the bus.
  const last = layers[layers.length - 1]!;
  if (sinks.size > 0) last.sort((a, b) => Number(sinks.has(a.id)) - Number(sinks.has(b.id)) || a.order - b.order);
  renumber();

  // x: each item pulled to the mean centre of its neighbours, in order, never overlapping.
  for (const layer of layers) {
    let x = 0;
    for (const item of layer) {
      item.x = x;
      x += item.width + NODE_GAP;
    }
  }
  const centreOf = (item: Item) => item.x + item.width / 2;
  for (let sweep = 0; sweep < PLACE_SWEEPS; sweep += 1) {
    const downward = sweep % 2 === 0;
    for (const layer of downward ? layers.slice(1) : layers.slice(0, -1).reverse()) {
      const neighbours = downward ? up : down;
      const wanted = layer.map((item) => {
        // A dummy follows the side it comes from, so long edges run straight; a state balances both sides.
        const around =
          item.state === undefined
            ? (neighbours.get(item) ?? [])
            : [...(neighbours.get(item) ?? []), ...((downward ? down : up).get(item) ?? [])];
        return around.length
          ? around.reduce((sum, n) => sum + centreOf(n), 0) / around.length - item.width / 2
          : item.x;
      });
      place(layer, wanted);
    }
  }

  const backList = drawn.filter((e) => back.has(e));
  const leftLanes = backList.length * LANE_GAP + (backList.length ? LANE_GAP : 0);
  const minX = Math.min(...[...items.values()].map((i) => i.x));
  for (const item of items.values()) item.x += MARGIN + leftLanes - minX;
  const yOf = (layer: number) => MARGIN + layer * (NODE_HEIGHT + LAYER_GAP);
  let right = Math.max(...[...items.values()].map((i) => i.x + i.width));
  const busEdges = graph.transitions.filter(isBus);
  const busX = right + LANE_GAP * 2;
  if (busEdges.length > 0) {
    // The sinks sit under the bus.
    const sinkItems = last.filter((i) => sinks.has(i.id));
    sinkItems.forEach((item, i) => {
      item.x = busX - item.width / 2 + i * (item.width + NODE_GAP);
    });
    right = Math.max(right, ...sinkItems.map((i) => i.x + i.width));
  }

  const nodes: LaidOutNode[] = names.map((name) => {
    const item = items.get(name)!;
    return { name, layer: item.layer, x: item.x, y: yOf(item.layer), width: NODE_WIDTH, height: NODE_HEIGHT };
  });
  const node = new Map(nodes.map((n) => [n.name, n]));

  // Ports: a state's edges leave its bottom (and enter its top) spread in the order of where they go (come from).
  const outPorts = new Map<string, StateTransition[]>();
  const inPorts = new Map<string, StateTransition[]>();
  for (const edge of chains.keys()) {
    outPorts.set(edge.from, [...(outPorts.get(edge.from) ?? []), edge]);
    inPorts.set(edge.to, [...(inPorts.get(edge.to) ?? []), edge]);
  }
  const portX = (name: string, edge: StateTransition, ports: Map<string, StateTransition[]>, end: 'from' | 'to') => {
    const list = [...(ports.get(name) ?? [])].sort((a, b) => {
      const other = (e: StateTransition) => chains.get(e)![end === 'from' ? 1 : chains.get(e)!.length - 2]!;
      return centreOf(other(a)) - centreOf(other(b)) || graph.transitions.indexOf(a) - graph.transitions.indexOf(b);
    });
    const n = node.get(name)!;
    return n.x + (n.width * (list.indexOf(edge) + 1)) / (list.length + 1);
  };

  const edges: LaidOutEdge[] = [];
  for (const [edge, chain] of chains) {
    const from = node.get(edge.from)!;
    const to = node.get(edge.to)!;
    edges.push({
      ...edge,
      index: graph.transitions.indexOf(edge),
      route: 'forward',
      points: [
        { x: portX(edge.from, edge, outPorts, 'from'), y: from.y + from.height },
        ...chain.slice(1, -1).map((d) => ({ x: centreOf(d), y: yOf(d.layer) + NODE_HEIGHT / 2 })),
        { x: portX(edge.to, edge, inPorts, 'to'), y: to.y },
      ],
    });
  }
  backList.forEach((edge, lane) => {
    const from = node.get(edge.from)!;
    const to = node.get(edge.to)!;
    const span = nodes.filter((n) => n.layer >= to.layer && n.layer <= from.layer);
    const laneX = Math.min(...span.map((n) => n.x), ...[...items.values()].map((i) => i.x)) - LANE_GAP * (lane + 1);
    edges.push({
      ...edge,
      index: graph.transitions.indexOf(edge),
      route: 'back',
      points: [
        { x: from.x, y: from.y + from.height / 2 + 6 },
        { x: laneX, y: from.y + from.height / 2 + 6 },
        { x: laneX, y: to.y + to.height / 2 - 6 },
        { x: to.x, y: to.y + to.height / 2 - 6 },
      ],
    });
  });
  for (const edge of graph.transitions.filter((e) => e.from === e.to)) {
    const n = node.get(edge.from)!;
    edges.push({
      ...edge,
      index: graph.transitions.indexOf(edge),
      route: 'back',
      points: [
        { x: n.x + n.width, y: n.y + 10 },
        { x: n.x + n.width + LANE_GAP, y: n.y + 10 },
        { x: n.x + n.width + LANE_GAP, y: n.y + n.height - 10 },
        { x: n.x + n.width, y: n.y + n.height - 10 },
      ],
    });
  }
  busEdges.forEach((edge) => {
    const from = node.get(edge.from)!;
    const to = node.get(edge.to)!;
    // Out of the right side, down into the gap below the row, across to the bus, down into the sink.
    const gapY = from.y + from.height + LAYER_GAP / 2;
    edges.push({
      ...edge,
      index: graph.transitions.indexOf(edge),
      route: 'bus',
      points: [
        { x: from.x + from.width, y: from.y + from.height / 2 },
        { x: from.x + from.width + NODE_GAP / 2, y: from.y + from.height / 2 },
        { x: from.x + from.width + NODE_GAP / 2, y: gapY },
        { x: busX, y: gapY },
        { x: busX, y: to.y },
      ],
    });
  });

  const bottom = Math.max(...nodes.map((n) => n.y + n.height));
  return { width: Math.ceil(right + MARGIN), height: Math.ceil(bottom + MARGIN), nodes, edges };
};
