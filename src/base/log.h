/* Structured log lines: `ts=… level=… event=… key=value …`, one per line on stderr. */
#ifndef LOTSEN_BASE_LOG_H
#define LOTSEN_BASE_LOG_H

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below `min` are dropped. Called once from main before the loop starts. */
void log_set_level(enum log_level min);
int log_level_parse(const char *s, enum log_level *out);

/* `event` is a dotted name (http.request, store.migrate); `fmt` continues with key=value pairs. */
void log_event(enum log_level lvl, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define log_info(ev, ...)  log_event(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...)  log_event(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_event(LOG_ERROR, ev, __VA_ARGS__)
#define log_debug(ev, ...) log_event(LOG_DEBUG, ev, __VA_ARGS__)

#endif
