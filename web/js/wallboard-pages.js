// Kiosk paging of the wallboard: with more groups than fit on the screen, the board shows a
// page at a time and turns the page every few seconds. Groups in alarm are on every page
// (first), so an alarm is never off screen; the other tiles (warnings before the rest, then
// by group) fill the room left, page by page. Pure: given the tiles' levels and the number of
// tiles that fit, which tiles each page shows.

const RANK = { alarm: 0, warn: 1, ok: 2, none: 2 };

// items: [{key, level}] in board order; slots: tiles that fit on one screen (≥ 1).
// Returns pages: arrays of keys, at least one page.
export function pagesOf(items, slots) {
	const n = Math.max(1, Math.floor(slots) || 1);
	const alarms = items.filter((x) => x.level === 'alarm');
	const rest = items.filter((x) => x.level !== 'alarm')
		.map((x, i) => ({ x, i })).sort((a, b) => (RANK[a.x.level] ?? 2) - (RANK[b.x.level] ?? 2) || a.i - b.i)
		.map((y) => y.x);
	if (alarms.length >= n) {
		// More alarms than room: page through the alarms alone, then the rest.
		const all = alarms.concat(rest), pages = [];
		for (let i = 0; i < all.length; i += n) pages.push(all.slice(i, i + n).map((x) => x.key));
		return pages;
	}
	const room = n - alarms.length, pages = [];
	for (let i = 0; i < rest.length || pages.length === 0; i += room)
		pages.push(alarms.concat(rest.slice(i, i + room)).map((x) => x.key));
	return pages;
}

// The page-turn interval: ?page_s=N (1 … 600 seconds), default 15.
export function pageSeconds(search) {
	const v = Number(new URLSearchParams(search).get('page_s'));
	return Number.isFinite(v) && v >= 1 && v <= 600 ? v : 15;
}
