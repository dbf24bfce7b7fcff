/*
 * engine_proxy.h - a unix socket in front of the real engine's that relays
 * every byte, and can play the engine going away: once a request line
 * contains a chosen text, that request and every later one find no engine;
 * and the engine being slow: every request waits before it is relayed;
 * and someone else acting just before a request (a hook run once, before
 * the first request whose request line contains a chosen text is relayed).
 */
#ifndef UKIYO_ENGINE_PROXY_H
#define UKIYO_ENGINE_PROXY_H

typedef struct engine_proxy engine_proxy;

/* Start relaying at a new socket path to /var/run/docker.sock. */
engine_proxy *engine_proxy_start(void);
/* "unix:///tmp/...": the host to give ukiyo. Borrowed. */
const char *engine_proxy_host(const engine_proxy *p);
/* From the first request whose request line contains @text on, the engine is gone. */
void engine_proxy_vanish_at(engine_proxy *p, const char *text);
/* From now on every request waits @ms before it reaches the engine (0: none). */
void engine_proxy_delay(engine_proxy *p, int ms);
/* Before the first request whose request line contains @text is relayed, call @fn(@arg) once. */
void engine_proxy_before(engine_proxy *p, const char *text, void (*fn)(void *arg), void *arg);
void engine_proxy_stop(engine_proxy *p);

#endif
