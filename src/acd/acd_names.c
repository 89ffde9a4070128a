/* Stable names of ACD action kinds, event kinds, pause reasons and agent states (database,
 * API, event streams and log lines). */
#include "acd/acd.h"

#include <errno.h>
#include <string.h>

static const char *const action_names[ACD_ACT_KIND_MAX] = {
        [ACD_ACT_QUEUED] = "queued",
        [ACD_ACT_ANNOUNCE] = "announce",
        [ACD_ACT_OFFER] = "offer",
        [ACD_ACT_CANCEL_OFFER] = "cancel_offer",
        [ACD_ACT_CONNECT] = "connect",
        [ACD_ACT_OFFER_CALLBACK] = "offer_callback",
        [ACD_ACT_CALLBACK_DIAL] = "callback_dial",
        [ACD_ACT_CLOSED] = "closed",
        [ACD_ACT_FORWARD] = "forward",
        [ACD_ACT_MAIL_OFFER] = "email_offer",
        [ACD_ACT_MAIL_CANCEL] = "email_offer_cancelled",
};

static const char *const event_names[ACD_EV_KIND_MAX] = {
        [ACD_EV_CALL_ARRIVED] = "call_arrived",
        [ACD_EV_CALL_QUEUED] = "call_queued",
        [ACD_EV_CALL_OFFERED] = "call_offered",
        [ACD_EV_CALL_NO_ANSWER] = "call_no_answer",
        [ACD_EV_CALL_ANSWERED] = "call_answered",
        [ACD_EV_CALL_ABANDONED] = "call_abandoned",
        [ACD_EV_CALL_ENDED] = "call_ended",
        [ACD_EV_CALL_OVERFLOWED] = "call_overflowed",
        [ACD_EV_CALL_CLOSED] = "call_closed",
        [ACD_EV_CALL_FORWARDED] = "call_forwarded",
        [ACD_EV_CALL_TRANSFERRED] = "call_transferred",
        [ACD_EV_CALLBACK_OFFERED] = "callback_offered",
        [ACD_EV_CALLBACK_REQUESTED] = "callback_requested",
        [ACD_EV_CALLBACK_DIALLED] = "callback_dialled",
        [ACD_EV_CALLBACK_ANSWERED] = "callback_answered",
        [ACD_EV_CALLBACK_FAILED] = "callback_failed",
        [ACD_EV_AGENT_LOGIN] = "agent_login",
        [ACD_EV_AGENT_LOGOUT] = "agent_logout",
        [ACD_EV_AGENT_READY] = "agent_ready",
        [ACD_EV_AGENT_PAUSED] = "agent_paused",
        [ACD_EV_AGENT_WRAPUP] = "agent_wrapup",
        [ACD_EV_MAIL_QUEUED] = "email_queued",
        [ACD_EV_MAIL_OFFERED] = "email_offered",
        [ACD_EV_MAIL_NO_ANSWER] = "email_no_answer",
        [ACD_EV_MAIL_TAKEN] = "email_taken",
        [ACD_EV_MAIL_RELEASED] = "email_released",
        [ACD_EV_MAIL_DONE] = "email_done",
        [ACD_EV_AGENT_CONSULTED] = "agent_consulted",
        [ACD_EV_AGENT_CONSULT_TAKEN] = "agent_consult_taken",
};

static const char *const pause_names[ACD_PAUSE_OTHER + 1] = {
        [ACD_PAUSE_NONE] = "none",         [ACD_PAUSE_MEETING] = "meeting",
        [ACD_PAUSE_TRAINING] = "training", [ACD_PAUSE_EMAIL] = "email",
        [ACD_PAUSE_BREAK] = "break",       [ACD_PAUSE_NO_ANSWER] = "no_answer",
        [ACD_PAUSE_OTHER] = "other",
};

static const char *const state_names[ACD_AGENT_PAUSED + 1] = {
        [ACD_AGENT_LOGGED_OUT] = "logged_out", [ACD_AGENT_READY] = "ready",
        [ACD_AGENT_OFFERED] = "offered",       [ACD_AGENT_TALKING] = "talking",
        [ACD_AGENT_WRAPUP] = "wrapup",         [ACD_AGENT_PAUSED] = "paused",
};

const char *acd_action_name(enum acd_action_kind k)
{
	if ((int)k <= 0 || (int)k >= ACD_ACT_KIND_MAX)
		return "unknown";
	return action_names[k];
}

const char *acd_event_kind_name(enum acd_event_kind k)
{
	if ((int)k <= 0 || k >= ACD_EV_KIND_MAX)
		return "unknown";
	return event_names[k];
}

int acd_event_kind_parse(const char *s, enum acd_event_kind *out)
{
	if (!s)
		return EINVAL;
	for (int k = 1; k < ACD_EV_KIND_MAX; k++) {
		if (strcmp(s, event_names[k]) == 0) {
			*out = (enum acd_event_kind)k;
			return 0;
		}
	}
	return EINVAL;
}

const char *acd_pause_reason_name(enum acd_pause_reason r)
{
	if ((int)r < 0 || r > ACD_PAUSE_OTHER)
		return "unknown";
	return pause_names[r];
}

/* "none" is not accepted: it is no reason to pause. */
int acd_pause_reason_parse(const char *s, enum acd_pause_reason *out)
{
	if (!s)
		return EINVAL;
	for (int r = ACD_PAUSE_MEETING; r <= ACD_PAUSE_OTHER; r++) {
		if (strcmp(s, pause_names[r]) == 0) {
			*out = (enum acd_pause_reason)r;
			return 0;
		}
	}
	return EINVAL;
}

const char *acd_agent_state_name(enum acd_agent_state s)
{
	if ((int)s < 0 || s > ACD_AGENT_PAUSED)
		return "unknown";
	return state_names[s];
}
