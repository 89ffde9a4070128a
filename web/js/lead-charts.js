// The lead view's charts of today per 15 minutes: calls offered and answered, and the service
// level, as SVG columns in the style of the reports page (web/rapporter.html). Each chart has
// its title and every figure as text (title and desc, referenced by aria-labelledby), and the
// table beside it holds the same numbers.
const NS = 'http://www.w3.org/2000/svg';
const COLOURS = { a: '#1f5f8b', b: '#7a4d00' }; // ≥ 4.5:1 on white, told apart by pattern too

function node(tag, attrs, text) {
	const e = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
	if (text !== undefined) e.textContent = text;
	return e;
}

// columns(id, title, labels, series, opts): series = [{ name, values, colour, hatch }];
// opts.max (the scale's top), opts.fmt (a value as text), opts.target (a dashed line).
export function columns(id, title, labels, series, opts = {}) {
	const fmt = opts.fmt || ((v) => (v === null || v === undefined ? '–' : String(v)));
	const left = 44, top = 12, h = 160, bottom = 34;
	// Columns a little wider when there are few intervals, never the whole width for one.
	const step = Math.max(22, 8 + 12 * series.length, Math.min(60, 320 / Math.max(1, labels.length)));
	const width = left + labels.length * step + 12;
	const max = Math.max(opts.max || 0, 1, ...series.flatMap((s) => s.values.map((v) => v || 0)));
	const y = (v) => top + h - ((v || 0) / max) * h;
	const svg = node('svg', { viewBox: `0 0 ${width} ${top + h + bottom}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`,
		class: 'lead-chart', id, width: String(width), height: String(top + h + bottom) });
	svg.append(node('title', { id: `${id}-title` }, title));
	svg.append(node('desc', { id: `${id}-desc` }, labels.map((l, i) => `${l}: ` + series.map((s) => `${s.name} ${fmt(s.values[i])}`).join(', ')).join('; ')));
	const defs = node('defs', {});
	const pat = node('pattern', { id: `${id}-hatch`, width: 4, height: 4, patternUnits: 'userSpaceOnUse' });
	pat.append(node('rect', { width: 4, height: 4, fill: COLOURS.b }), node('path', { d: 'M0,4 L4,0', stroke: '#ffffff', 'stroke-width': 1 }));
	defs.append(pat);
	svg.append(defs);
	// The scale: zero, half and top, as text.
	for (const v of [0, max / 2, max]) {
		svg.append(node('line', { x1: left, x2: width - 6, y1: y(v), y2: y(v), stroke: '#c4cad3', 'stroke-width': 1 }));
		svg.append(node('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#1a1a1a' }, fmt(v)));
	}
	if (opts.target !== null && opts.target !== undefined)
		svg.append(node('line', { x1: left, x2: width - 6, y1: y(opts.target), y2: y(opts.target), stroke: '#a4161a', 'stroke-width': 2, 'stroke-dasharray': '6 4' }));
	const bw = (step - 8) / series.length;
	labels.forEach((l, i) => {
		const x0 = left + i * step + 4;
		series.forEach((s, k) => {
			const v = s.values[i];
			svg.append(node('rect', { x: x0 + k * bw, y: y(v), width: Math.max(1, bw - 1), height: Math.max(0, top + h - y(v)),
				fill: s.hatch ? `url(#${id}-hatch)` : s.colour || COLOURS.a }));
		});
		if (labels.length <= 24 || i % 2 === 0)
			svg.append(node('text', { x: x0 + (step - 8) / 2, y: top + h + 14, 'text-anchor': 'middle', 'font-size': 10, fill: '#1a1a1a' }, l));
	});
	const legend = document.createElement('p');
	legend.className = 'hint chart-legend';
	legend.textContent = series.map((s) => (s.hatch ? '▨ ' : '■ ') + s.name).join('   ')
		+ (opts.target !== null && opts.target !== undefined ? '   – – ' + opts.targetName : '');
	const fig = document.createElement('figure');
	fig.className = 'chart-box';
	const cap = document.createElement('figcaption');
	cap.textContent = title;
	const wrap = document.createElement('div');
	wrap.className = 'scroll';
	wrap.append(svg);
	fig.append(cap, wrap, legend);
	return fig;
}
