// The wallboard's judgement of a group's figures against its targets (set per group by an
// admin: service level, longest wait, abandon rate): ok, warn or alarm, shown by colour AND
// by a symbol and a word, never by colour alone. Pure: the figures come in as arguments.

export const LEVELS = ['none', 'ok', 'warn', 'alarm'];

// A service level below its target is a warning; more than SL_ALARM_POINTS percentage
// points below, an alarm.
export const SL_ALARM_POINTS = 10;

// Service level (0–1, null without offered calls) against the target in per cent.
export function judgeServiceLevel(sl, targetPct) {
	if (targetPct === null || targetPct === undefined || sl === null || sl === undefined) return 'none';
	const pct = sl * 100;
	if (pct >= targetPct) return 'ok';
	return pct < targetPct - SL_ALARM_POINTS ? 'alarm' : 'warn';
}

// A value that must stay below its levels: warn at or above `warn`, alarm at or above `alarm`.
export function judgeAbove(value, warn, alarm) {
	const set = (x) => x !== null && x !== undefined;
	if (!set(warn) && !set(alarm)) return 'none';
	if (value === null || value === undefined) return 'ok';
	if (set(alarm) && value >= alarm) return 'alarm';
	if (set(warn) && value >= warn) return 'warn';
	return 'ok';
}

// The three figures of a tile and the tile's own level (the worst of them).
// g: the stream's group snapshot; targets: the group's targets; longest: seconds, counted on.
export function judgeGroup(g, targets, longest) {
	const tg = targets || {};
	const today = (g && g.today) || {};
	const sl = today.offered ? (tg.target_sl_s === 180 ? today.service_level_180 : today.service_level_60) : null;
	const abandon = today.offered ? today.abandon_rate : null;
	const res = {
		sl: judgeServiceLevel(sl, tg.target_sl_pct),
		wait: judgeAbove(longest, tg.wait_warn_s, tg.wait_alarm_s),
		abandon: judgeAbove(abandon === null || abandon === undefined ? null : abandon * 100, tg.abandon_warn_pct, tg.abandon_alarm_pct),
	};
	res.tile = [res.sl, res.wait, res.abandon].reduce((a, b) => (LEVELS.indexOf(b) > LEVELS.indexOf(a) ? b : a), 'none');
	return res;
}

// The symbol and the word for a level, Swedish and English.
export const LEVEL_TEXT = {
	ok: { icon: '\u2714', sv: 'Inom mål', en: 'On target' },
	warn: { icon: '\u26a0', sv: 'Varning', en: 'Warning' },
	alarm: { icon: '\u2716', sv: 'Larm', en: 'Alarm' },
	none: { icon: '', sv: 'Inget mål', en: 'No target' },
};
